"""A staged evaluation on PermenPANRB 59/2020, part-way through its stages (demo data
for `make run`), so the interview, visit and ministry review screens have content.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from evaluations import drafting, scoring
from evaluations.demo.common import (
    SCORED_FIELDS,
    answer_progress,
    create_self_answers,
    generated_evidence,
    link_evidence,
    say,
    system_user,
    tiny_pdf,
    validated_answers,
)
from evaluations.models import (
    Answer,
    Aspect,
    AspectNote,
    AssessorAssignment,
    Evaluation,
    EvaluationPeriod,
    EvaluationReview,
    EvidenceFile,
    Framework,
    GeneralRecommendation,
    Indicator,
    Phase,
    TextReview,
)
from evaluations.services.review import sample_by_kind
from evaluations.wib import WIB
from institutions.models import Institution, University, User

# Named by its framework, not a year: its windows are placed around the day it is seeded.
STAGED_NAME = "Evaluasi SPBE 59/2020 (tahapan)"
STAGED_FRAMEWORK = "permenpanrb-59-2020"
STAGED_SEED = 2024
STAGED_PER_KIND = 8  # institutions per kind of institution (five kinds), plus the demo one
STAGED_SAMPLE_PERCENT = 50
# How far each institution has come, in the order the participants are dealt out:
# self-assessed only, document-scored (some with interview levels), approved and
# awaiting the review, reviewed.
STAGES = ("self", "document", "approved", "reviewed")


def _staged_period(framework, now) -> EvaluationPeriod:
    """The period, its windows placed around `now`: self-assessment and document stage
    over, interviews and the ministry review open, site visits to come."""
    day = dt.timedelta(days=1)
    start = now.astimezone(WIB).replace(hour=0, minute=0, second=0, microsecond=0)
    period = EvaluationPeriod(
        name=STAGED_NAME,
        year=now.year,
        framework=framework,
        mode="evaluation",
        opens_at=start - 120 * day,
        deadline=start - 59 * day - dt.timedelta(seconds=1),  # 23:59:59 WIB
        document_deadline=start - 29 * day - dt.timedelta(seconds=1),
        interview_opens_at=start - 25 * day,
        interview_closes_at=start + 20 * day,
        visit_opens_at=start + 25 * day,
        visit_closes_at=start + 50 * day,
        review_opens_at=start - 5 * day,
        review_closes_at=start + 60 * day,
        review_scope="sample",
        review_sample_percent=STAGED_SAMPLE_PERCENT,
        review_sample_seed=STAGED_SEED,
        review_sample_drawn_at=start - 5 * day,
    )
    period.full_clean()
    period.save()
    return period


def _staged_participants(demo_institution) -> list[Institution]:
    chosen = [demo_institution] if demo_institution else []
    for kind in Institution.Kind.values:
        chosen.extend(
            Institution.objects.active()
            .filter(kind=kind)
            .exclude(pk=getattr(demo_institution, "pk", None))
            .order_by("code")[:STAGED_PER_KIND]
        )
    return chosen


def _deal_stages(evaluations, sampled: set[int], demo_pk) -> dict[int, str]:
    """evaluation id -> stage. The reviewed ones come from the review sample (a period
    reviewed by sample reviews only those); the demo institution is at the document
    stage, so its staff see provisional levels and its assessor has work."""
    stage_of = {}
    in_sample = [ev for ev in evaluations if ev.pk in sampled and ev.pk != demo_pk]
    others = [ev for ev in evaluations if ev.pk not in sampled and ev.pk != demo_pk]
    for i, ev in enumerate(in_sample):
        stage_of[ev.pk] = "reviewed" if i % 2 == 0 else STAGES[i % 3]
    for i, ev in enumerate(others):
        stage_of[ev.pk] = STAGES[i % 3]
    if demo_pk is not None:
        stage_of[demo_pk] = "document"
    return stage_of


def _staged_evidence(ev, period, rng, system) -> EvidenceFile:
    """One generated PDF per institution, its document date sometimes older than the
    framework's two years, so the recency flag shows."""
    data = tiny_pdf(f"{ev.institution.name}: {STAGED_NAME}")
    deadline_day = period.deadline.astimezone(WIB).date()
    age_days = rng.choice((120, 300, 500, 900))  # 900 days: older than two years
    return generated_evidence(
        ev,
        data,
        original_name="Laporan evaluasi internal SPBE.pdf",
        title="Laporan evaluasi internal",
        system=system,
        document_date=deadline_day - dt.timedelta(days=age_days),
    )


