"""A complete synthetic campaign for the closed 2019 period (demo data for `make run`).

`seed_closed_campaign(period=...)` fills a period whose results are not yet released:
every institution submitted (a few late, under an extension), self-assessed levels
and one small generated PDF of evidence per institution, levels varied per kind of
institution; then assigned to universities and assessors with the real automatic
assignment services, scored, approved and released. Deterministic
(`random.Random(SEED)`) and idempotent: a period already released is left alone.

Speed matters more than realism of the audit trail here: rows are written with
bulk_create/bulk_update (about 75,000 rows for 623 x 35) instead of one service call
per answer; the assignment itself goes through the services so that the demo shows
how the automatic split behaves at full scale.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal

from django.db import transaction

from evaluations import scoring
from evaluations.demo.common import (
    SCORED_FIELDS,
    answer_progress,
    create_self_answers,
    ensure_demo_assessors,
    generated_evidence,
    link_evidence,
    say,
    system_user,
    tiny_pdf,
    validated_answers,
)
from evaluations.models import (
    Answer,
    AspectNote,
    AssessorAssignment,
    AuditEvent,
    CalibrationAnswer,
    CalibrationItem,
    CalibrationSample,
    Evaluation,
    EvaluationPeriod,
    EvidenceFile,
    Extension,
    Indicator,
    Phase,
)
from evaluations.services.assignment import auto_assign_assessors, auto_assign_universities
from evaluations.services.calibration import stratified_draw
from evaluations.services.core import create_evaluations_for_period
from evaluations.services.selfeval import submission_content_hash
from institutions.models import Role, University, User

SEED = 2019
LATE_SHARE = 0.04  # institutions that submitted late under an extension
STRENGTHS = (
    "Kebijakan telah ditetapkan dan diterapkan di seluruh unit.",
    "Tim koordinasi aktif dan didukung pimpinan.",
    "Layanan terintegrasi dengan sistem nasional.",
)
WEAKNESSES = (
    "Evaluasi berkala belum terdokumentasi.",
    "Bukti penerapan belum mencakup seluruh unit kerja.",
    "Belum ada reviu atas efektivitas kebijakan.",
)


def _clear_previous_fill(evaluations: list[Evaluation]) -> None:
    """The demo is a fresh fill: drop what a previous unreleased attempt may have left."""
    ev_ids = [ev.pk for ev in evaluations]
    Answer.objects.filter(evaluation_id__in=ev_ids).delete()
    AspectNote.objects.filter(evaluation_id__in=ev_ids).delete()
    EvidenceFile.objects.filter(evaluation_id__in=ev_ids).delete()


def _submit_all(period, evaluations, rng, system) -> tuple[set[int], list[Extension]]:
    """Every evaluation submitted once: most before the deadline, a few late under an
    extension of a week (an institution that already has one keeps it).

    Returns the late evaluation ids and the extensions created.
    """
    deadline = period.deadline
    late = {ev.pk for ev in evaluations if rng.random() < LATE_SHARE}
    extensions = []
    existing_ext = set(
        Extension.objects.filter(period=period, revoked_at__isnull=True).values_list(
            "institution_id", flat=True
        )
    )
    for ev in evaluations:
        if ev.pk in late:
            ev.submitted_at = deadline + dt.timedelta(
                days=rng.randint(1, 6), hours=rng.randint(0, 20)
            )
            if ev.institution_id not in existing_ext:
                extensions.append(
                    Extension(
                        period=period,
                        institution_id=ev.institution_id,
                        new_deadline=deadline + dt.timedelta(days=7),
                        reason="Gangguan jaringan dan pergantian operator",
                        granted_by=system,
                    )
                )
        else:
            ev.submitted_at = deadline - dt.timedelta(
                days=rng.randint(0, 25), hours=rng.randint(0, 23)
            )
        ev.status = Evaluation.Status.SUBMITTED
        ev.submitted_by = system
        ev.submission_count = 1
    Extension.objects.bulk_create(extensions)
    Evaluation.objects.bulk_update(
        evaluations, ["status", "submitted_at", "submitted_by", "submission_count"], batch_size=500
    )
    return late, extensions


def _store_evidence(evaluations, self_answers, threshold: int, system) -> list[EvidenceFile]:
    """One generated PDF per evaluation, linked to every self answer at or above the
    level from which the framework requires evidence."""
    evidence = [
        generated_evidence(
            ev,
            tiny_pdf(ev.institution.name),
            original_name="Data dukung SPBE 2019.pdf",
            title="Kompilasi data dukung",
            system=system,
        )
        for ev in evaluations
    ]
    EvidenceFile.objects.bulk_create(evidence, batch_size=500)
    link_evidence(evidence, [a for a in self_answers if a.level >= threshold], system)
    return evidence


def _assign(period, system, at) -> tuple[int, float]:
    """Universities, then each university's assessors, with the real automatic services.

    Returns how many evaluations went to universities and how long it took.
    """
    t0 = time.monotonic()
    run = auto_assign_universities(period=period, by=system, at=at)
    for university in University.objects.filter(is_active=True).order_by("code"):
        auto_assign_assessors(period=period, university=university, by=system, notify=False, at=at)
    return run.changed, time.monotonic() - t0


def _document_texts(level: int, claimed: int) -> dict:
    """The assessor's note and, when the level was lowered, a recommendation."""
    lowered = level < claimed
    return {
        "note": (
            "Bukti dukung belum menunjukkan penerapan di seluruh unit."
            if lowered
            else "Sesuai dengan bukti dukung."
        ),
        "recommendation": f"Lengkapi bukti untuk mencapai tingkat {claimed}." if lowered else "",
    }


