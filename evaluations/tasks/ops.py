"""The portal's own upkeep: worker heartbeats (one per queue, for /healthz), the
dispatcher that publishes tasks the broker missed, and the sweep of orphaned files."""

from celery import shared_task
from django.utils import timezone

from evaluations import dispatch
from evaluations.models import WorkerHeartbeat
from evaluations.services import orphans


@shared_task(bind=True, name="evaluations.worker_heartbeat", ignore_result=True)
def worker_heartbeat_task(self, *, queue: str) -> None:
    WorkerHeartbeat.objects.update_or_create(
        name=queue,
        defaults={"seen_at": timezone.now(), "hostname": self.request.hostname or ""},
    )


@shared_task(name="evaluations.dispatch_pending", ignore_result=True)
def dispatch_pending_task() -> int:
    sent, _pending = dispatch.dispatch_pending()
    return sent


@shared_task(name="evaluations.sweep_orphan_files", ignore_result=True)
def sweep_orphan_files_task() -> int:
    return orphans.sweep_orphan_files().deleted
