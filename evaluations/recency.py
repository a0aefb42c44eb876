"""Evidence recency: where a level needs a recent review or evaluation document, a
document older than the framework's maximum age is flagged to both sides.

The age is counted back from the period's self-assessment deadline (its date in WIB),
the moment the institution's evidence is judged; a document dated before the cutoff
is out of date. The institution states each file's date (EvidenceFile.document_date);
an undated file is not judged. Pure apart from reading the objects passed in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from evaluations.wib import WIB


@dataclass(frozen=True)
class Recency:
    max_age_years: int | None
    cutoff: dt.date | None  # documents dated before this are out of date

    @property
    def applies(self) -> bool:
        return self.cutoff is not None


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def for_period(period) -> Recency:
    """The recency rule of `period` (its framework's maximum age, from its deadline)."""
    years = period.framework.evidence_max_age_years
    if not years:
        return Recency(max_age_years=None, cutoff=None)
    reference = period.deadline.astimezone(WIB).date()
    return Recency(max_age_years=years, cutoff=_years_before(reference, years))


def needs_recent(indicator) -> bool:
    """Some level of the indicator needs a recent document."""
    return indicator.recent_evidence_from_level is not None


def is_outdated(document_date: dt.date | None, indicator, recency: Recency) -> bool:
    """Flag the file: the indicator has levels that need a recent document, the file is
    dated, and the date is before the cutoff."""
    return bool(
        recency.applies
        and needs_recent(indicator)
        and document_date is not None
        and document_date < recency.cutoff
    )
