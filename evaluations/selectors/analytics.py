"""The admin's analytics: how far self-assessed levels stand from validated ones, and
how results moved against the previous period.

Both read the answers of a period once (one query) and make one pass in Python, using
the one rule of which level counts (`scoring.counting_answers`: the institution's own
level is its self answer, the validated one the latest assessor phase with a level).
The gap of an entry is self level minus validated level: positive when the institution
rated itself higher than the assessors did.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from evaluations import scoring
from evaluations.agreement import SMALL_SAMPLE
from evaluations.models import Answer, Evaluation, EvaluationPeriod, Indicator
from institutions.models import Institution, User

# An assessor (or an institution) is flagged when its mean gap lies this many standard
# errors (standard deviations for institutions) from the others'.
OUTLIER_Z = 2
GAP_RANGE = range(-5, 6)
# How many institutions the most improved and most declined lists show.
MOVERS = 10


@dataclass
class GapRow:
    """Entries counted by gap: every figure of the row derives from the distribution, so
    the pass over the entries does one increment per row and entry."""

    key: object
    label: str
    dist: dict = field(default_factory=lambda: dict.fromkeys(GAP_RANGE, 0))
    # Assessors only: against the others.
    versus_others: float | None = None
    z: float | None = None
    sort: int = 0

    def add(self, gap: int) -> None:
        self.dist[gap] += 1

    @property
    def n(self) -> int:
        return sum(self.dist.values())

    @property
    def total(self) -> int:
        return sum(g * c for g, c in self.dist.items())

    @property
    def squares(self) -> int:
        return sum(g * g * c for g, c in self.dist.items())

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None

    @property
    def sd(self) -> float | None:
        if self.n < 2:
            return None
        return math.sqrt(max(0.0, (self.squares - self.total**2 / self.n) / (self.n - 1)))

    @property
    def small_sample(self) -> bool:
        return self.n < SMALL_SAMPLE

    @property
    def outlier(self) -> bool:
        return self.z is not None and abs(self.z) >= OUTLIER_Z

    @property
    def distribution(self) -> list[tuple[int, int]]:
        """(gap, entries) from -4 to +4: a gap of 5 needs levels 0 and 5, rare enough
        to be left to the downloads."""
        return [(g, self.dist[g]) for g in range(-4, 5)]

    @property
    def over(self) -> int:
        """Entries the institution rated higher than the assessors."""
        return sum(c for g, c in self.dist.items() if g > 0)

    @property
    def under(self) -> int:
        return sum(c for g, c in self.dist.items() if g < 0)


def _rows_by_evaluation(evaluation_ids) -> dict[int, list]:
    rows = defaultdict(list)
    for row in Answer.objects.filter(evaluation_id__in=evaluation_ids).values_list(
        "evaluation_id", "phase", "indicator_id", "entry", "level", "updated_by_id", named=True
    ):
        rows[row.evaluation_id].append(row)
    return rows


def scoped_evaluations(period, *, kind="", province="", university=""):
    """The period's evaluations under the page's filters (a queryset, not evaluated)."""
    qs = Evaluation.objects.filter(period=period)
    if kind:
        qs = qs.filter(institution__kind=kind)
    if province and str(province).isdigit():
        qs = qs.filter(institution__province_id=province) | qs.filter(
            institution_id=province, institution__kind=Institution.Kind.PROVINSI
        )
    if university and str(university).isdigit():
        qs = qs.filter(university_id=university)
    return qs


def _province_of(inst) -> tuple[object, str]:
    if inst.province_id:
        return inst.province_id, inst.province.name
    if inst.kind == Institution.Kind.PROVINSI:
        return inst.pk, inst.name
    return None, _("Central government")


def gap_analysis(evaluations) -> dict:
    """Mean gap and its distribution per indicator, kind, province, university and
    assessor, each assessor against the others, and the flagged outliers. Four queries
    (evaluations, answers, indicators, assessors) whatever the number of entries."""
    evaluations = list(evaluations.select_related("institution__province", "university").order_by())
    by_id = {ev.pk: ev for ev in evaluations}
    answers = _rows_by_evaluation(list(by_id))
    kinds = dict(Institution.Kind.choices)
    overall = GapRow(None, _("All entries"))
    tables = {name: {} for name in ("indicator", "kind", "province", "university", "assessor")}
    institutions: dict[int, GapRow] = {}

    def row_of(table, key, label):
        row = tables[table].get(key)
        if row is None:
            row = tables[table][key] = GapRow(key, label)
        return row

    for ev_id, rows in answers.items():
        ev = by_id[ev_id]
        own = scoring.counting_answers(rows, validated=False)
        validated = scoring.counting_answers(rows)
        inst = ev.institution
        # The rows an evaluation's entries all fall in, looked up once per evaluation.
        mine = [overall, row_of("kind", inst.kind, kinds.get(inst.kind, inst.kind))]
        mine.append(row_of("province", *_province_of(inst)))
        if ev.university_id:
            mine.append(row_of("university", ev.university_id, ev.university.short_name))
        institution = institutions[inst.pk] = GapRow(inst.pk, inst.name)
        mine.append(institution)
        for key, self_answer in own.items():
            answer = validated.get(key)
            if answer is None:
                continue
            gap = self_answer.level - answer.level
            for row in mine:
                row.dist[gap] += 1
            row_of("indicator", key[0], "").dist[gap] += 1
            if answer.updated_by_id:
                row_of("assessor", answer.updated_by_id, "").dist[gap] += 1
    for row in tables["kind"].values():
        row.label = str(row.label)
    _label_indicators(tables["indicator"])
    _label_assessors(tables["assessor"])
    _against_others(tables["assessor"].values(), overall)
    flagged_institutions = _outlying_institutions(list(institutions.values()))
    ordered = {
        "indicator": sorted(tables["indicator"].values(), key=lambda r: r.sort),
        "kind": sorted(tables["kind"].values(), key=lambda r: r.label),
        "province": sorted(tables["province"].values(), key=lambda r: r.label),
        "university": sorted(tables["university"].values(), key=lambda r: r.label),
        "assessor": sorted(tables["assessor"].values(), key=lambda r: -abs(r.z or 0)),
    }
    return {
        "overall": overall,
        "tables": ordered,
        "flagged_assessors": [r for r in ordered["assessor"] if r.outlier],
        "flagged_institutions": flagged_institutions,
    }


def _label_indicators(rows: dict) -> None:
    for ind in Indicator.objects.filter(pk__in=list(rows)).only("pk", "number", "name"):
        rows[ind.pk].label = f"{ind.number}. {ind.name}"
        rows[ind.pk].sort = ind.number


def _label_assessors(rows: dict) -> None:
    for user in User.objects.filter(pk__in=list(rows)).select_related("university"):
        uni = f" ({user.university.short_name})" if user.university_id else ""
        rows[user.pk].label = (user.get_full_name() or user.username) + uni
    for row in rows.values():
        row.label = row.label or "–"


def _against_others(rows, overall: GapRow) -> None:
    """Each assessor's mean gap minus the mean gap of everyone else's entries: below
    zero the assessor validates higher than the others (lenient), above it lower
    (severe). z divides by the standard error of the assessor's mean."""
    sd = overall.sd
    for row in rows:
        others_n = overall.n - row.n
        if not others_n or not row.n:
            continue
        others_mean = (overall.total - row.total) / others_n
        row.versus_others = row.mean - others_mean
        if sd:
            row.z = row.versus_others / (sd / math.sqrt(row.n))


