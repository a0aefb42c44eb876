"""What /healthz checks, each with a short timeout so a dead dependency cannot hang it.

Required: the database and the media storage (without them nothing can be saved).
Reported but not required: the cache and the broker (sessions are in the database, and a
task whose broker is down stays pending in its database row until the dispatcher sends
it), and the age of each queue's last worker heartbeat.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

logger = logging.getLogger(__name__)

REQUIRED = ("database", "media")
BROKER_TIMEOUT = 2


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def check_cache() -> str:
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("value not read back")
    cache.delete(key)
    return "ok"


def check_broker() -> str:
    from spbe_portal.celery import app

    if app.conf.task_always_eager:
        return "not used (tasks run in the web process)"
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT)
    return "ok"


def check_media() -> str:
    name = default_storage.save(f"healthz/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    default_storage.delete(name)
    return "ok"


def worker_heartbeats(now=None) -> dict:
    """Seconds since each queue's worker last answered (None: never seen)."""
    from evaluations.models import WorkerHeartbeat

    now = now or timezone.now()
    queues = settings.WORKER_QUEUES
    seen = dict(WorkerHeartbeat.objects.filter(name__in=queues).values_list("name", "seen_at"))
    return {
        queue: (round((now - seen[queue]).total_seconds()) if queue in seen else None)
        for queue in queues
    }


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "media": check_media,
}


def report() -> tuple[int, dict]:
    """(HTTP status, body): 503 when a required check fails."""
    checks, failed = {}, []
    for name, check in CHECKS.items():
        try:
            checks[name] = check()
        except Exception as exc:  # any failure is the answer here
            logger.warning("healthz: %s failed: %s", name, exc)
            checks[name] = f"error: {exc.__class__.__name__}"
            failed.append(name)
    body = {"status": "ok", "checks": checks}
    try:
        body["worker_heartbeat_age_seconds"] = worker_heartbeats()
    except Exception as exc:  # the database check reports the cause
        body["worker_heartbeat_age_seconds"] = f"error: {exc.__class__.__name__}"
    if any(name in REQUIRED for name in failed):
        body["status"] = "fail"
        return 503, body
    if failed:
        body["status"] = "degraded"
    return 200, body
