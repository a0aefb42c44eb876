"""What both demo campaigns share: the system user, the demo assessors, a generated
PDF stored as evidence, the level draws, the self answers and the assessor's levels."""

from __future__ import annotations

import hashlib
import random

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from evaluations import completeness
from evaluations.models import Answer, EvidenceFile, EvidenceLink, Phase, evidence_upload_to
from institutions.models import Institution, Role, University, User

ASSESSORS_PER_UNIVERSITY = 5
SYSTEM_USERNAME = "seed-system"  # not "demo-": that prefix is the login accounts
# Mean self-assessed level per kind of institution (the 2019 national index was 2.18).
KIND_MEAN = {
    Institution.Kind.KEMENTERIAN: 3.3,
    Institution.Kind.LEMBAGA: 3.1,
    Institution.Kind.PROVINSI: 3.1,
    Institution.Kind.KOTA: 2.9,
    Institution.Kind.KABUPATEN: 2.55,
}
SERVICES = ("Perizinan online", "Pengaduan masyarakat", "Administrasi kependudukan")
# The evaluation fields both campaigns write once the levels are in: the progress, both
# indices, the approval and the status.
SCORED_FIELDS = [
    "self_index",
    "self_predicate",
    "final_index",
    "final_predicate",
    "assessed_at",
    "approved_at",
    "approved_by",
    "status",
    "answered_count",
    "validated_count",
    "evidenced_count",
    "last_activity_at",
]


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


def generated_evidence(
    ev, data: bytes, *, original_name: str, title: str, system, document_date=None
) -> EvidenceFile:
    """An evidence file of `ev` holding the PDF `data`, stored now, saved by the caller."""
    item = EvidenceFile(
        evaluation=ev,
        original_name=original_name,
        title=title,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        page_count=1,
        document_date=document_date,
        uploaded_by=system,
    )
    item.file.name = default_storage.save(evidence_upload_to(item, ""), ContentFile(data))
    return item


def link_evidence(evidence: list[EvidenceFile], answers, system) -> None:
    """Link each answer to its evaluation's (one) evidence file."""
    evidence_of = {e.evaluation_id: e.pk for e in evidence}
    EvidenceLink.objects.bulk_create(
        [
            EvidenceLink(evidence_id=evidence_of[a.evaluation_id], answer_id=a.pk, linked_by=system)
            for a in answers
        ],
        batch_size=1000,
    )


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


def system_user() -> User:
    user = User.objects.filter(username=SYSTEM_USERNAME).first()
    if user is None:
        user = User(
            username=SYSTEM_USERNAME, role=Role.ADMIN, first_name="Sistem", last_name="Demo"
        )
        user.set_unusable_password()
        user.save()
    return user


def draw_level(rng: random.Random, mean: float, low: int) -> int:
    return max(low, min(5, round(rng.gauss(mean, 0.9))))


def draw_validated(rng: random.Random, claimed: int, low: int) -> int:
    roll = rng.random()
    drop = 0 if roll < 0.5 else 1 if roll < 0.88 else 2
    return max(low, claimed - drop)


def say(stdout, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def create_self_answers(evaluations, indicators, rng, low, system) -> tuple[list[Answer], dict]:
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
                level = draw_level(rng, mean, low)
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


def answer_progress(evaluations, indicators, self_answers, framework) -> dict[int, tuple[int, int]]:
    """evaluation id -> (answered, with evidence), by the completeness rules, from the
    answers in memory: an answer counts as evidenced from the level at which the framework
    requires evidence (both campaigns link their generated PDF to at least those)."""
    threshold = framework.evidence_required_from_level
    by_evaluation: dict[int, list] = {ev.pk: [] for ev in evaluations}
    for answer in self_answers:
        answer.n_links = 1 if answer.level >= threshold else 0
        by_evaluation[answer.evaluation_id].append(answer)
    return {
        pk: completeness.progress_counts(indicators, answers, framework)
        for pk, answers in by_evaluation.items()
    }


def validated_answers(ev, indicators, claimed, rng, low, by, texts) -> tuple[list[Answer], dict]:
    """The assessor's document-stage levels: each claimed level kept or lowered by one or
    two, with the texts `texts(level, claimed level)` gives. Returns the unsaved answers
    and indicator id -> the validated level of each entry."""
    answers, final = [], {}
    for ind in indicators:
        final[ind.pk] = []
        for entry, level_claimed in enumerate(claimed[ind.pk], start=1):
            level = draw_validated(rng, level_claimed, low)
            final[ind.pk].append(level)
            answers.append(
                Answer(
                    evaluation=ev,
                    indicator=ind,
                    entry=entry,
                    phase=Phase.DOCUMENT,
                    level=level,
                    updated_by=by,
                    **texts(level, level_claimed),
                )
            )
    return answers, final
