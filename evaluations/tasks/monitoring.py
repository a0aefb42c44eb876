"""Celery tasks of the monitoring area: deadline reminders (beat) and data exports."""

from __future__ import annotations

import logging

from celery import shared_task

from evaluations.models import Report
from evaluations.services import followup
from evaluations.services import monitoring as services

logger = logging.getLogger(__name__)


@shared_task(name="evaluations.send_deadline_reminders")
def send_deadline_reminders_task() -> int:
    """Hourly (beat): send the reminders that are due. Idempotent (claim by insert)."""
    return services.send_deadline_reminders()


@shared_task(name="evaluations.build_export")
def build_export_task(*, report_id: int) -> None:
    """Build a queued export; a second delivery finds the row claimed and does nothing."""
    if not Report.objects.filter(pk=report_id, kind=Report.Kind.EXPORT).exists():
        logger.warning("export %s is gone", report_id)
        return
    services.build_export(report_id=report_id)


@shared_task(name="evaluations.send_follow_up_reminders")
def send_follow_up_reminders_task() -> int:
    """Daily (beat): remind owners of follow-up items due soon. Claimed once per due date."""
    return followup.send_follow_up_reminders()
