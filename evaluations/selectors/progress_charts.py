"""Reads behind the monitoring charts: the submission curve and the indicator heatmap.

Each is a fixed number of grouped queries whatever the number of institutions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncDate
from django.utils.translation import gettext_lazy as _

from evaluations.models import (
    Answer,
    Evaluation,
    EvaluationPeriod,
    Indicator,
    Phase,
)
from evaluations.selectors.monitoring import ASSESSOR_PHASES, HEATMAP_PAGE_SIZE
from evaluations.wib import WIB

Status = Evaluation.Status

# ---------------------------------------------------------------------------
# Submission curve
# ---------------------------------------------------------------------------


@dataclass
class CurvePoint:
    day: dt.date
    count: int
    cumulative: int
    x: float = 0.0
    bar_y: float = 0.0
    bar_h: float = 0.0
    line_y: float = 0.0


@dataclass
class Curve:
    points: list[CurvePoint]
    total: int
    max_per_day: int
    deadline_x: float | None
    today_x: float | None
    polyline: str
    bar_width: float
    width: int = 600
    height: int = 160
    # Day indexes (into `points`) of the deadline and of today, None outside the range.
    deadline_index: int | None = None
    today_index: int | None = None


def submission_curve(
    qs: QuerySet[Evaluation], *, period: EvaluationPeriod, now: dt.datetime, total: int
) -> Curve:
    """Submissions per day (WIB) and cumulative, from the opening to the deadline (or the
    last submission if later): one grouped query; coordinates for an inline SVG."""
    per_day = {
        row["day"]: row["n"]
        for row in qs.order_by()
        .filter(submitted_at__isnull=False)
        .annotate(day=TruncDate("submitted_at", tzinfo=WIB))
        .values("day")
        .annotate(n=Count("id"))
    }
    first = period.opens_at.astimezone(WIB).date()
    deadline_day = period.deadline.astimezone(WIB).date()
    last = max([deadline_day, *per_day.keys()])
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    width, height = 600, 160
    step = width / max(len(days), 1)
    max_per_day = max(per_day.values(), default=0)
    points, cumulative = [], 0
    for i, day in enumerate(days):
        n = per_day.get(day, 0)
        cumulative += n
        bar_h = (height * 0.9 * n / max_per_day) if max_per_day else 0
        line_y = height - (height * cumulative / total if total else 0)
        points.append(
            CurvePoint(
                day=day,
                count=n,
                cumulative=cumulative,
                x=round(i * step, 2),
                bar_y=round(height - bar_h, 2),
                bar_h=round(bar_h, 2),
                line_y=round(line_y, 2),
            )
        )
    today = now.astimezone(WIB).date()

    def x_of(day: dt.date) -> float | None:
        if first <= day <= last:
            return round((day - first).days * step + step / 2, 2)
        return None

    def index_of(day: dt.date) -> int | None:
        return (day - first).days if first <= day <= last else None

    polyline = " ".join(f"{p.x + step / 2:.2f},{p.line_y:.2f}" for p in points)
    return Curve(
        points=points,
        total=cumulative,
        max_per_day=max_per_day,
        deadline_x=x_of(deadline_day),
        today_x=x_of(today),
        polyline=polyline,
        bar_width=round(max(step - 1, 0.5), 2),
        width=width,
        height=height,
        deadline_index=index_of(deadline_day),
        today_index=index_of(today),
    )


# ---------------------------------------------------------------------------
# Indicator x institution heatmap
# ---------------------------------------------------------------------------

EMPTY, ANSWERED, EVIDENCED, VALIDATED = 0, 1, 2, 3
# Each state in words (the cell's tooltip and text for screen readers) and as a mark
# drawn in the cell, so the state is never told by its colour alone.
STATE_LABELS = {
    EMPTY: _("empty"),
    ANSWERED: _("answered"),
    EVIDENCED: _("with evidence"),
    VALIDATED: _("validated"),
}
STATE_MARKS = {EMPTY: "·", ANSWERED: "○", EVIDENCED: "◐", VALIDATED: "●"}


@dataclass
class HeatmapCell:
    indicator: Indicator
    state: int
    # "Indicator 7: answered", shared by the cells of one indicator and state: a page
    # has 40 x 47 cells, and translating per cell in the template tripled its time.
    text: str = ""

    @property
    def label(self):
        return STATE_LABELS[self.state]

    @property
    def mark(self) -> str:
        return STATE_MARKS[self.state]


def _cell_texts(indicators: list[Indicator]) -> dict[tuple[int, int], str]:
    """(indicator pk, state) -> the cell's words, translated once per page."""
    return {
        (ind.pk, state): _("Indicator %(n)s: %(state)s") % {"n": ind.number, "state": label}
        for ind in indicators
        for state, label in STATE_LABELS.items()
    }


