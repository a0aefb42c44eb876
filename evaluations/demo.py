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
import hashlib
import random
import time
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from evaluations import completeness, drafting, scoring
from evaluations.models import (
    Answer,
    Aspect,
    AspectNote,
    AssessorAssignment,
    AuditEvent,
    CalibrationAnswer,
    CalibrationItem,
    CalibrationSample,
    Evaluation,
    EvaluationPeriod,
    EvaluationReview,
    EvidenceFile,
    EvidenceLink,
    Extension,
    Framework,
    GeneralRecommendation,
    Indicator,
    Phase,
    TextReview,
    evidence_upload_to,
)
from evaluations.services.assignment import auto_assign_assessors, auto_assign_universities
from evaluations.services.calibration import stratified_draw
from evaluations.services.core import create_evaluations_for_period
from evaluations.services.review import sample_by_kind
from evaluations.services.selfeval import submission_content_hash
from evaluations.wib import WIB
from institutions.models import Institution, Role, University, User

SEED = 2019
ASSESSORS_PER_UNIVERSITY = 5
SYSTEM_USERNAME = "seed-system"  # not "demo-": that prefix is the login accounts
LATE_SHARE = 0.04  # institutions that submitted late under an extension
# Mean self-assessed level per kind of institution (the 2019 national index was 2.18).
KIND_MEAN = {
    Institution.Kind.KEMENTERIAN: 3.3,
    Institution.Kind.LEMBAGA: 3.1,
    Institution.Kind.PROVINSI: 3.1,
    Institution.Kind.KOTA: 2.9,
    Institution.Kind.KABUPATEN: 2.55,
}
SERVICES = ("Perizinan online", "Pengaduan masyarakat", "Administrasi kependudukan")
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


def tiny_pdf(text: str) -> bytes:
    """A valid one-page PDF showing `text` (ASCII), built from a byte template."""
    safe = "".join(ch for ch in text if 32 <= ord(ch) < 127).replace("\\", "").replace("(", "")
    safe = safe.replace(")", "")
    stream = f"BT /F1 14 Tf 40 760 Td (Data dukung SPBE 2019: {safe}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def ensure_demo_assessors(
    *, per_university: int = ASSESSORS_PER_UNIVERSITY, password: str | None = None
) -> list[str]:
    """A few assessors per active university (`asesor-<code>-<n>`), so the automatic
    split is realistic. Idempotent; returns what it created."""
    created = []
    existing = set(
        User.objects.filter(username__startswith="asesor-").values_list("username", flat=True)
    )
    for university in University.objects.filter(is_active=True).order_by("code"):
        for n in range(1, per_university + 1):
            username = f"asesor-{university.code}-{n}"
            if username in existing:
                continue
            user = User(
                username=username,
                role=Role.ASSESSOR,
                university=university,
                first_name="Asesor",
                last_name=f"{university.short_name or university.code.upper()} {n}",
                email=f"{username}@spbe.local",
            )
            if password:
                user.set_password(password)
            else:
                user.set_unusable_password()
            user.save()
            created.append(username)
    return created


def _system_user() -> User:
    user = User.objects.filter(username=SYSTEM_USERNAME).first()
    if user is None:
        user = User(
            username=SYSTEM_USERNAME, role=Role.ADMIN, first_name="Sistem", last_name="Demo"
        )
        user.set_unusable_password()
        user.save()
    return user


def _level(rng: random.Random, mean: float, low: int) -> int:
    return max(low, min(5, round(rng.gauss(mean, 0.9))))


def _validated(rng: random.Random, claimed: int, low: int) -> int:
    roll = rng.random()
    drop = 0 if roll < 0.5 else 1 if roll < 0.88 else 2
    return max(low, claimed - drop)


