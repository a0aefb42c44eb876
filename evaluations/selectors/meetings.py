"""Reads of the interviews and site visits: one meeting's page, the record's data, and
the visit selection list."""

from __future__ import annotations

from django.db.models import Prefetch

from evaluations.models import AssessorAssignment, Meeting, MeetingSlot
from evaluations.selectors.reports import _institution_block, _person
from evaluations.wib import format_wib


def meeting_for(evaluation, kind: str) -> Meeting | None:
    """The evaluation's meeting of `kind` with its slots (two queries), or None."""
    return (
        Meeting.objects.filter(evaluation=evaluation, kind=kind)
        .prefetch_related(Prefetch("slots", queryset=MeetingSlot.objects.order_by("starts_at")))
        .select_related("recorded_by", "selected_by")
        .first()
    )


def minutes_data(*, meeting_id: int) -> dict:
    """What the record of a meeting (berita acara) shows, in 3 queries."""
    meeting = Meeting.objects.select_related(
        "evaluation__institution__province", "evaluation__period__framework", "recorded_by"
    ).get(pk=meeting_id)
    evaluation = meeting.evaluation
    period = evaluation.period
    assessors = [
        _person(a.assessor)
        for a in AssessorAssignment.objects.filter(evaluation=evaluation)
        .select_related("assessor")
        .order_by("pk")
    ]
    from evaluations.selectors.agenda import agenda_items

    return {
        "kind": meeting.get_kind_display(),
        "institution": _institution_block(evaluation.institution),
        "period": {"name": period.name, "year": period.year, "framework": period.framework.name},
        "starts_at": format_wib(meeting.starts_at, "minute"),
        "ends_at": format_wib(meeting.ends_at, "minute"),
        "location": meeting.location,
        "assessors": assessors,
        "attendance": meeting.attendance.splitlines(),
        "minutes": meeting.minutes,
        "agenda": [
            {
                "number": item.indicator.number,
                "name": item.indicator.name,
                "question": item.question,
            }
            for item in agenda_items(evaluation)
        ]
        if meeting.kind == Meeting.Kind.INTERVIEW
        else [],
        "recorded_by": _person(meeting.recorded_by),
        "recorded_at": format_wib(meeting.held_at, "minute"),
        "sequence": meeting.sequence,
    }


def visit_candidates(evaluations):
    """The period's evaluations the user sees, with the site visit where one is selected:
    three queries whatever their number. `evaluations` is already scoped and filtered."""
    rows = list(
        evaluations.select_related("institution", "university")
        .prefetch_related(
            Prefetch(
                "meetings",
                queryset=Meeting.objects.filter(kind=Meeting.Kind.VISIT).select_related(
                    "selected_by"
                ),
                to_attr="visits",
            )
        )
        .order_by("institution__name")
    )
    for row in rows:
        row.visit = row.visits[0] if row.visits else None
    return rows
