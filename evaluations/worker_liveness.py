"""A Celery worker says it is alive: a daemon thread touches the worker's heartbeat row.

Started by the `worker_ready` signal (spbe_portal.celery). The thread is independent of
the tasks, so a long rendering does not stop it; a worker killed outright (SIGKILL, OOM,
a lost machine) stops beating, and the documents it had claimed are queued again by
`services.reports.reclaim_stale_reports` once its row is older than DEAD_AFTER.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger(__name__)

BEAT_SECONDS = 10
DEAD_AFTER = dt.timedelta(seconds=35)  # three missed beats and some slack


def heartbeat_name(hostname: str) -> str:
    return f"worker:{hostname}"


def beat_once(hostname: str) -> None:
    from evaluations.models import WorkerHeartbeat

    WorkerHeartbeat.objects.update_or_create(
        name=heartbeat_name(hostname),
        defaults={"seen_at": timezone.now(), "hostname": hostname},
    )


def _loop(hostname: str, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            close_old_connections()
            beat_once(hostname)
        except Exception as exc:  # the database may be away; keep beating when it is back
            logger.warning("worker heartbeat of %s failed: %s", hostname, exc)
        stop.wait(BEAT_SECONDS)


def release_earlier_claims(hostname: str, started_at: float) -> None:
    """At start: the files an earlier worker of this hostname was rendering when it was
    killed are queued again now (services.reports.release_claims_of). A database that
    is away must not stop the worker: the periodic reclaim catches them later."""
    from evaluations.services.reports import release_claims_of

    try:
        close_old_connections()
        release_claims_of(
            hostname=hostname, before=dt.datetime.fromtimestamp(started_at, tz=dt.UTC)
        )
    except Exception as exc:
        logger.warning("releasing the earlier claims of %s failed: %s", hostname, exc)


def start(hostname: str) -> threading.Event:
    """Start beating for `hostname`; set the returned event to stop."""
    stop = threading.Event()
    thread = threading.Thread(
        target=_loop, args=(hostname, stop), name="worker-heartbeat", daemon=True
    )
    thread.start()
    return stop