def _say(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


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


def _self_answers(evaluations, indicators, rng, low, system) -> tuple[list[Answer], dict]:
    """Self-assessed answers around the mean of the institution's kind (up to three
    services for a multi-entry indicator). Returns the saved answers and, per evaluation
    id, indicator id -> the claimed level of each entry."""
    answers, claimed = [], {}
    for ev in evaluations:
        mean = KIND_MEAN.get(ev.institution.kind, 2.3) + rng.uniform(-0.6, 0.6)
        per = {}
        for ind in indicators:
            entries = min(ind.max_entries, 3) if ind.max_entries > 1 else 1
            per[ind.pk] = []
            for entry in range(1, entries + 1):
                level = _level(rng, mean, low)
                per[ind.pk].append(level)
                answers.append(
                    Answer(
                        evaluation=ev,
                        indicator=ind,
                        entry=entry,
                        phase=Phase.SELF,
                        level=level,
                        service_name=SERVICES[entry - 1] if ind.max_entries > 1 else "",
                        note=f"Tingkat {level}: {ind.level_description(level) or ind.name}."[:500],
                        updated_by=system,
                    )
                )
        claimed[ev.pk] = per
    Answer.objects.bulk_create(answers, batch_size=1000)
    return answers, claimed


def _store_evidence(evaluations, self_answers, threshold: int, system) -> list[EvidenceFile]:
    """One generated PDF per evaluation, linked to every self answer at or above the
    level from which the framework requires evidence."""
    evidence = []
    for ev in evaluations:
        data = tiny_pdf(ev.institution.name)
        item = EvidenceFile(
            evaluation=ev,
            original_name="Data dukung SPBE 2019.pdf",
            title="Kompilasi data dukung",
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            page_count=1,
            uploaded_by=system,
        )
        item.file.name = default_storage.save(evidence_upload_to(item, ""), ContentFile(data))
        evidence.append(item)
    EvidenceFile.objects.bulk_create(evidence, batch_size=500)
    evidence_of = {e.evaluation_id: e.pk for e in evidence}
    EvidenceLink.objects.bulk_create(
        [
            EvidenceLink(evidence_id=evidence_of[a.evaluation_id], answer_id=a.pk, linked_by=system)
            for a in self_answers
            if a.level >= threshold
        ],
        batch_size=1000,
    )
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


def _validated_answers(ev, indicators, claimed, rng, low, by) -> tuple[list[Answer], dict]:
    """The assessor's levels: each claimed level kept or lowered by one or two, with a
    note and, when lowered, a recommendation. Returns the unsaved answers and indicator
    id -> the validated level of each entry."""
    answers, final = [], {}
    for ind in indicators:
        final[ind.pk] = []
        for entry, level_claimed in enumerate(claimed[ind.pk], start=1):
            level = _validated(rng, level_claimed, low)
            final[ind.pk].append(level)
            lowered = level < level_claimed
            answers.append(
                Answer(
                    evaluation=ev,
                    indicator=ind,
                    entry=entry,
                    phase=Phase.DOCUMENT,
                    level=level,
                    note=(
                        "Bukti dukung belum menunjukkan penerapan di seluruh unit."
                        if lowered
                        else "Sesuai dengan bukti dukung."
                    ),
                    recommendation=(
                        f"Lengkapi bukti untuk mencapai tingkat {level_claimed}." if lowered else ""
                    ),
                    updated_by=by,
                )
            )
    return answers, final


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
RELEASE_FIELDS = [
    "self_index",
    "self_predicate",
    "final_index",
    "final_predicate",
    "assessed_at",
    "approved_at",
    "approved_by",
    "released_at",
    "status",
    "answered_count",
    "validated_count",
    "evidenced_count",
    "last_activity_at",
]


def _progress(evaluations, indicators, self_answers, framework) -> dict[int, tuple[int, int]]:
    """evaluation id -> (answered, with evidence), by the completeness rules, from the
    answers in memory: an answer has a file when `_store_evidence` linked one."""
    threshold = framework.evidence_required_from_level
    by_evaluation: dict[int, list] = {ev.pk: [] for ev in evaluations}
    for answer in self_answers:
        answer.n_links = 1 if answer.level >= threshold else 0
        by_evaluation[answer.evaluation_id].append(answer)
    return {
        pk: completeness.progress_counts(indicators, answers, framework)
        for pk, answers in by_evaluation.items()
    }


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
        answers, final = _validated_answers(ev, indicators, claimed[ev.pk], rng, low, by)
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
    system = _system_user()
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
    self_answers, claimed = _self_answers(
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
        progress=_progress(evaluations, indicators, self_answers, framework),
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
    _say(stdout, f"  closed campaign seeded in {time.monotonic() - started:.1f} s")
    return changes


# ---------------------------------------------------------------------------
# A staged evaluation on PermenPANRB 59/2020, part-way through its stages
# ---------------------------------------------------------------------------

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
    item = EvidenceFile(
        evaluation=ev,
        original_name="Laporan evaluasi internal SPBE.pdf",
        title="Laporan evaluasi internal",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        page_count=1,
        document_date=deadline_day - dt.timedelta(days=age_days),
        uploaded_by=system,
    )
    item.file.name = default_storage.save(evidence_upload_to(item, ""), ContentFile(data))
    return item


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
    the closed campaign, so the demo stays quick.
    """
    if EvaluationPeriod.objects.filter(name=STAGED_NAME).exists():
        return []
    framework = Framework.objects.filter(code=STAGED_FRAMEWORK).first()
    if framework is None:
        return []
    started = time.monotonic()
    now = now or timezone.now()
    rng = random.Random(STAGED_SEED)
    system = _system_user()
    period = _staged_period(framework, now)
    university = university or University.objects.filter(is_active=True).order_by("code").first()
    participants = _staged_participants(demo_institution)
    Evaluation.objects.bulk_create(
        [Evaluation(institution=i, period=period, university=university) for i in participants]
    )
    evaluations = list(
        Evaluation.objects.filter(period=period).select_related("institution").order_by("pk")
    )
    indicators = list(
        Indicator.objects.filter(framework=framework).select_related("aspect").order_by("number")
    )
    aspects = list(
        Aspect.objects.filter(domain__framework=framework).order_by("domain__order", "order")
    )
    spec = scoring.spec_for(framework)
    names = {ind.pk: ind.name for ind in indicators}
    sampled = {
        ev.pk for ev in sample_by_kind(evaluations, percent=STAGED_SAMPLE_PERCENT, seed=STAGED_SEED)
    }
    stage_of = _deal_stages(evaluations, sampled, getattr(demo_institution, "pk", None))
    self_answers, claimed = _self_answers(
        evaluations, indicators, rng, framework.min_self_level, system
    )
    evidence = [_staged_evidence(ev, period, rng, system) for ev in evaluations]
    EvidenceFile.objects.bulk_create(evidence)
    evidence_of = {e.evaluation_id: e.pk for e in evidence}
    EvidenceLink.objects.bulk_create(
        [
            EvidenceLink(evidence_id=evidence_of[a.evaluation_id], answer_id=a.pk, linked_by=system)
            for a in self_answers
        ],
        batch_size=1000,
    )
    progress = _progress(evaluations, indicators, self_answers, framework)
    if assessor is not None:
        AssessorAssignment.objects.bulk_create(
            [
                AssessorAssignment(evaluation=ev, assessor=assessor, assigned_by=system)
                for ev in evaluations
            ]
        )
    low = 0 if framework.allow_zero_validated else 1
    rows, notes, recs, texts, reviews = [], [], [], [], []
    submitted_at = period.deadline - dt.timedelta(days=3)
    for ev in evaluations:
        stage = stage_of[ev.pk]
        own = scoring.compute_index(spec, claimed[ev.pk])
        ev.submitted_at, ev.submitted_by, ev.submission_count = submitted_at, system, 1
        ev.self_index, ev.self_predicate = own.index, own.predicate
        ev.answered_count, ev.evidenced_count = progress[ev.pk]
        ev.in_review_sample = ev.pk in sampled
        ev.last_activity_at = submitted_at
        if stage == "self":
            ev.status = Evaluation.Status.SUBMITTED
            continue
        final = {}
        for ind in indicators:
            final[ind.pk] = []
            for entry, level_claimed in enumerate(claimed[ev.pk][ind.pk], start=1):
                level = _validated(rng, level_claimed, low)
                final[ind.pk].append(level)
                rows.append(
                    Answer(
                        evaluation=ev,
                        indicator=ind,
                        entry=entry,
                        phase=Phase.DOCUMENT,
                        level=level,
                        updated_by=system,
                        **_three_parts(level, level_claimed),
                    )
                )
        # The interview changed a few levels; the rest are carried over.
        for ind in rng.sample(indicators, 4):
            level = min(5, final[ind.pk][0] + 1)
            final[ind.pk][0] = level
            rows.append(
                Answer(
                    evaluation=ev,
                    indicator=ind,
                    entry=1,
                    phase=Phase.INTERVIEW,
                    level=level,
                    facts="Ditunjukkan saat interviu: laporan pemantauan terbaru.",
                    analysis=f"Kriteria tingkat {level} terpenuhi.",
                    justification=f"Tingkat naik menjadi {level} setelah interviu.",
                    updated_by=system,
                )
            )
        ev.validated_count = len(indicators)
        if stage == "document":
            ev.status = Evaluation.Status.UNDER_ASSESSMENT
            continue
        if stage == "reviewed":
            # One level found not valid and corrected down; the rest judged valid.
            corrected = rng.choice(indicators)
            for ind in indicators:
                for entry in range(1, len(final[ind.pk]) + 1):
                    level = None
                    if ind.pk == corrected.pk and entry == 1:
                        level = max(low, final[ind.pk][0] - 1)
                        final[ind.pk][0] = level
                    rows.append(
                        Answer(
                            evaluation=ev,
                            indicator=ind,
                            entry=entry,
                            phase=Phase.REVIEW,
                            level=level,
                            updated_by=system,
                            **(
                                {
                                    "facts": "Laporan evaluasi berumur lebih dari dua tahun.",
                                    "analysis": "Kriteria tingkat dari asesor belum terpenuhi.",
                                    "justification": f"Dikoreksi menjadi tingkat {level}.",
                                }
                                if level is not None
                                else {}
                            ),
                        )
                    )
            reviews.append(
                EvaluationReview(
                    evaluation=ev,
                    completed_at=now - dt.timedelta(days=1),
                    completed_by=system,
                    corrections=1,
                )
            )
        result = scoring.compute_index(spec, final)
        scored = [
            drafting.ScoredIndicator(
                number=ind.number,
                name=names[ind.pk],
                aspect_code=ind.aspect.code,
                value=result.indicators[ind.pk],
            )
            for ind in indicators
        ]
        for aspect in aspects:
            draft = drafting.draft_aspect(
                aspect.code, [s for s in scored if s.aspect_code == aspect.code]
            )
            notes.append(
                AspectNote(
                    evaluation=ev,
                    aspect=aspect,
                    phase=Phase.DOCUMENT,
                    fulfilment=draft.fulfilment,
                    strengths=draft.strengths,
                    weaknesses=draft.weaknesses,
                    updated_by=system,
                )
            )
        rec = drafting.draft_recommendation(
            aspects=[(a.code, a.name, result.aspects[a.code]) for a in aspects],
            index=result.index,
            predicate=result.predicate,
            bands=spec.bands,
            indicators=scored,
        )
        recs.append(GeneralRecommendation(evaluation=ev, updated_by=system, **rec.__dict__))
        texts.append(
            TextReview(
                evaluation=ev,
                state=TextReview.State.ACCEPTED
                if stage == "reviewed"
                else TextReview.State.PENDING,
                decided_by=system if stage == "reviewed" else None,
                decided_at=now - dt.timedelta(days=1) if stage == "reviewed" else None,
            )
        )
        ev.final_index, ev.final_predicate = result.index, result.predicate
        ev.assessed_at = period.document_deadline - dt.timedelta(days=2)
        ev.approved_at, ev.approved_by = ev.assessed_at + dt.timedelta(days=1), system
        ev.status = Evaluation.Status.APPROVED
    Answer.objects.bulk_create(rows, batch_size=1000)
    AspectNote.objects.bulk_create(notes, batch_size=1000)
    GeneralRecommendation.objects.bulk_create(recs)
    TextReview.objects.bulk_create(texts)
    EvaluationReview.objects.bulk_create(reviews)
    Evaluation.objects.bulk_update(
        evaluations,
        [
            "status",
            "submitted_at",
            "submitted_by",
            "submission_count",
            "self_index",
            "self_predicate",
            "final_index",
            "final_predicate",
            "assessed_at",
            "approved_at",
            "approved_by",
            "answered_count",
            "evidenced_count",
            "validated_count",
            "in_review_sample",
            "last_activity_at",
        ],
        batch_size=500,
    )
    counts = {stage: sum(1 for s in stage_of.values() if s == stage) for stage in STAGES}
    _say(stdout, f"  staged campaign seeded in {time.monotonic() - started:.1f} s")
    return [
        f"{STAGED_NAME}: {len(evaluations)} evaluations on {framework.name}: "
        f"{counts['self']} self-assessed, {counts['document']} document-scored, "
        f"{counts['approved']} approved awaiting review, {counts['reviewed']} reviewed "
        f"({len(sampled)} in the review sample)"
    ]
