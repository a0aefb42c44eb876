"""Reads for the provisional result (the institution's page) and the assessor's list of
responses to decide: a fixed number of queries whatever the framework's size."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch

from evaluations import scoring
from evaluations.models import (
    AgendaItem,
    Answer,
    ClarificationResponse,
    EvidenceFile,
    Indicator,
    Phase,
)
from evaluations.selectors.assessment import shown_entries


@dataclass(frozen=True)
class ProvisionalRow:
    indicator: Indicator
    entry: int
    self_answer: Answer | None
    # The document stage's answer (its level is the provisional level; its texts are
    # the assessor's notes) and the level that counts now (an accepted response's).
    document: Answer | None
    current: Answer | None
    agenda: AgendaItem | None
    response: ClarificationResponse | None

    @property
    def anchor(self) -> str:
        return f"ind-{self.indicator.number}-{self.entry}"


def _responses(evaluation):
    return (
        ClarificationResponse.objects.filter(evaluation=evaluation)
        .select_related("decided_by", "written_by")
        .prefetch_related(Prefetch("evidence", queryset=EvidenceFile.objects.order_by("pk")))
    )


def provisional_rows(evaluation) -> list[ProvisionalRow]:
    """Every indicator entry with the institution's level, the provisional level and the
    assessor's notes, the agenda item and the response with its decision. Five queries."""
    indicators = list(
        Indicator.objects.filter(framework_id=evaluation.period.framework_id)
        .select_related("aspect")
        .order_by("number")
    )
    answers = list(Answer.objects.filter(evaluation=evaluation))
    self_answers = {(a.indicator_id, a.entry): a for a in answers if a.phase == Phase.SELF}
    document = {(a.indicator_id, a.entry): a for a in answers if a.phase == Phase.DOCUMENT}
    current = scoring.counting_answers(answers, up_to=Phase.CLARIFICATION)
    agenda = {a.indicator_id: a for a in AgendaItem.objects.filter(evaluation=evaluation)}
    responses = {(r.indicator_id, r.entry): r for r in _responses(evaluation)}
    rows = []
    for ind in indicators:
        for entry in shown_entries(ind.pk, self_answers, document):
            key = (ind.pk, entry)
            rows.append(
                ProvisionalRow(
                    indicator=ind,
                    entry=entry,
                    self_answer=self_answers.get(key),
                    document=document.get(key),
                    current=current.get(key),
                    agenda=agenda.get(ind.pk),
                    response=responses.get(key),
                )
            )
    return rows


def evidence_library(evaluation) -> list[EvidenceFile]:
    """The evaluation's evidence files, for linking to a response (one query)."""
    return list(EvidenceFile.objects.filter(evaluation=evaluation).order_by("original_name"))


def responses_to_decide(evaluation) -> list[ProvisionalRow]:
    """The provisional rows that have a response, pending ones first."""
    rows = [row for row in provisional_rows(evaluation) if row.response is not None]
    pending = ClarificationResponse.Decision.PENDING
    return sorted(rows, key=lambda r: (r.response.decision != pending, r.indicator.number, r.entry))
