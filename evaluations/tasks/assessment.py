"""Celery tasks of the assessment area (thin)."""

from celery import shared_task


@shared_task(name="evaluations.notify_assignments")
def notify_assignments_task(*, assignment_ids: list[int]) -> int:
    """Email assessors about new assignments; the service claims rows, so reruns are safe."""
    from evaluations.services.assignment import notify_assessor_assignments

    return notify_assessor_assignments(assignment_ids=list(assignment_ids))
