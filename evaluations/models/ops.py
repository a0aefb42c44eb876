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
