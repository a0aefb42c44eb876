"""The portal watching itself: the last time a Celery worker of each queue answered."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """One row per queue, touched by a beat job that a worker of that queue runs.

    Its age is what /healthz reports: a queue whose row is old has no live worker, or no
    broker between beat and the worker.
    """

    queue = models.CharField(_("queue"), max_length=50, primary_key=True)
    seen_at = models.DateTimeField(_("seen at"))
    hostname = models.CharField(_("worker"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.queue} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"


class TaskOutbox(models.Model):
    """A task to hand to the broker, written in the transaction that makes it needed.

    Deleted once the broker has accepted it; while the broker is down it stays, and the
    dispatcher (`evaluations.dispatch.dispatch_pending`) sends it when the broker is
    back. So a task is never lost with the broker, and never sent for a rolled-back
    change.
    """

    task = models.CharField(_("task"), max_length=100)
    kwargs = models.JSONField(_("arguments"), default=dict)
    queue = models.CharField(_("queue"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("created at"), db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("pending task")
        verbose_name_plural = _("pending tasks")

    def __str__(self) -> str:
        return f"{self.task} {self.kwargs}"
