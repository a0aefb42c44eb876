"""Celery application. Configuration comes from Django settings (CELERY_ namespace).

This module is the one place where scheduled (beat) jobs are declared.
"""

import os
import time

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_ready
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spbe_portal.settings")

app = Celery("spbe_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Every scheduled job of the portal. Each job is idempotent (it claims rows with a
# conditional update), so a beat that fires twice or a late worker does no harm.
app.conf.beat_schedule = {
    "send-deadline-reminders": {
        "task": "evaluations.send_deadline_reminders",
        # Hourly: a reminder is due when its offset before the (possibly extended)
        # deadline has passed; the task itself decides what is due.
        "schedule": crontab(minute=5),
    },
    "reclaim-stale-reports": {
        "task": "evaluations.reclaim_stale_reports",
        # Every 30 s: a document whose worker died is queued again within a minute or so.
        "schedule": 30.0,
        "options": {"expires": 30},
    },
}
app.conf.beat_schedule["send-follow-up-reminders"] = {
    "task": "evaluations.send_follow_up_reminders",
    # Daily at 08:15 WIB (beat runs in TIME_ZONE), in office hours.
    "schedule": crontab(hour=8, minute=15),
}
app.conf.beat_schedule["send-meeting-reminders"] = {
    "task": "evaluations.send_meeting_reminders",
    # Hourly: a meeting starting within a day is reminded once per start time.
    "schedule": crontab(minute=35),
}
# Stored files that no row names (left by a rolled-back upload): daily, at night.
app.conf.beat_schedule["sweep-orphan-files"] = {
    "task": "evaluations.sweep_orphan_files",
    "schedule": crontab(hour=3, minute=20),
}
# Tasks whose publish failed (broker down) are in the outbox table; this sends them.
app.conf.beat_schedule["dispatch-pending-tasks"] = {
    "task": "evaluations.dispatch_pending",
    "schedule": 20.0,
    "options": {"expires": 20},
}
# A heartbeat through each queue: /healthz reports how long ago a worker of it answered.
# `expires` drops the beats that piled up while the broker was away.
for _queue in settings.WORKER_QUEUES:
    app.conf.beat_schedule[f"worker-heartbeat-{_queue}"] = {
        "task": "evaluations.worker_heartbeat",
        "schedule": 15.0,
        "kwargs": {"queue": _queue},
        "options": {"queue": _queue, "expires": 15},
    }


# When this worker's process started: claims made under its hostname before then were
# made by an earlier worker of the same name (see release_claims_of).
_STARTED_AT = time.time()


@worker_ready.connect
def _start_worker_heartbeat(sender=None, **kwargs):
    """Each worker process beats on its own (evaluations.worker_liveness), and first
    gives back what an earlier worker of its name left half done."""
    from evaluations import worker_liveness

    hostname = getattr(sender, "hostname", None)
    if hostname:
        worker_liveness.start(hostname)
        worker_liveness.release_earlier_claims(hostname, _STARTED_AT)
