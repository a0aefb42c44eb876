"""Celery tasks of the interviews and visits: the day-before reminders (beat)."""

from __future__ import annotations

from celery import shared_task

from evaluations.services import meetings as services


@shared_task(name="evaluations.send_meeting_reminders")
def send_meeting_reminders_task() -> int:
    """Hourly (beat): remind both sides of the meetings starting within a day; each
    meeting is claimed once per start time."""
    return services.send_meeting_reminders()
