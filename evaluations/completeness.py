"""When is a self-evaluation answer complete, and what counts as "with evidence".

Pure: every function reads only the objects passed in (answers with their evidence
links loaded, or rows annotated with `n_links`). The institution's dashboard, the
submission check, the progress counters kept on Evaluation, the monitoring list and
the exports all take their answer from here.

The rules:

- An entry is *started* once it has a level, a justification or a service name.
- An entry is *answered* when it has a level, a justification for a level above 0,
  and, for an indicator that takes several entries (public services), a service name.
- An entry *needs evidence* when its level is at or above the framework's
  `evidence_required_from_level` (at least 1: a level of 0 never needs a file).
- An indicator's state: *empty* (nothing started), *draft* (entry 1 or a started
  entry not answered), *missing evidence* (answered, but an entry that needs evidence
  has none), *complete*. Entry 1 is always required; a further entry counts once started.
- An indicator is *with evidence* when it is answered and every started entry has at
  least one evidence file linked. A level-0 answer without a file is complete (it needs
  none) but not "with evidence": the count shows how many indicators have files.
"""

from __future__ import annotations

EMPTY, DRAFT, MISSING_EVIDENCE, COMPLETE = "empty", "draft", "missing_evidence", "complete"
ANSWERED_STATES = frozenset({MISSING_EVIDENCE, COMPLETE})


def entry_started(answer) -> bool:
    return (
        answer.level is not None or bool(answer.note.strip()) or bool(answer.service_name.strip())
    )


def lacks_justification(answer) -> bool:
    """A level above 0 without a justification."""
    return answer.level is not None and answer.level > 0 and not answer.note.strip()


def lacks_service_name(answer, indicator) -> bool:
    """An entry of a multi-entry indicator (public services) without its service name."""
    return indicator.max_entries > 1 and not answer.service_name.strip()


def entry_answered(answer, indicator) -> bool:
    """A level, a justification when the level is above 0, a service name for multi-entry."""
    if answer.level is None:
        return False
    return not lacks_justification(answer) and not lacks_service_name(answer, indicator)


def evidence_threshold(framework) -> int:
    """The lowest level that needs an evidence file (never 0)."""
    return max(framework.evidence_required_from_level, 1)


def entry_needs_evidence(answer, framework) -> bool:
    return answer.level is not None and answer.level >= evidence_threshold(framework)


def lacks_evidence(answer, framework) -> bool:
    """A level that needs evidence, and no file linked."""
    return entry_needs_evidence(answer, framework) and evidence_count(answer) == 0


def evidence_count(answer) -> int:
    """Files linked to the answer: `n_links` when the query annotated it, else the
    prefetched `evidence_links`."""
    n = getattr(answer, "n_links", None)
    if n is None:
        n = len(answer.evidence_links.all())
    return n


def indicator_state(indicator, answers, framework) -> str:
    """empty / draft / missing_evidence / complete for one indicator's self answers."""
    started = [a for a in answers if entry_started(a)]
    if not started:
        return EMPTY
    first = next((a for a in answers if a.entry == 1), None)
    if first is None or not entry_answered(first, indicator):
        return DRAFT
    if not all(entry_answered(a, indicator) for a in started):
        return DRAFT
    if any(lacks_evidence(a, framework) for a in started):
        return MISSING_EVIDENCE
    return COMPLETE


def indicator_progress(indicator, answers, framework) -> tuple[bool, bool]:
    """(answered, with evidence) of one indicator: what the progress counters add up."""
    answered = indicator_state(indicator, answers, framework) in ANSWERED_STATES
    started = [a for a in answers if entry_started(a)]
    with_evidence = answered and all(evidence_count(a) > 0 for a in started)
    return answered, with_evidence


def progress_counts(indicators, answers, framework) -> tuple[int, int]:
    """(answered, with evidence) over the framework's indicators, from loaded answers."""
    by_indicator: dict[int, list] = {}
    for a in answers:
        by_indicator.setdefault(a.indicator_id, []).append(a)
    answered = evidenced = 0
    for ind in indicators:
        is_answered, has_evidence = indicator_progress(ind, by_indicator.get(ind.pk, []), framework)
        answered += is_answered
        evidenced += has_evidence
    return answered, evidenced


def first_unfinished(rows):
    """The first indicator, in framework order, that is open and not complete: where the
    dashboard's "continue" button leads. `rows` are dicts with "indicator", "state" and
    "reopened" (open for changes); None when everything open is complete."""
    for row in rows:
        if row["reopened"] and row["state"] != COMPLETE:
            return row["indicator"]
    return None
