"""The portal watching itself: worker heartbeats, and tasks the broker has not taken yet."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """When a queue or a worker process was last seen alive.

    A queue's row ("interactive", "bulk") is touched by a beat job that a worker of that
    queue runs: its age is what /healthz reports (an old row means no live worker, or no
    broker between beat and the workers). A worker's row ("worker:<hostname>") is touched
    every few seconds by a thread of the worker itself: a document claimed by a worker
    whose row is old was orphaned by a crash and is queued again.
    """

    name = models.CharField(_("queue or worker"), max_length=255, primary_key=True)
    seen_at = models.DateTimeField(_("seen at"))
    hostname = models.CharField(_("worker"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"


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
