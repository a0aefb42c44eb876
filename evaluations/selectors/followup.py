"""Reads of the follow-up pages."""

from __future__ import annotations

from django.db.models import F, Prefetch, Subquery

from evaluations.models import EvaluationPeriod, EvidenceFile, FollowUp, FollowUpEvidence
from institutions.models import User
from spbe_portal import prepared
from spbe_portal.prepared import PreparedQuery


def follow_ups_of(institution_id: int):
    return FollowUp.objects.filter(institution_id=institution_id).select_related(
        "indicator", "owner", "evaluation__period"
    )


def filter_choices(institution_id: int) -> tuple[list[int], list[EvaluationPeriod]]:
    """The indicator numbers and periods that the institution's items come from."""
    items = FollowUp.objects.filter(institution_id=institution_id)
    numbers = sorted(set(items.values_list("indicator__number", flat=True)))
    periods = list(
        EvaluationPeriod.objects.filter(pk__in=items.values("evaluation__period_id")).order_by(
            "-year"
        )
    )
    return numbers, periods


def institution_staff(institution_id: int):
    return User.objects.filter(institution_id=institution_id, is_active=True).order_by(
        "first_name", "last_name", "username"
    )


def earlier_follow_ups(evaluation, number: int) -> list[FollowUp]:
    """The institution's follow-up items of indicator `number` from earlier periods,
    for the self-evaluation beside last period's result. Matched by indicator number,
    as last period's result is, since a later period may use a new framework.

    On every indicator page: only the columns the box shows, and the period's name
    rather than the period and evaluation rows (one query; the files of done items in a
    second, only when there are items)."""
    ids = {
        "institution": evaluation.institution_id,
        "number": number,
        "period": evaluation.period_id,
    }
    items = _EARLIER.all(**ids)
    if items:
        prepared.attach_prefetched(items, "evidence_links", _EARLIER_FILES.all(**ids))
    return items


def _earlier(institution, number, period):
    """The items of indicator `number` from the institution's periods opened before
    `period` (by the period's id, so that the query compiles once per process)."""
    return FollowUp.objects.filter(
        institution_id=institution,
        indicator__number=number,
        evaluation__period__opens_at__lt=Subquery(
            EvaluationPeriod.objects.filter(pk=period).values("opens_at")
        ),
    )


_EARLIER = PreparedQuery(
    lambda institution, number, period: (
        _earlier(institution, number, period)
        .only("status", "text", "owner_unit", "due_date")
        .annotate(period_name=F("evaluation__period__name"))
        .order_by("-evaluation__period__opens_at", "entry")
    ),
    "institution",
    "number",
    "period",
)
# The files of those items, as _evidence_links() gives an item's files.
_EARLIER_FILES = PreparedQuery(
    lambda institution, number, period: _evidence_links().queryset.filter(
        follow_up__in=_earlier(institution, number, period)
    ),
    "institution",
    "number",
    "period",
)


def _evidence_links() -> Prefetch:
    return Prefetch(
        "evidence_links",
        queryset=FollowUpEvidence.objects.select_related("evidence").order_by("linked_at", "pk"),
    )


def item_evidence(item: FollowUp) -> list[FollowUpEvidence]:
    return list(_evidence_links().queryset.filter(follow_up=item))


def library_choices(item: FollowUp):
    """The institution's library files (all its evaluations) not yet linked to `item`."""
    return (
        EvidenceFile.objects.filter(evaluation__institution_id=item.institution_id)
        .exclude(follow_up_links__follow_up=item)
        .select_related("evaluation__period")
        .order_by("-uploaded_at")
    )
