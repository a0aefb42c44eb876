"""After a fault: has everything the rush acknowledged come through the task pipeline?

  python bench/recovery.py PERIOD_ID
  python bench/recovery.py retire     (before a run: see retire_unfinished)

Prints JSON: submitted evaluations of the period, those whose receipt is not yet READY
and emailed (ids), evaluations with more than one receipt row, and the tasks waiting
in the outbox (all, and those older than the dispatcher's 15 s).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spbe_portal.settings")

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402

from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from evaluations.models import Evaluation, Report, TaskOutbox  # noqa: E402


def probe(period_id: int) -> dict:
    submitted = set(
        Evaluation.objects.filter(period_id=period_id, submitted_at__isnull=False).values_list(
            "pk", flat=True
        )
    )
    receipts = Report.objects.filter(kind=Report.Kind.RECEIPT, evaluation__period_id=period_id)
    emailed = set(
        receipts.filter(status=Report.Status.READY, params__has_key="emailed_at").values_list(
            "evaluation_id", flat=True
        )
    )
    per_evaluation = receipts.values("evaluation_id").annotate(n=Count("pk")).filter(n__gt=1)
    stale = timezone.now() - dt.timedelta(seconds=15)
    return {
        "submitted": len(submitted),
        "pending": sorted(submitted - emailed),
        "duplicate_receipts": per_evaluation.count(),
        "outbox": TaskOutbox.objects.count(),
        "outbox_stale": TaskOutbox.objects.filter(created_at__lt=stale).count(),
    }


def retire_unfinished() -> int:
    """Mark the files an earlier run left queued or rendering as failed, so the reclaim
    job does not send them again into this run's measurements; returns how many."""
    unfinished = (Report.Status.QUEUED, Report.Status.RENDERING)
    return Report.objects.filter(status__in=unfinished).update(
        status=Report.Status.FAILED,
        finished_at=timezone.now(),
        error="left unfinished by an earlier benchmark run",
    )


if __name__ == "__main__":
    if sys.argv[1] == "retire":
        print(json.dumps({"retired": retire_unfinished()}))
    else:
        print(json.dumps(probe(int(sys.argv[1]))))
