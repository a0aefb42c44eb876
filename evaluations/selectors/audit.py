"""The audit trail page: filtered, paginated events with their changes as rows."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import (
    Q,
)

from evaluations.models import (
    AuditEvent,
    Evaluation,
)

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")
Status = Evaluation.Status

AUDIT_PAGE_SIZE = 50


@dataclass
class AuditFilters:
    institution: int | None = None
    institution_name: str = ""
    user: str = ""
    period: int | None = None
    action: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def audit_events(filters: AuditFilters, *, page) -> Page:
    """A page of audit events, newest first, filtered (a count and a page query)."""
    qs = AuditEvent.objects.select_related(
        "actor", "institution", "period", "indicator", "evaluation"
    )
    if filters.institution:
        qs = qs.filter(institution_id=filters.institution)
    if filters.institution_name:
        qs = qs.filter(
            Q(institution__name__icontains=filters.institution_name)
            | Q(institution__short_name__icontains=filters.institution_name)
        )
    if filters.user:
        qs = qs.filter(
            Q(actor__username__icontains=filters.user)
            | Q(actor__first_name__icontains=filters.user)
            | Q(actor__last_name__icontains=filters.user)
            | Q(actor__email__icontains=filters.user)
        )
    if filters.period:
        qs = qs.filter(period_id=filters.period)
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.date_from:
        qs = qs.filter(at__gte=_wib_midnight(filters.date_from))
    if filters.date_to:
        qs = qs.filter(at__lt=_wib_midnight(filters.date_to + dt.timedelta(days=1)))
    page_obj = Paginator(qs.order_by("-at", "-id"), AUDIT_PAGE_SIZE).get_page(page)
    for event in page_obj.object_list:
        event.change_rows = change_rows(event.changes)
    return page_obj


def change_rows(changes) -> list[tuple[str, object, object]]:
    """(field, old, new) per recorded change; a plain value (not an [old, new] pair)
    is shown as the new value."""
    if not isinstance(changes, dict):
        return []
    rows = []
    for key, value in changes.items():
        if isinstance(value, list | tuple) and len(value) == 2:
            rows.append((key, value[0], value[1]))
        else:
            rows.append((key, None, value))
    return rows


def audit_actions() -> list[str]:
    """The distinct actions recorded so far, for the filter select (one query)."""
    return list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct())


def _wib_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=WIB)