def _outlying_institutions(rows: list[GapRow]) -> list[GapRow]:
    """Institutions whose mean gap lies OUTLIER_Z standard deviations from the mean of
    the institutions' means: for the review team to look at."""
    means = [r.mean for r in rows if r.n]
    if len(means) < 3:
        return []
    centre = sum(means) / len(means)
    sd = math.sqrt(sum((m - centre) ** 2 for m in means) / (len(means) - 1))
    if not sd:
        return []
    for row in rows:
        row.z = (row.mean - centre) / sd
    return sorted((r for r in rows if r.outlier), key=lambda r: -abs(r.z))


# --- Year on year -----------------------------------------------------------------------------


@dataclass
class Movement:
    institution: Institution
    index: Decimal | None
    previous: Decimal | None
    domains: dict
    previous_domains: dict
    cells: list = field(default_factory=list)

    @property
    def change(self) -> Decimal | None:
        if self.index is None or self.previous is None:
            return None
        return self.index - self.previous


def previous_period(period: EvaluationPeriod) -> EvaluationPeriod | None:
    return (
        EvaluationPeriod.objects.filter(opens_at__lt=period.opens_at)
        .select_related("framework")
        .order_by("-opens_at")
        .first()
    )


def _validated(evaluations, answers, spec) -> dict[int, scoring.IndexResult]:
    """Institution id -> the validated index of its evaluation, by the one arithmetic."""
    results = {}
    for ev in evaluations:
        rows = answers.get(ev.pk)
        if rows:
            results[ev.institution_id] = scoring.compute_index(spec, scoring.final_levels(rows))
    return results


