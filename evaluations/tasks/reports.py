"""Celery tasks of the reports area: thin, named, keyword-only ids.

Each task delegates to `evaluations.services.reports`, which claims the Report row
first: a second delivery (acks_late redelivery, double click, retry) does nothing.
Transient errors (database or storage outages) put the row back to QUEUED and retry
with backoff; anything else (template or data errors) marks it FAILED with the message.
"""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from evaluations.models import Report
from evaluations.services import reports as services
from evaluations.services.report_state import fail_report, requeue_report

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS = (OperationalError, InterfaceError, OSError)
MAX_RETRIES = 3


def _run(task, service, report_id: int):
    if not Report.objects.filter(pk=report_id).exists():
        logger.info("%s: report %s is gone", task.name, report_id)
        return None
    try:
        report = service(report_id=report_id)
    except TRANSIENT_ERRORS as exc:
        if task.request.retries >= MAX_RETRIES:
            logger.exception("%s: report %s failed after retries", task.name, report_id)
            fail_report(report_id=report_id, error=str(exc) or exc.__class__.__name__)
            return None
        logger.warning("%s: transient error on report %s, retrying: %s", task.name, report_id, exc)
        requeue_report(report_id=report_id)
        raise task.retry(
            exc=exc, countdown=2**task.request.retries * 10, max_retries=MAX_RETRIES
        ) from exc
    except Exception as exc:
        logger.exception("%s: report %s failed", task.name, report_id)
        fail_report(report_id=report_id, error=f"{exc.__class__.__name__}: {exc}")
        return None
    return report.status if report is not None else None


@shared_task(bind=True, name="evaluations.render_report", max_retries=MAX_RETRIES)
def render_report_task(self, *, report_id: int):
    return _run(self, services.generate_report, report_id)


@shared_task(bind=True, name="evaluations.build_archive", max_retries=MAX_RETRIES)
def build_archive_task(self, *, report_id: int):
    return _run(self, services.build_archive, report_id)


@shared_task(
    name="evaluations.send_report_receipt",
    autoretry_for=(OSError,),  # SMTP outages are transient
    retry_backoff=10,
    max_retries=MAX_RETRIES,
)
def send_receipt_task(*, report_id: int) -> bool:
    return services.send_receipt(report_id=report_id)


@shared_task(name="evaluations.reclaim_stale_reports")
def reclaim_stale_reports_task() -> int:
    return len(services.reclaim_stale_reports())
