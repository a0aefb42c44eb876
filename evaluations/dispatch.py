"""Handing tasks to the broker without ever losing one or failing the user's request.

`enqueue` writes a `TaskOutbox` row in the caller's transaction and, once it commits,
publishes the task and deletes the row. When the broker is unreachable the publish
fails fast, is logged, and the row stays: the user still sees what succeeded (the
change is committed), and `dispatch_pending` (a beat job every 20 seconds) publishes the
rows when the broker is back. A task may therefore arrive twice (published, then the
row's delete lost); every task claims its database row, so a second delivery does
nothing.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from evaluations.models import TaskOutbox

logger = logging.getLogger(__name__)

# Younger rows are still being published by the request that wrote them.
PENDING_AFTER = dt.timedelta(seconds=15)
BATCH = 500


def _publish(name: str, kwargs: dict, queue: str) -> str:
    """Publish one task; "" when the broker took it, else the error."""
    from spbe_portal.celery import app

    task = app.tasks[name]
    options = {"queue": queue} if queue else {}
    try:
        # No publish retries: with the broker down the request must not wait for it.
        task.apply_async(kwargs=kwargs, retry=False, **options)
    except Exception as exc:  # kombu/redis raise several types; all mean "not sent"
        return f"{exc.__class__.__name__}: {exc}"[:200]
    return ""


def _send_after_commit(rows: list[TaskOutbox]) -> None:
    sent = []
    for row in rows:
        error = _publish(row.task, row.kwargs, row.queue)
        if error:
            logger.warning(
                "broker unreachable, %s pending task(s) left to the dispatcher: %s",
                len(rows) - len(sent),
                error,
            )
            break
        sent.append(row.pk)
    if sent:
        TaskOutbox.objects.filter(pk__in=sent).delete()


def enqueue_many(task, kwargs_list: list[dict], *, queue: str = "") -> None:
    """Queue `task` once per kwargs, published after the current transaction commits."""
    if not kwargs_list:
        return
    now = timezone.now()
    rows = TaskOutbox.objects.bulk_create(
        [TaskOutbox(task=task.name, kwargs=kw, queue=queue, created_at=now) for kw in kwargs_list]
    )
    transaction.on_commit(lambda: _send_after_commit(rows))


def enqueue(task, *, queue: str = "", **kwargs) -> None:
    """Queue one `task(**kwargs)`, published after the current transaction commits."""
    enqueue_many(task, [kwargs], queue=queue)


def send_now(task, *, queue: str = "", **kwargs) -> bool:
    """Publish now, outside any transaction (jobs re-sending work); on a broker failure
    the task goes to the outbox for the dispatcher. True when the broker took it."""
    error = _publish(task.name, kwargs, queue)
    if error:
        logger.warning("broker unreachable, %s left to the dispatcher: %s", task.name, error)
        TaskOutbox.objects.create(
            task=task.name, kwargs=kwargs, queue=queue, created_at=timezone.now(), last_error=error
        )
    return not error


def dispatch_pending(*, now=None) -> tuple[int, int]:
    """Publish the outbox rows the broker missed; returns (sent, still pending).

    Rows are locked with SKIP LOCKED, so two dispatchers never send the same row; the
    first publish failure stops the run (the broker is still away).
    """
    cutoff = (now or timezone.now()) - PENDING_AFTER
    with transaction.atomic():
        rows = list(
            TaskOutbox.objects.select_for_update(skip_locked=True)
            .filter(created_at__lt=cutoff)
            .order_by("pk")[:BATCH]
        )
        sent, error = [], ""
        for row in rows:
            error = _publish(row.task, row.kwargs, row.queue)
            if error:
                break
            sent.append(row.pk)
        TaskOutbox.objects.filter(pk__in=sent).delete()
        if error:
            TaskOutbox.objects.filter(pk=rows[len(sent)].pk).update(
                last_error=error, attempts=F("attempts") + 1
            )
            logger.warning("dispatcher: broker still unreachable: %s", error)
    pending = TaskOutbox.objects.count()
    if sent:
        logger.info("dispatcher: published %s pending task(s), %s left", len(sent), pending)
    return len(sent), pending