def _three_parts(level: int, claimed: int) -> dict:
    lowered = level < claimed
    return {
        "facts": "Dokumen kebijakan dan laporan pelaksanaan pada data dukung, halaman 1-4.",
        "analysis": (
            f"Kriteria tingkat {claimed} belum terpenuhi seluruhnya."
            if lowered
            else f"Kriteria tingkat {level} terpenuhi oleh bukti."
        ),
        "justification": f"Tingkat {level} sesuai bukti yang diperiksa.",
        "note": "Bukti belum lengkap." if lowered else "Sesuai dengan bukti dukung.",
        "recommendation": f"Lengkapi bukti untuk tingkat {claimed}." if lowered else "",
    }


# The evaluation fields the steps below set.
STAGED_FIELDS = [
    *SCORED_FIELDS,
    "submitted_at",
    "submitted_by",
    "submission_count",
    "in_review_sample",
]


@dataclass
class _Staging:
    """What every step reads (the period, its framework, the one seeded generator) and
    the rows the steps add, bulk-written together at the end so the demo stays quick."""

    period: EvaluationPeriod
    indicators: list[Indicator]
    aspects: list[Aspect]
    spec: scoring.FrameworkSpec
    rng: random.Random
    low: int
    system: User
    now: dt.datetime
    answers: list[Answer] = field(default_factory=list)
    notes: list[AspectNote] = field(default_factory=list)
    recommendations: list[GeneralRecommendation] = field(default_factory=list)
    text_reviews: list[TextReview] = field(default_factory=list)
    reviews: list[EvaluationReview] = field(default_factory=list)

    def save(self, evaluations: list[Evaluation]) -> None:
        Answer.objects.bulk_create(self.answers, batch_size=1000)
        AspectNote.objects.bulk_create(self.notes, batch_size=1000)
        GeneralRecommendation.objects.bulk_create(self.recommendations)
        TextReview.objects.bulk_create(self.text_reviews)
        EvaluationReview.objects.bulk_create(self.reviews)
        Evaluation.objects.bulk_update(evaluations, STAGED_FIELDS, batch_size=500)


def _create_evaluations(period, participants, university) -> list[Evaluation]:
    Evaluation.objects.bulk_create(
        [Evaluation(institution=i, period=period, university=university) for i in participants]
    )
    return list(
        Evaluation.objects.filter(period=period).select_related("institution").order_by("pk")
    )


def _store_evidence(evaluations, self_answers, staging: _Staging) -> None:
    """Each institution's generated PDF, linked to all its self answers."""
    evidence = [
        _staged_evidence(ev, staging.period, staging.rng, staging.system) for ev in evaluations
    ]
    EvidenceFile.objects.bulk_create(evidence)
    link_evidence(evidence, self_answers, staging.system)


def _assign_assessor(evaluations, assessor, system) -> None:
    AssessorAssignment.objects.bulk_create(
        [
            AssessorAssignment(evaluation=ev, assessor=assessor, assigned_by=system)
            for ev in evaluations
        ]
    )


def _mark_submitted(ev, staging: _Staging, claimed, progress) -> None:
    """Submitted three days before the deadline, with its self-assessed index."""
    submitted_at = staging.period.deadline - dt.timedelta(days=3)
    own = scoring.compute_index(staging.spec, claimed)
    ev.submitted_at, ev.submitted_by, ev.submission_count = submitted_at, staging.system, 1
    ev.self_index, ev.self_predicate = own.index, own.predicate
    ev.answered_count, ev.evidenced_count = progress
    ev.last_activity_at = submitted_at
    ev.status = Evaluation.Status.SUBMITTED


