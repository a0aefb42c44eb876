"""A framework's indicators, cached in each application process.

Why: the indicators are read on every autosave and every indicator page, and they
change only when someone edits the framework (rarely, and never during a campaign in
practice). Each process keeps them per framework under the framework's `revision`;
the revision arrives with the framework row that every evaluation lookup already
joins (`get_evaluation_for` selects `period__framework`), so a change made in another
process is noticed on the next request without a query of its own.

The cached objects are shared by the requests of a process: callers get a copy of the
indicator (attributes set on it do not leak into other requests) and must not change
its aspect or domain.
"""

from __future__ import annotations

import copy
import threading

from django.http import Http404

from evaluations.models import Framework, Indicator

_lock = threading.Lock()
# framework pk -> (revision, {indicator pk: Indicator with aspect and domain})
_cache: dict[int, tuple[int, dict[int, Indicator]]] = {}


def _indicators(framework: Framework) -> dict[int, Indicator]:
    entry = _cache.get(framework.pk)
    if entry is not None and entry[0] == framework.revision:
        return entry[1]
    loaded = {
        indicator.pk: indicator
        for indicator in Indicator.objects.filter(framework_id=framework.pk).select_related(
            "aspect__domain"
        )
    }
    with _lock:
        _cache[framework.pk] = (framework.revision, loaded)
    return loaded


def indicator_of(framework: Framework, pk) -> Indicator:
    """One indicator of `framework` (with its aspect and domain); Http404 for a pk that
    is not one of its indicators (another framework's, or none)."""
    try:
        found = _indicators(framework)[int(pk)]
    except (KeyError, TypeError, ValueError):
        raise Http404 from None
    return copy.copy(found)


def indicators(framework: Framework) -> list[Indicator]:
    """The framework's indicators with aspect and domain, in the framework's order
    (domain, aspect, number): the dashboard's table and the submission check. Copies,
    as `indicator_of` gives them."""
    return [copy.copy(i) for i in sorted(_indicators(framework).values(), key=_in_order)]


def _in_order(indicator: Indicator) -> tuple[int, int, int]:
    return (indicator.aspect.domain.order, indicator.aspect.order, indicator.number)


def neighbours(framework: Framework, indicator: Indicator) -> dict:
    """The indicators before and after `indicator` in number order, as (pk, number)
    pairs (None at either end): the indicator page's previous and next buttons."""
    pairs = [(i.pk, i.number) for i in sorted(_indicators(framework).values(), key=_by_number)]
    at = [pk for pk, _number in pairs].index(indicator.pk)
    return {
        "previous": pairs[at - 1] if at > 0 else None,
        "next": pairs[at + 1] if at + 1 < len(pairs) else None,
    }


def _by_number(indicator: Indicator) -> int:
    return indicator.number


def clear() -> None:
    """Forget every cached framework (tests that change a framework behind the ORM)."""
    with _lock:
        _cache.clear()