def _status_events(ev, period, system) -> list[AuditEvent]:
    """The audit trail of a released evaluation: submitted, assessed, approved, released."""
    Status = Evaluation.Status
    steps = (
        (ev.submitted_at, Status.IN_PROGRESS, Status.SUBMITTED, AuditEvent.Action.STATUS),
        (
            ev.assessed_at,
            Status.UNDER_ASSESSMENT,
            Status.ASSESSED,
            AuditEvent.Action.ASSESSMENT_COMPLETED,
        ),
        (ev.approved_at, Status.ASSESSED, Status.APPROVED, AuditEvent.Action.ASSESSMENT_APPROVED),
        (ev.released_at, Status.APPROVED, Status.RELEASED, AuditEvent.Action.RESULTS_RELEASED),
    )
    return [
        AuditEvent(
            at=at,
            actor=system,
            action=action,
            evaluation=ev,
            period_id=period.pk,
            institution_id=ev.institution_id,
            from_status=frm,
            to_status=to,
        )
        for at, frm, to, action in steps
    ]


# The evaluation fields `_score_and_release` sets.
RELEASE_FIELDS = [*SCORED_FIELDS, "released_at"]


def _score_and_release(
    ev, *, own, result, assessed_at, rng, system, released_at, n, progress
) -> None:
    """Set the indices, the dates and the released status on `ev` (unsaved)."""
    ev.self_index, ev.self_predicate = own.index, own.predicate
    ev.final_index, ev.final_predicate = result.index, result.predicate
    ev.assessed_at, ev.approved_by = assessed_at, system
    ev.approved_at = assessed_at + dt.timedelta(days=rng.randint(1, 5))
    ev.released_at = released_at
    ev.status = Evaluation.Status.RELEASED
    ev.answered_count, ev.evidenced_count = progress
    ev.validated_count = n
    ev.last_activity_at = assessed_at


def _assess_all(
    period, evaluations, indicators, claimed, *, rng, low, system, assigned_at, progress
):
    """Validate, score, approve and release every evaluation. Returns the number of
    validated answers and the release time."""
    spec = scoring.spec_for(period.framework)
    aspects = sorted({ind.aspect for ind in indicators}, key=lambda a: a.pk)
    doc_answers, notes, events = [], [], []
    document_deadline = period.document_deadline or (period.deadline + dt.timedelta(days=30))
    released_at = document_deadline + dt.timedelta(days=20)
    # Each level is the assigned assessor's, so the analytics and the calibration
    # agreement can tell assessors apart.
    assessor_of = dict(
        AssessorAssignment.objects.filter(evaluation__in=evaluations).values_list(
            "evaluation_id", "assessor"
        )
    )
    people = {u.pk: u for u in User.objects.filter(pk__in=set(assessor_of.values()))}
    for ev in evaluations:
        by = people.get(assessor_of.get(ev.pk), system)
        answers, final = validated_answers(
            ev, indicators, claimed[ev.pk], rng, low, by, _document_texts
        )
        doc_answers.extend(answers)
        notes.extend(
            AspectNote(
                evaluation=ev,
                aspect=aspect,
                phase=Phase.DOCUMENT,
                strengths=rng.choice(STRENGTHS),
                weaknesses=rng.choice(WEAKNESSES),
                updated_by=system,
            )
            for aspect in aspects
        )
        _score_and_release(
            ev,
            own=scoring.compute_index(spec, claimed[ev.pk]),
            result=scoring.compute_index(spec, final),
            assessed_at=assigned_at + dt.timedelta(days=rng.randint(5, 20)),
            rng=rng,
            system=system,
            released_at=released_at,
            n=len(indicators),
            progress=progress[ev.pk],
        )
        events.extend(_status_events(ev, period, system))
    Answer.objects.bulk_create(doc_answers, batch_size=1000)
    AspectNote.objects.bulk_create(notes, batch_size=1000)
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    Evaluation.objects.bulk_update(evaluations, RELEASE_FIELDS, batch_size=500)
    return len(doc_answers), released_at


CALIBRATION_SHARE = Decimal("0.10")
# The second assessor's level against the first's: mostly the same, sometimes one off,
# now and then two (which the consensus step is for).
SECOND_SHIFT = (-2, -1, -1, 0, 0, 0, 0, 0, 0, 1, 1)