def _score_documents(ev, staging: _Staging, claimed) -> dict:
    """The assessor's document-stage levels, then the few the interview raised (the rest
    are carried over). Returns indicator id -> the level of each entry."""
    answers, final = validated_answers(
        ev, staging.indicators, claimed, staging.rng, staging.low, staging.system, _three_parts
    )
    staging.answers.extend(answers)
    for ind in staging.rng.sample(staging.indicators, 4):
        level = min(5, final[ind.pk][0] + 1)
        final[ind.pk][0] = level
        staging.answers.append(
            Answer(
                evaluation=ev,
                indicator=ind,
                entry=1,
                phase=Phase.INTERVIEW,
                level=level,
                facts="Ditunjukkan saat interviu: laporan pemantauan terbaru.",
                analysis=f"Kriteria tingkat {level} terpenuhi.",
                justification=f"Tingkat naik menjadi {level} setelah interviu.",
                updated_by=staging.system,
            )
        )
    ev.validated_count = len(staging.indicators)
    ev.status = Evaluation.Status.UNDER_ASSESSMENT
    return final


def _correction_texts(level: int | None) -> dict:
    """The reviewer's reasons for a corrected level; a level judged valid needs none."""
    if level is None:
        return {}
    return {
        "facts": "Laporan evaluasi berumur lebih dari dua tahun.",
        "analysis": "Kriteria tingkat dari asesor belum terpenuhi.",
        "justification": f"Dikoreksi menjadi tingkat {level}.",
    }


def _review(ev, staging: _Staging, final: dict) -> None:
    """The ministry review: one level found not valid and corrected down in `final`, the
    rest judged valid."""
    corrected = staging.rng.choice(staging.indicators)
    for ind in staging.indicators:
        for entry in range(1, len(final[ind.pk]) + 1):
            level = None
            if ind.pk == corrected.pk and entry == 1:
                level = max(staging.low, final[ind.pk][0] - 1)
                final[ind.pk][0] = level
            staging.answers.append(
                Answer(
                    evaluation=ev,
                    indicator=ind,
                    entry=entry,
                    phase=Phase.REVIEW,
                    level=level,
                    updated_by=staging.system,
                    **_correction_texts(level),
                )
            )
    staging.reviews.append(
        EvaluationReview(
            evaluation=ev,
            completed_at=staging.now - dt.timedelta(days=1),
            completed_by=staging.system,
            corrections=1,
        )
    )


def _draft_texts(ev, staging: _Staging, result, *, accepted: bool) -> None:
    """The aspect notes and the general recommendation, drafted by the guide's rules, and
    their text review: accepted once the ministry reviewed the evaluation, else pending."""
    scored = [
        drafting.ScoredIndicator(
            number=ind.number,
            name=ind.name,
            aspect_code=ind.aspect.code,
            value=result.indicators[ind.pk],
        )
        for ind in staging.indicators
    ]
    for aspect in staging.aspects:
        draft = drafting.draft_aspect(
            aspect.code, [s for s in scored if s.aspect_code == aspect.code]
        )
        staging.notes.append(
            AspectNote(
                evaluation=ev,
                aspect=aspect,
                phase=Phase.DOCUMENT,
                fulfilment=draft.fulfilment,
                strengths=draft.strengths,
                weaknesses=draft.weaknesses,
                updated_by=staging.system,
            )
        )
    rec = drafting.draft_recommendation(
        aspects=[(a.code, a.name, result.aspects[a.code]) for a in staging.aspects],
        index=result.index,
        predicate=result.predicate,
        bands=staging.spec.bands,
        indicators=scored,
    )
    staging.recommendations.append(
        GeneralRecommendation(evaluation=ev, updated_by=staging.system, **rec.__dict__)
    )
    staging.text_reviews.append(
        TextReview(
            evaluation=ev,
            state=TextReview.State.ACCEPTED if accepted else TextReview.State.PENDING,
            decided_by=staging.system if accepted else None,
            decided_at=staging.now - dt.timedelta(days=1) if accepted else None,
        )
    )


