"""Helpers shared by every service: the one status transition, the audit trail, and
how a write joins its caller's transaction."""

from __future__ import annotations

import functools
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluations.models import AuditEvent, Evaluation
from spbe_portal import prepared


def atomic_unless_locked(service):
    """A write service's transaction, unless its caller passes `locked=True`.

    `locked=True` says the caller holds the evaluation's row lock in its own open
    transaction (`get_evaluation_for(..., lock=True)` inside `transaction.atomic()`) and
    lets the service's exceptions roll that transaction back: the service then runs in it
    as it is, without a savepoint of its own (two round trips fewer each, on the writes
    deadline day repeats thousands of times). Otherwise the service is one transaction
    (a savepoint when the caller has one).
    """

    @functools.wraps(service)
    def wrapper(*args, locked: bool = False, **kwargs):
        if locked:
            if not transaction.get_connection().in_atomic_block:
                raise RuntimeError(
                    f"{service.__name__}(locked=True) needs the caller's transaction"
                )
            return service(*args, locked=True, **kwargs)
        with transaction.atomic():
            return service(*args, locked=False, **kwargs)

    return wrapper


TRANSITION_NOT_ALLOWED = _("This evaluation cannot go from “%(from)s” to “%(to)s”.")


def record_event(
    *,
    action: str,
    actor=None,
    evaluation: Evaluation | None = None,
    period=None,
    institution=None,
    indicator=None,
    from_status: str = "",
    to_status: str = "",
    changes: dict[str, Any] | None = None,
    note: str = "",
    at=None,
) -> AuditEvent:
    """Append one audit event. Call inside the transaction of the change it records.

    Period and institution are taken from the evaluation when not given, so the
    audit browser can filter by either without a join.
    """
    period_id = getattr(period, "pk", None)
    institution_id = getattr(institution, "pk", None)
    if evaluation is not None:
        # Ids, not relations: no extra query when they are not loaded.
        period_id = period_id or evaluation.period_id
        institution_id = institution_id or evaluation.institution_id
    event = AuditEvent(
        at=at or timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        evaluation=evaluation,
        period_id=period_id,
        institution_id=institution_id,
        indicator=indicator,
        from_status=from_status,
        to_status=to_status,
        changes=changes or {},
        note=note,
    )
    # Every write of the portal records one: the INSERT is compiled once per process.
    prepared.insert(event)
    return event


def _transition(
    *,
    evaluation: Evaluation,
    to: str,
    by,
    note: str = "",
    at=None,
    action: str = AuditEvent.Action.STATUS,
) -> Evaluation:
    """Move a locked evaluation to `to`, checking ALLOWED_TRANSITIONS, and audit it.

    The caller holds the row lock (select_for_update) and the transaction.
    Raises ValidationError when the transition is not allowed.
    """
    if not evaluation.can_transition_to(to):
        raise ValidationError(
            TRANSITION_NOT_ALLOWED,
            params={
                "from": evaluation.get_status_display(),
                "to": Evaluation.Status(to).label,
            },
            code="transition",
        )
    from_status = evaluation.status
    evaluation.status = to
    evaluation.save()
    record_event(
        action=action,
        actor=by,
        evaluation=evaluation,
        from_status=from_status,
        to_status=to,
        note=note,
        at=at,
    )
    return evaluation


def create_evaluations_for_period(*, period) -> int:
    """Create the (not started) evaluation of every active institution for `period`.

    Idempotent: existing evaluations are left alone. Returns how many were created.
    """
    from institutions.models import Institution

    existing = set(
        Evaluation.objects.filter(period=period).values_list("institution_id", flat=True)
    )
    new = [
        Evaluation(institution_id=pk, period=period)
        for pk in Institution.objects.active().values_list("pk", flat=True)
        if pk not in existing
    ]
    Evaluation.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
    return len(new)