@dataclass
class HeatmapRow:
    evaluation: Evaluation
    cells: list[int]
    columns: list[HeatmapCell] = field(default_factory=list)


@dataclass
class Heatmap:
    indicators: list[Indicator]
    rows: list[HeatmapRow]
    page: Page
    totals: list[dict]


def _cell_state(answered: int, evidenced: int, validated: int) -> int:
    """The highest stage an indicator reached: validated, then with evidence, then answered."""
    if validated:
        return VALIDATED
    if evidenced:
        return EVIDENCED
    if answered:
        return ANSWERED
    return EMPTY


def _cell_states(evaluation_ids: list[int]) -> dict[tuple[int, int], int]:
    """(evaluation id, indicator id) -> state, in one grouped query; absent means EMPTY."""
    answered = Q(phase=Phase.SELF, level__isnull=False)
    validated = Q(phase__in=ASSESSOR_PHASES, level__isnull=False)
    grouped = (
        Answer.objects.filter(evaluation_id__in=evaluation_ids)
        .order_by()
        .values("evaluation_id", "indicator_id")
        .annotate(
            answered=Count("id", filter=answered, distinct=True),
            evidenced=Count("evidence_links", filter=answered, distinct=True),
            validated=Count("id", filter=validated, distinct=True),
        )
    )
    return {
        (row["evaluation_id"], row["indicator_id"]): _cell_state(
            row["answered"], row["evidenced"], row["validated"]
        )
        for row in grouped
    }


def _column_totals(rows: list[HeatmapRow], columns: int) -> list[dict]:
    """Per indicator, how many institutions of the page reached each stage (or beyond)."""
    totals = []
    for i in range(columns):
        column = [r.cells[i] for r in rows]
        totals.append(
            {
                "answered": sum(1 for c in column if c >= ANSWERED),
                "evidenced": sum(1 for c in column if c >= EVIDENCED),
                "validated": sum(1 for c in column if c >= VALIDATED),
            }
        )
    return totals


def heatmap(qs: QuerySet[Evaluation], *, period: EvaluationPeriod, page) -> Heatmap:
    """Per institution (one page) and indicator: empty, answered, with evidence, validated.
    `qs` is the scoped evaluations of the period, filtered (filters.HeatmapFilter).

    Four queries whatever the page size: indicators, the page count, the page of
    evaluations, and one grouped query over the page's answers.
    """
    indicators = list(Indicator.objects.filter(framework_id=period.framework_id).order_by("number"))
    qs = qs.order_by("institution__name").select_related("institution")
    page_obj = Paginator(qs, HEATMAP_PAGE_SIZE).get_page(page)
    evaluations = list(page_obj.object_list)
    states = _cell_states([e.pk for e in evaluations])
    texts = _cell_texts(indicators)
    rows = []
    for ev in evaluations:
        cells = [states.get((ev.pk, ind.pk), EMPTY) for ind in indicators]
        columns = [
            HeatmapCell(ind, c, texts[ind.pk, c]) for ind, c in zip(indicators, cells, strict=True)
        ]
        rows.append(HeatmapRow(ev, cells, columns))
    totals = _column_totals(rows, len(indicators))
    return Heatmap(indicators=indicators, rows=rows, page=page_obj, totals=totals)