def _approve(ev, staging: _Staging, final: dict, *, reviewed: bool) -> None:
    """Scored from the final levels, its texts drafted, and approved."""
    result = scoring.compute_index(staging.spec, final)
    _draft_texts(ev, staging, result, accepted=reviewed)
    ev.final_index, ev.final_predicate = result.index, result.predicate
    ev.assessed_at = staging.period.document_deadline - dt.timedelta(days=2)
    ev.approved_at, ev.approved_by = ev.assessed_at + dt.timedelta(days=1), staging.system
    ev.status = Evaluation.Status.APPROVED


def _advance(ev, staging: _Staging, stage: str, claimed: dict) -> None:
    """Take a submitted evaluation as far as its stage."""
    if stage == "self":
        return
    final = _score_documents(ev, staging, claimed)
    if stage == "document":
        return
    if stage == "reviewed":
        _review(ev, staging, final)
    _approve(ev, staging, final, reviewed=stage == "reviewed")


def _summary(evaluations, framework, stage_of: dict[int, str], sampled: set[int]) -> str:
    counts = {stage: sum(1 for s in stage_of.values() if s == stage) for stage in STAGES}
    return (
        f"{STAGED_NAME}: {len(evaluations)} evaluations on {framework.name}: "
        f"{counts['self']} self-assessed, {counts['document']} document-scored, "
        f"{counts['approved']} approved awaiting review, {counts['reviewed']} reviewed "
        f"({len(sampled)} in the review sample)"
    )


@transaction.atomic
def seed_staged_campaign(
    *, demo_institution=None, university=None, assessor=None, stdout=None, now=None
) -> list[str]:
    """A period in evaluation mode on 59/2020, part-way through its stages: some
    institutions only self-assessed, some document-scored (a few with interview levels,
    the rest carried over), some approved and waiting for the ministry review, some
    reviewed (one level corrected, texts accepted). Reviewed by sample (half of each
    kind, from a recorded seed). Every assessor text is drafted by the guide's rules.

    Idempotent: once the period exists it is left alone. Rows are bulk-written, as in
    the closed campaign, so the demo stays quick. The steps draw from one seeded
    generator in a fixed order, so the same database gives the same campaign.
    """
    if EvaluationPeriod.objects.filter(name=STAGED_NAME).exists():
        return []
    framework = Framework.objects.filter(code=STAGED_FRAMEWORK).first()
    if framework is None:
        return []
    started = time.monotonic()
    now = now or timezone.now()
    rng = random.Random(STAGED_SEED)
    system = system_user()
    period = _staged_period(framework, now)
    university = university or University.objects.filter(is_active=True).order_by("code").first()
    evaluations = _create_evaluations(period, _staged_participants(demo_institution), university)
    staging = _Staging(
        period=period,
        indicators=list(
            Indicator.objects.filter(framework=framework)
            .select_related("aspect")
            .order_by("number")
        ),
        aspects=list(
            Aspect.objects.filter(domain__framework=framework).order_by("domain__order", "order")
        ),
        spec=scoring.spec_for(framework),
        rng=rng,
        low=0 if framework.allow_zero_validated else 1,
        system=system,
        now=now,
    )
    sampled = {
        ev.pk for ev in sample_by_kind(evaluations, percent=STAGED_SAMPLE_PERCENT, seed=STAGED_SEED)
    }
    stage_of = _deal_stages(evaluations, sampled, getattr(demo_institution, "pk", None))
    self_answers, claimed = create_self_answers(
        evaluations, staging.indicators, rng, framework.min_self_level, system
    )
    _store_evidence(evaluations, self_answers, staging)
    progress = answer_progress(evaluations, staging.indicators, self_answers, framework)
    if assessor is not None:
        _assign_assessor(evaluations, assessor, system)
    for ev in evaluations:
        _mark_submitted(ev, staging, claimed[ev.pk], progress[ev.pk])
        ev.in_review_sample = ev.pk in sampled
        _advance(ev, staging, stage_of[ev.pk], claimed[ev.pk])
    staging.save(evaluations)
    say(stdout, f"  staged campaign seeded in {time.monotonic() - started:.1f} s")
    return [_summary(evaluations, framework, stage_of, sampled)]
