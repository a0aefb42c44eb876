"""The SPBE index: aspect, domain and overall index as weighted means, and the predicate.

Pure module: apart from `spec_for` (which loads a framework's structure in three
queries) nothing here touches the database, so the same arithmetic serves the
questionnaire, the assessors' pages, the reports and the exports.

Arithmetic (see the framework reference):

- an indicator's value is its level (0-5); a missing indicator or a missing level
  counts as 0 and makes the result incomplete;
- aspect index = weighted mean of its indicators' values;
- domain index = weighted mean of its aspects, each weighted by the sum of its
  indicators' weights;
- SPBE index = weighted mean of the domains, each weighted likewise.

Indicators that take several entries (indicator 35 of 5/2018: up to three public
services) follow the framework's `multi_entry_rule`:

- "separate": inside the aspect mean every entry counts as one indicator of the
  indicator's weight, while the aspect keeps its nominal weight in the domain mean.
  This reproduces the published 2018 city result (A7 = 2.50 from 3, 2, 3, 1, 3, 3).
- "mean": the entries are averaged into one value first.

Which level counts (`counting_answers`, `final_levels`, `self_levels`): per indicator
entry, the institution's own level is its self-evaluation answer; the validated level
is that of the latest phase after it (document, clarification, interview, visit, final,
ministry review) that *has* a level. A response the assessor accepted in the
clarification window is a clarification-phase answer: it overrides the document level
and is carried into the interview like any earlier stage's. A row without a level
(opened, nothing chosen; or a review verdict "valid", which corrects nothing) changes
nothing, so the final level is the review's corrected level where one exists, else the
latest assessor stage's. The result page, the reports, the exports and the dashboards
all call these.

Everything is Decimal. Shown values are rounded half-up to two places, and the
predicate is taken from the rounded index, so it always matches what users see.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import TYPE_CHECKING

from evaluations.models.evaluation import PHASE_ORDER, Phase

if TYPE_CHECKING:
    from evaluations.models import Framework

# The phases in which assessors (and, last, the ministry review) set levels, earliest
# first: a later one overrides.
ASSESSOR_PHASES = tuple(p for p in PHASE_ORDER if p != Phase.SELF)
_RANK = {phase: i for i, phase in enumerate(PHASE_ORDER)}

TWO_PLACES = Decimal("0.01")
ZERO = Decimal(0)
MIN_LEVEL = 0
MAX_LEVEL = 5

RULE_SEPARATE = "separate"
RULE_MEAN = "mean"


def round_half_up(value: Decimal | int | str | float) -> Decimal:
    """Round to two decimal places, halves away from zero (2.595 -> 2.60)."""
    if isinstance(value, float):
        value = str(value)
    return Decimal(value).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class IndicatorSpec:
    id: int
    number: int
    aspect_code: str
    domain_code: str
    weight: Decimal
    max_entries: int = 1


@dataclass(frozen=True)
class FrameworkSpec:
    """A framework's structure, detached from the database.

    `aspects` maps aspect code -> (domain code, name) and `domains` maps domain code
    -> name, both in the framework's order; `bands` is ((name, lower bound), ...)
    from the highest bound down.
    """

    framework_id: int | None
    indicators: tuple[IndicatorSpec, ...]
    aspects: dict[str, tuple[str, str]]
    domains: dict[str, str]
    bands: tuple[tuple[str, Decimal], ...]
    multi_entry_rule: str = RULE_SEPARATE
    allow_zero_validated: bool = False
    min_self_level: int = 0

    @cached_property
    def aspect_order(self) -> tuple[str, ...]:
        return tuple(self.aspects)

    @cached_property
    def domain_order(self) -> tuple[str, ...]:
        return tuple(self.domains)

    @cached_property
    def aspect_weights(self) -> dict[str, Decimal]:
        """Aspect code -> sum of its indicators' weights (its weight in the domain mean)."""
        weights = dict.fromkeys(self.aspects, ZERO)
        for ind in self.indicators:
            weights[ind.aspect_code] = weights.get(ind.aspect_code, ZERO) + ind.weight
        return weights

    @cached_property
    def domain_weights(self) -> dict[str, Decimal]:
        """Domain code -> sum of its indicators' weights (its weight in the index)."""
        weights = dict.fromkeys(self.domains, ZERO)
        for ind in self.indicators:
            weights[ind.domain_code] = weights.get(ind.domain_code, ZERO) + ind.weight
        return weights

    @cached_property
    def total_weight(self) -> Decimal:
        return sum((ind.weight for ind in self.indicators), ZERO)

    @cached_property
    def indicators_by_id(self) -> dict[int, IndicatorSpec]:
        return {ind.id: ind for ind in self.indicators}

    @cached_property
    def indicators_by_number(self) -> dict[int, IndicatorSpec]:
        return {ind.number: ind for ind in self.indicators}

    def aspect_weight(self, code: str) -> Decimal:
        return self.aspect_weights[code]

    def domain_weight(self, code: str) -> Decimal:
        return self.domain_weights[code]

    def predicate_for(self, index: Decimal) -> str:
        return predicate_for(index, self)