def _indicator_means(evaluations, answers, numbers) -> dict[int, tuple[int, int]]:
    """Indicator number -> (sum of validated levels, entries)."""
    sums = defaultdict(lambda: [0, 0])
    for ev in evaluations:
        for (indicator_id, _entry), answer in scoring.counting_answers(
            answers.get(ev.pk, [])
        ).items():
            number = numbers.get(indicator_id)
            if number is not None:
                sums[number][0] += answer.level
                sums[number][1] += 1
    return sums


def _earlier_evaluations(before: EvaluationPeriod | None, institutions: list[int]) -> list:
    """The previous period's evaluations of the institutions shown; none without a period."""
    if before is None:
        return []
    return list(Evaluation.objects.filter(period=before, institution_id__in=institutions))


def _complete_index(result: scoring.IndexResult | None) -> Decimal | None:
    """The index of a complete result only: one with indicators not yet scored is no
    result to compare."""
    return result.index if result and result.complete else None


def _movements(current, now: dict, then: dict, spec) -> list[Movement]:
    """Per evaluation of the period, its institution's indexes now and in the previous
    period (a missing result is an empty one), with the table's domain cells."""
    movements = []
    for ev in current:
        result, old = now.get(ev.institution_id), then.get(ev.institution_id)
        movement = Movement(
            institution=ev.institution,
            index=_complete_index(result),
            previous=_complete_index(old),
            domains=result.domains if result else {},
            previous_domains=old.domains if old else {},
        )
        # Per domain in the framework's order, (now, before).
        movement.cells = [
            (movement.domains.get(code), movement.previous_domains.get(code))
            for code in spec.domains
        ]
        movements.append(movement)
    return movements


def _movers(movements: list[Movement]) -> tuple[list[Movement], list[Movement]]:
    """The MOVERS most improved and most declined; an institution without both indexes
    has no change and is in neither."""
    moved = [m for m in movements if m.change is not None]
    improved = sorted((m for m in moved if m.change > 0), key=lambda m: -m.change)
    declined = sorted((m for m in moved if m.change < 0), key=lambda m: m.change)
    return improved[:MOVERS], declined[:MOVERS]


def _indicator_numbers(period: EvaluationPeriod, before: EvaluationPeriod | None) -> dict:
    """Indicator id -> number over both periods' frameworks: numbers match across them."""
    frameworks = {period.framework_id, before.framework_id if before else None}
    return dict(Indicator.objects.filter(framework_id__in=frameworks).values_list("pk", "number"))


def _mean_level(sums: dict, number: int) -> float | None:
    total, n = sums.get(number, (0, 0))
    return total / n if n else None


def _indicator_rows(means_now: dict, means_then: dict, names: dict) -> list[dict]:
    """Per indicator number scored in either period, its mean level in both and the
    change; named as in the current framework."""
    rows = []
    for number in sorted(set(means_now) | set(means_then)):
        mean_now = _mean_level(means_now, number)
        mean_then = _mean_level(means_then, number)
        change = mean_now - mean_then if None not in (mean_now, mean_then) else None
        rows.append(
            {
                "number": number,
                "label": f"{number}. {names.get(number, '')}",
                "now": mean_now,
                "before": mean_then,
                "change": change,
            }
        )
    return rows


def year_on_year(period: EvaluationPeriod, evaluations) -> dict:
    """Each institution's validated index and domain indices against the previous
    period, the most improved and most declined, and the national mean level per
    indicator in both periods. Indicators and domains are matched by number and code,
    as a later period may use another framework."""
    before = previous_period(period)
    current = list(evaluations.select_related("institution").order_by())
    earlier = _earlier_evaluations(before, [ev.institution_id for ev in current])
    answers = _rows_by_evaluation([ev.pk for ev in current] + [ev.pk for ev in earlier])
    spec = scoring.spec_for(period.framework)
    now = _validated(current, answers, spec)
    then = _validated(earlier, answers, scoring.spec_for(before.framework)) if before else {}
    movements = _movements(current, now, then, spec)
    improved, declined = _movers(movements)
    numbers = _indicator_numbers(period, before)
    names = dict(
        Indicator.objects.filter(framework_id=period.framework_id).values_list("number", "name")
    )
    indicators = _indicator_rows(
        _indicator_means(current, answers, numbers),
        _indicator_means(earlier, answers, numbers),
        names,
    )
    return {
        "previous": before,
        "domains": list(spec.domains.items()),
        "movements": sorted(movements, key=lambda m: m.institution.name),
        "improved": improved,
        "declined": declined,
        "indicators": indicators,
    }
