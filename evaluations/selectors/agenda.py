"""Reads of the interview's agenda."""

from __future__ import annotations

from evaluations.models import AgendaItem


def agenda_items(evaluation) -> list[AgendaItem]:
    """The agenda in indicator order, one query."""
    return list(
        AgendaItem.objects.filter(evaluation=evaluation)
        .select_related("indicator")
        .order_by("indicator__number")
    )


def agenda_by_indicator(evaluation) -> dict[int, AgendaItem]:
    """indicator id -> its agenda item, one query (the scoring page's marks)."""
    return {item.indicator_id: item for item in agenda_items(evaluation)}