@dataclass(frozen=True)
class IndexResult:
    """The computed index. Rounded values for display, `raw_*` unrounded.

    `indicators` maps indicator id -> its value (the mean of its entries, unrounded);
    `missing` lists the ids of indicators with no level or a missing entry level.
    """

    index: Decimal
    predicate: str
    domains: dict[str, Decimal]
    aspects: dict[str, Decimal]
    raw_index: Decimal
    raw_domains: dict[str, Decimal]
    raw_aspects: dict[str, Decimal]
    indicators: dict[int, Decimal] = field(default_factory=dict)
    missing: tuple[int, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.missing


def spec_for(framework: Framework) -> FrameworkSpec:
    """Load `framework`'s structure in three queries (aspects, indicators, bands)."""
    from evaluations.models import Aspect, Indicator, PredicateBand

    aspect_rows = (
        Aspect.objects.filter(domain__framework=framework)
        .select_related("domain")
        .order_by("domain__order", "domain__code", "order", "code")
    )
    domains: dict[str, str] = {}
    aspects: dict[str, tuple[str, str]] = {}
    for aspect in aspect_rows:
        domains.setdefault(aspect.domain.code, aspect.domain.name)
        aspects[aspect.code] = (aspect.domain.code, aspect.name)
    indicators = tuple(
        IndicatorSpec(
            id=row["id"],
            number=row["number"],
            aspect_code=row["aspect__code"],
            domain_code=row["aspect__domain__code"],
            weight=row["weight"],
            max_entries=row["max_entries"],
        )
        for row in Indicator.objects.filter(framework=framework)
        .order_by("number")
        .values("id", "number", "aspect__code", "aspect__domain__code", "weight", "max_entries")
    )
    bands = tuple(
        (name, bound)
        for name, bound in PredicateBand.objects.filter(framework=framework)
        .order_by("-lower_bound")
        .values_list("name", "lower_bound")
    )
    return FrameworkSpec(
        framework_id=framework.pk,
        indicators=indicators,
        aspects=aspects,
        domains=domains,
        bands=bands,
        multi_entry_rule=framework.multi_entry_rule,
        allow_zero_validated=framework.allow_zero_validated,
        min_self_level=framework.min_self_level,
    )


def predicate_for(
    index: Decimal | int | str,
    spec_or_bands: FrameworkSpec | Sequence[tuple[str, Decimal]],
) -> str:
    """The predicate of `index` (rounded half-up to two places first).

    Lower bounds are inclusive, so 3.50 is "Sangat Baik" and 5.00 falls in the top
    band. An index below every bound gets the lowest band; no bands give "".
    """
    bands = spec_or_bands.bands if isinstance(spec_or_bands, FrameworkSpec) else spec_or_bands
    ordered = sorted(((name, Decimal(bound)) for name, bound in bands), key=lambda b: -b[1])
    if not ordered:
        return ""
    rounded = round_half_up(index)
    for name, lower_bound in ordered:
        if rounded >= lower_bound:
            return name
    return ordered[-1][0]


def _entry_values(ind: IndicatorSpec, entries: Sequence[int | None] | None) -> tuple[list, bool]:
    """The entry values of one indicator (None -> 0) and whether one was missing."""
    if entries is None or len(entries) == 0:
        return [ZERO], True
    if len(entries) > ind.max_entries:
        raise ValueError(
            f"indicator {ind.number} takes at most {ind.max_entries} entries, got {len(entries)}"
        )
    values, missing = [], False
    for level in entries:
        if level is None:
            values.append(ZERO)
            missing = True
            continue
        if isinstance(level, bool) or not MIN_LEVEL <= level <= MAX_LEVEL:
            raise ValueError(f"indicator {ind.number}: level {level!r} is not 0-5")
        values.append(Decimal(level))
    return values, missing


def compute_index(spec: FrameworkSpec, levels: Mapping[int, Sequence[int | None]]) -> IndexResult:
    """Compute the SPBE index of one set of answers.

    `levels` maps indicator id -> the levels of its entries (one item for an
    ordinary indicator). Ids not in the framework are ignored. Raises ValueError for
    a level outside 0-5 or more entries than the indicator takes.
    """
    # Per aspect: sum of value x weight over its entries, and the sum of those weights.
    numerators = dict.fromkeys(spec.aspects, ZERO)
    denominators = dict.fromkeys(spec.aspects, ZERO)
    aspect_domain = {code: domain for code, (domain, _name) in spec.aspects.items()}
    indicator_values: dict[int, Decimal] = {}
    missing: list[int] = []
    for ind in spec.indicators:
        values, is_missing = _entry_values(ind, levels.get(ind.id))
        if is_missing:
            missing.append(ind.id)
        total = sum(values, ZERO)
        indicator_values[ind.id] = total / len(values)
        code = ind.aspect_code
        aspect_domain.setdefault(code, ind.domain_code)
        if spec.multi_entry_rule == RULE_SEPARATE:
            numerators[code] = numerators.get(code, ZERO) + total * ind.weight
            denominators[code] = denominators.get(code, ZERO) + ind.weight * len(values)
        else:
            numerators[code] = numerators.get(code, ZERO) + total * ind.weight / len(values)
            denominators[code] = denominators.get(code, ZERO) + ind.weight

    # Each aspect contributes (its mean x its nominal weight) to its domain and the index.
    # Multiplying before dividing keeps the sums exact whenever no entries are split,
    # so a true half (e.g. 3.275) is rounded as a half.
    aspect_weights = spec.aspect_weights
    raw_aspects: dict[str, Decimal] = {}
    domain_sums = dict.fromkeys(spec.domains, ZERO)
    for code, numerator in numerators.items():
        denominator = denominators[code]
        raw_aspects[code] = numerator / denominator if denominator else ZERO
        weight = aspect_weights.get(code, ZERO)
        if denominator == weight:
            contribution = numerator
        else:
            contribution = numerator * weight / denominator if denominator else ZERO
        domain = aspect_domain[code]
        domain_sums[domain] = domain_sums.get(domain, ZERO) + contribution
    domain_weights = spec.domain_weights
    raw_domains = {
        code: total / domain_weights[code] if domain_weights.get(code) else ZERO
        for code, total in domain_sums.items()
    }
    total_weight = spec.total_weight
    raw_index = sum(domain_sums.values(), ZERO) / total_weight if total_weight else ZERO
    index = round_half_up(raw_index)
    return IndexResult(
        index=index,
        predicate=predicate_for(index, spec),
        domains={code: round_half_up(v) for code, v in raw_domains.items()},
        aspects={code: round_half_up(v) for code, v in raw_aspects.items()},
        raw_index=raw_index,
        raw_domains=raw_domains,
        raw_aspects=raw_aspects,
        indicators=indicator_values,
        missing=tuple(missing),
    )


# --- Which level counts ---------------------------------------------------------------


def counting_answers(
    answers: Iterable, *, validated: bool = True, up_to: str | None = None
) -> dict[tuple[int, int], object]:
    """Per (indicator id, entry), the answer whose level counts (module docstring).

    `answers` are Answer rows or anything with `phase`, `indicator_id`, `entry` and
    `level` attributes (e.g. `values_list(..., named=True)` rows), of one evaluation.
    `validated=True` picks among the assessor phases, `False` the self-evaluation.
    `up_to` (an assessor phase) leaves out the later phases: the result as it stood
    at that stage.
    """
    phases = set(ASSESSOR_PHASES) if validated else {Phase.SELF}
    if up_to is not None:
        phases = {p for p in phases if _RANK[p] <= _RANK[up_to]}
    best: dict[tuple[int, int], object] = {}
    for answer in answers:
        if answer.phase not in phases or answer.level is None:
            continue
        key = (answer.indicator_id, answer.entry)
        if key not in best or _RANK[answer.phase] > _RANK[best[key].phase]:
            best[key] = answer
    return best


def levels_of(counting: Mapping[tuple[int, int], object]) -> dict[int, list[int]]:
    """indicator id -> the counting levels of its entries, in entry order (what
    `compute_index` takes)."""
    levels: dict[int, list[int]] = defaultdict(list)
    for (indicator_id, _entry), answer in sorted(counting.items()):
        levels[indicator_id].append(answer.level)
    return dict(levels)


def final_levels(answers: Iterable) -> dict[int, list[int]]:
    """indicator id -> validated entry levels (latest assessor phase with a level)."""
    return levels_of(counting_answers(answers, validated=True))


def self_levels(answers: Iterable) -> dict[int, list[int]]:
    """indicator id -> the institution's own entry levels."""
    return levels_of(counting_answers(answers, validated=False))


@dataclass(frozen=True)
class Reasons:
    """What the institution reads beside a final level: the assessors' explanation and
    recommendation."""

    note: str
    recommendation: str


def final_reasons(answers: Iterable) -> dict[tuple[int, int], Reasons]:
    """Per (indicator id, entry), the explanation and recommendation shown with the final
    level, so that they always belong to the level that counts.

    The explanation is the counting answer's: its note, else its facts, analysis and
    justification (the clarification decision, the later stages and the ministry review
    write these three parts and no note). The recommendation is the latest one an
    assessor phase up to the counting answer wrote: a review correction or an accepted
    response writes none, and the document stage's still stands. `answers` are full
    Answer rows of one evaluation.
    """
    answers = list(answers)
    counting = counting_answers(answers, validated=True)
    recommended: dict[tuple[int, int], object] = {}
    for answer in answers:
        key = (answer.indicator_id, answer.entry)
        if answer.phase == Phase.SELF or not (answer.recommendation or "").strip():
            continue
        best = counting.get(key)
        if best is None or _RANK[answer.phase] > _RANK[best.phase]:
            continue
        if key not in recommended or _RANK[answer.phase] > _RANK[recommended[key].phase]:
            recommended[key] = answer
    reasons = {}
    for key, answer in counting.items():
        parts = (answer.facts, answer.analysis, answer.justification)
        note = (answer.note or "").strip() or "\n".join(p.strip() for p in parts if p.strip())
        reasons[key] = Reasons(
            note=note,
            recommendation=recommended[key].recommendation if key in recommended else "",
        )
    return reasons


@dataclass(frozen=True)
class StageResult:
    """One entry's result at a stage: the answer that counts there, and whether it was
    carried over from an earlier stage (not set at this one)."""

    answer: object
    carried_over: bool


def stage_answers(answers: Iterable, stage: str) -> dict[tuple[int, int], StageResult]:
    """Per (indicator id, entry), the result at `stage`: the level set at this stage,
    else the previous stages' (carried over). An entry no stage has scored is absent."""
    return {
        key: StageResult(answer=answer, carried_over=answer.phase != stage)
        for key, answer in counting_answers(answers, up_to=stage).items()
    }
