"""The portal's own upkeep: worker heartbeats (one per queue, for /healthz) and the
dispatcher that publishes tasks the broker missed."""

from celery import shared_task
from django.utils import timezone

from evaluations import dispatch
from evaluations.models import WorkerHeartbeat


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