def _calibrate(period, system, *, low: int) -> tuple[int, int]:
    """A 10 % calibration sample (the service's stratified draw from the recorded seed),
    each sampled evaluation scored again by an assessor of the next university.

    Its own generator, after everything else, so the rest of the campaign is the same
    with or without it. Returns (sampled evaluations, level pairs)."""
    rng = random.Random(SEED + 1)
    # Read again: the assignment services set the universities in the database.
    assessed = Evaluation.objects.filter(period=period, university__isnull=False)
    chosen = stratified_draw(
        list(assessed.select_related("institution")), share=CALIBRATION_SHARE, seed=SEED
    )
    CalibrationSample.objects.filter(period=period).delete()
    if not chosen:
        return 0, 0
    sample = CalibrationSample.objects.create(
        period=period, share=CALIBRATION_SHARE, seed=SEED, drawn_by=system
    )
    by_university = {}
    for user in User.objects.filter(
        role=Role.ASSESSOR, username__startswith="asesor-", is_active=True
    ).order_by("username"):
        by_university.setdefault(user.university_id, []).append(user)
    order = sorted(by_university)
    items = []
    for ev in chosen:
        others = [u for u in order if u != ev.university_id] or order
        nearest = next((u for u in others if u > ev.university_id), others[0])
        items.append(
            CalibrationItem(
                sample=sample, evaluation=ev, second_assessor=rng.choice(by_university[nearest])
            )
        )
    CalibrationItem.objects.bulk_create(items)
    item_of = {item.evaluation_id: item for item in items}
    seconds = [
        CalibrationAnswer(
            item=item_of[answer.evaluation_id],
            indicator_id=answer.indicator_id,
            entry=answer.entry,
            level=max(low, min(5, answer.level + rng.choice(SECOND_SHIFT))),
            assessor=item_of[answer.evaluation_id].second_assessor,
        )
        for answer in Answer.objects.filter(evaluation__in=chosen, phase=Phase.DOCUMENT).order_by(
            "evaluation_id", "indicator__number", "entry"
        )
    ]
    CalibrationAnswer.objects.bulk_create(seconds, batch_size=1000)
    return len(items), len(seconds)


@transaction.atomic
def seed_closed_campaign(*, period: EvaluationPeriod, stdout=None) -> list[str]:
    """Fill `period` with a complete, released synthetic campaign. Returns what it did.

    Idempotent: when the period's results are already released nothing happens. The
    steps draw from one seeded random generator in a fixed order, so the same database
    gives the same campaign.
    """
    if period.results_released_at is not None:
        return []
    started = time.monotonic()
    rng = random.Random(SEED)
    system = system_user()
    framework = period.framework
    indicators = list(
        Indicator.objects.filter(framework=framework).select_related("aspect").order_by("number")
    )
    create_evaluations_for_period(period=period)
    ensure_demo_assessors()
    evaluations = list(
        Evaluation.objects.filter(period=period)
        .select_related("institution")
        .order_by("institution__code")
    )
    _clear_previous_fill(evaluations)
    late, extensions = _submit_all(period, evaluations, rng, system)
    self_answers, claimed = create_self_answers(
        evaluations, indicators, rng, framework.min_self_level, system
    )
    evidence = _store_evidence(
        evaluations, self_answers, framework.evidence_required_from_level, system
    )
    # The content hash a real submission records, so receipts show it.
    for ev in evaluations:
        ev.submission_hash = submission_content_hash(ev)
    Evaluation.objects.bulk_update(evaluations, ["submission_hash"], batch_size=500)
    assigned_at = period.deadline + dt.timedelta(days=8)
    assigned, assignment_seconds = _assign(period, system, assigned_at)
    validated, released_at = _assess_all(
        period,
        evaluations,
        indicators,
        claimed,
        rng=rng,
        low=0 if framework.allow_zero_validated else 1,
        system=system,
        assigned_at=assigned_at,
        progress=answer_progress(evaluations, indicators, self_answers, framework),
    )
    sampled, pairs = _calibrate(period, system, low=0 if framework.allow_zero_validated else 1)
    period.results_released_at = released_at
    period.save(update_fields=["results_released_at"])
    changes = [
        f"{period.name}: {len(evaluations)} evaluations submitted ({len(late)} late, "
        f"{len(extensions)} extensions), scored, approved and released",
        f"{period.name}: {len(self_answers)} self answers, {validated} validated answers, "
        f"{len(evidence)} evidence files",
        f"{period.name}: automatic assignment of {assigned} evaluations to universities and "
        f"assessors in {assignment_seconds:.2f} s",
        f"{period.name}: calibration sample of {sampled} evaluations scored a second time "
        f"({pairs} level pairs)",
    ]
    say(stdout, f"  closed campaign seeded in {time.monotonic() - started:.1f} s")
    return changes
