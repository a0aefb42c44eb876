"""Nothing lost: compare what the server acknowledged with what it kept.

  python bench/verify.py ACK_LOG [ACK_LOG ...]

- every acknowledged save: the answer is in the database with the acknowledged level,
  text and version (a later save that was never acknowledged is counted apart);
- every acknowledged upload: the file is in the database and on disk, and the bytes on
  disk have the acknowledged sha256 and size;
- every acknowledged link: the link exists;
- every acknowledged submission: recorded once (one submission, one audit event), and
  no evaluation of the bench periods was submitted twice.
Prints a JSON summary; exits 1 on any difference.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spbe_portal.settings")

import django  # noqa: E402

django.setup()

from django.core.files.storage import default_storage  # noqa: E402
from django.db.models import Count, Q  # noqa: E402

from evaluations.models import (  # noqa: E402
    Answer,
    AuditEvent,
    Evaluation,
    EvidenceFile,
    EvidenceLink,
    Phase,
)


def _read(paths: list[str]) -> list[dict]:
    rows = []
    for path in paths:
        if Path(path).exists():
            rows.extend(json.loads(line) for line in Path(path).read_text().splitlines() if line)
    return rows


def verify(rows: list[dict]) -> dict:
    problems: list[str] = []
    summary: dict = {}

    # Saves: the last acknowledged version of each answer.
    last: dict[tuple, dict] = {}
    saves = [r for r in rows if r["kind"] == "save"]
    for r in saves:
        key = (r["evaluation"], r["indicator"], r["entry"])
        if key not in last or r["version"] > last[key]["version"]:
            last[key] = r
    evaluations = {k[0] for k in last}
    answers = {
        (a.evaluation_id, a.indicator_id, a.entry): a
        for a in Answer.objects.filter(evaluation_id__in=evaluations, phase=Phase.SELF)
    }
    later = 0
    for key, r in last.items():
        answer = answers.get(key)
        if answer is None:
            problems.append(f"save lost: {key}")
        elif answer.version == r["version"]:
            if (answer.level, answer.note) != (r["level"], r["note"]):
                problems.append(f"save content differs: {key}")
        elif answer.version > r["version"]:
            later += 1  # a later save reached the server, its answer did not reach us
        else:
            problems.append(f"save version went back: {key} {answer.version} < {r['version']}")
    summary["saves_acknowledged"] = len(saves)
    summary["answers_checked"] = len(last)
    summary["answers_with_later_unacknowledged_write"] = later

    # Uploads: database row, and the bytes on disk.
    uploads = [r for r in rows if r["kind"] == "upload"]
    files = {
        (e.evaluation_id, e.sha256): e
        for e in EvidenceFile.objects.filter(evaluation_id__in={r["evaluation"] for r in uploads})
    }
    for r in uploads:
        evidence = files.get((r["evaluation"], r["sha256"]))
        if evidence is None:
            problems.append(f"upload lost: {r['evaluation']} {r['sha256'][:12]}")
            continue
        with default_storage.open(evidence.file.name, "rb") as fh:
            data = fh.read()
        if hashlib.sha256(data).hexdigest() != r["sha256"] or len(data) != r["size"]:
            problems.append(f"upload corrupted on disk: {evidence.file.name}")
    summary["uploads_acknowledged"] = len(uploads)
    summary["upload_bytes"] = sum(r["size"] for r in uploads)

    # Links.
    links = [r for r in rows if r["kind"] == "link"]
    existing = set(
        EvidenceLink.objects.filter(
            answer__evaluation_id__in={r["evaluation"] for r in links}
        ).values_list("answer__evaluation_id", "answer__indicator_id", "evidence__sha256")
    )
    for r in links:
        if (r["evaluation"], r["indicator"], r["sha256"]) not in existing:
            problems.append(f"link lost: {r['evaluation']} {r['indicator']}")
    summary["links_acknowledged"] = len(links)

    # Submissions: recorded once each; nothing submitted twice.
    submits = [r for r in rows if r["kind"] == "submit"]
    submitted_ids = [r["evaluation"] for r in submits]
    if len(submitted_ids) != len(set(submitted_ids)):
        problems.append("the same submission was acknowledged twice")
    by_id = {
        e.pk: e
        for e in Evaluation.objects.filter(pk__in=submitted_ids).annotate(
            n_events=Count("events", filter=Q(events__to_status=Evaluation.Status.SUBMITTED))
        )
    }
    for pk in submitted_ids:
        ev = by_id.get(pk)
        if ev is None or ev.submitted_at is None:
            problems.append(f"submission lost: evaluation {pk}")
        elif ev.submission_count != 1 or ev.n_events != 1:
            problems.append(
                f"submission duplicated: evaluation {pk} "
                f"(count {ev.submission_count}, events {ev.n_events})"
            )
    periods = set(
        Evaluation.objects.filter(pk__in=evaluations | set(submitted_ids)).values_list(
            "period_id", flat=True
        )
    )
    doubles = (
        AuditEvent.objects.filter(
            evaluation__period_id__in=periods, to_status=Evaluation.Status.SUBMITTED
        )
        .values("evaluation_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    if doubles:
        problems.append(f"{doubles} evaluations have more than one submission event")
    summary["submissions_acknowledged"] = len(submits)
    summary["problems"] = len(problems)
    summary["first_problems"] = problems[:20]
    return summary


if __name__ == "__main__":
    result = verify(_read(sys.argv[1:]))
    print(json.dumps(result, indent=2))
    sys.exit(1 if result["problems"] else 0)
