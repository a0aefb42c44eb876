"""Reads for the assessor stages after the document assessment (interview, site visit):
each indicator entry's result at the stage, set there or carried over."""

from __future__ import annotations

from dataclasses import dataclass

from evaluations import deadlines, scoring
from evaluations.models import Answer, Indicator, Phase


@dataclass(frozen=True)
class StageRow:
    indicator: Indicator
    entry: int
    # The answer that counts at this stage (None: no stage has scored the entry yet),
    # whether it came from an earlier stage, and this stage's own row (for its version).
    result: Answer | None
    carried_over: bool
    own: Answer | None

    @property
    def anchor(self) -> str:
        return f"ind-{self.indicator.number}-{self.entry}"


def stage_rows(evaluation, stage: str) -> list[StageRow]:
    """Every entry to score at `stage`, in indicator order: entry 1 of each indicator and
    every further entry any phase has a row for. Two queries whatever the size."""
    indicators = list(
        Indicator.objects.filter(framework_id=evaluation.period.framework_id)
        .select_related("aspect")
        .order_by("number")
    )
    answers = list(Answer.objects.filter(evaluation=evaluation))
    results = scoring.stage_answers(answers, stage)
    own = {(a.indicator_id, a.entry): a for a in answers if a.phase == stage}
    entries = {(ind.pk, 1) for ind in indicators} | {(a.indicator_id, a.entry) for a in answers}
    by_id = {ind.pk: ind for ind in indicators}
    rows = []
    for indicator_id, entry in sorted(entries, key=lambda k: (by_id[k[0]].number, k[1])):
        result = results.get((indicator_id, entry))
        rows.append(
            StageRow(
                indicator=by_id[indicator_id],
                entry=entry,
                result=result.answer if result else None,
                carried_over=bool(result and result.carried_over),
                own=own.get((indicator_id, entry)),
            )
        )
    return rows


def stage_is_open(evaluation, stage: str, now) -> bool:
    """Whether the page offers the stage's forms: the window (the services check it again,
    with the status, after the lock)."""
    from evaluations.services.assessment import STAGE_SCORABLE

    return evaluation.status in STAGE_SCORABLE and deadlines.is_stage_open(
        evaluation.period, stage, now
    )


STAGES_AFTER_DOCUMENT = (Phase.INTERVIEW, Phase.VISIT)
