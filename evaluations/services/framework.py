"""Load an SPBE framework (domains, aspects, indicators, predicate bands) from data.

The frameworks live as JSON fixture files in `evaluations/fixtures/frameworks/`; the
`load_framework` command reads them and calls `load_framework_data`. Loading is
idempotent by natural keys (framework code, domain code, aspect code, indicator
number): a second run of the same data changes nothing and says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from evaluations.models import Aspect, Domain, Framework, Indicator, PredicateBand

WEIGHTS_NOT_100 = _("The indicator weights of %(code)s sum to %(total)s, not 100.")
MALFORMED = _("%(where)s: %(problem)s")
MISSING_KEY = _("missing key %(key)r")
WRONG_TYPE = _("%(key)r must be %(expected)s")
BAD_CHOICE = _("%(key)r must be one of %(choices)s, not %(value)r")
DUPLICATE = _("%(what)s %(value)r appears more than once")
BAD_LEVELS = _("level_descriptions must map each of '0'..'5' to a text")
BAD_CRITERIA = _("level_criteria must map levels '0'..'5' to texts")
NO_BANDS = _("at least one predicate band is needed")

LEVEL_KEYS = [str(level) for level in range(6)]
SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]+$")

FRAMEWORK_FIELDS = {
    "code": str,
    "name": str,
    "regulation": str,
    "year": int,
    "min_self_level": int,
    "allow_zero_validated": bool,
    "evidence_required_from_level": int,
    "multi_entry_rule": str,
}
INDICATOR_FIELDS = {"number": int, "name": str, "weight": Decimal, "ladder": str}


@dataclass
class LoadSummary:
    """What loading one framework did, per kind of object.

    `created`, `updated` and `unchanged` map a kind ("framework", "domains",
    "aspects", "indicators", "predicate bands") to a count; `deleted` counts
    predicate bands removed because the file no longer has them; `stale` lists
    indicator numbers in the database that the file no longer has (kept, because
    answers may refer to them).
    """

    code: str
    name: str
    dry_run: bool = False
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    stale: list[int] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return (
            any(self.created.values()) or any(self.updated.values()) or any(self.deleted.values())
        )

    def _count(self, bucket: dict[str, int], kind: str) -> None:
        bucket[kind] = bucket.get(kind, 0) + 1


def _problem(where: str, problem: Any) -> ValidationError:
    return ValidationError(MALFORMED, params={"where": where, "problem": problem})


def _check_fields(obj: Any, fields: Mapping[str, type], where: str) -> None:
    if not isinstance(obj, Mapping):
        raise _problem(where, WRONG_TYPE % {"key": where, "expected": "an object"})
    for key, expected in fields.items():
        if key not in obj:
            raise _problem(where, MISSING_KEY % {"key": key})
        value = obj[key]
        if expected is Decimal:
            ok = isinstance(value, (str, int, float, Decimal)) and not isinstance(value, bool)
            if ok:
                try:
                    ok = Decimal(str(value)).is_finite() and Decimal(str(value)) > 0
                except InvalidOperation:
                    ok = False
            type_name = "a positive number"
        elif expected is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
            type_name = "an integer"
        elif expected is str:
            ok = isinstance(value, str) and value.strip() != ""
            type_name = "a non-empty text"
        else:
            ok = isinstance(value, expected)
            type_name = expected.__name__
        if not ok:
            raise _problem(where, WRONG_TYPE % {"key": key, "expected": type_name})


def _check_choice(value: Any, key: str, choices: list[str], where: str) -> None:
    if value not in choices:
        raise _problem(
            where, BAD_CHOICE % {"key": key, "choices": ", ".join(choices), "value": value}
        )


def _check_unique(values: list, what: str, where: str) -> None:
    seen = set()
    for value in values:
        if value in seen:
            raise _problem(where, DUPLICATE % {"what": what, "value": value})
        seen.add(value)


def _check_framework(fw: Any) -> str:
    """Check the framework header; return its code (used to name later problems)."""
    _check_fields(fw, FRAMEWORK_FIELDS, "framework")
    code = fw["code"]
    if not SLUG_RE.match(code):
        raise _problem("framework", WRONG_TYPE % {"key": "code", "expected": "a slug"})
    _check_choice(fw["multi_entry_rule"], "multi_entry_rule", Framework.MultiEntryRule.values, code)
    for key in ("min_self_level", "evidence_required_from_level"):
        _check_choice(fw[key], key, list(range(6)), code)
    age = fw.get("evidence_max_age_years")
    if age is not None and (isinstance(age, bool) or not isinstance(age, int) or age < 1):
        raise _problem(
            code, WRONG_TYPE % {"key": "evidence_max_age_years", "expected": "an integer ≥ 1"}
        )
    return code


def _check_bands(bands: list, code: str) -> None:
    """At least one band; names and lower bounds (0 to 5) unique."""
    if not bands:
        raise _problem(code, NO_BANDS)
    for band in bands:
        _check_fields(band, {"name": str, "lower_bound": str}, f"{code} predicate band")
        try:
            bound = Decimal(band["lower_bound"])
        except InvalidOperation:
            bound = Decimal(-1)
        if not Decimal(0) <= bound <= Decimal(5):
            raise _problem(
                f"{code} predicate band {band['name']}",
                WRONG_TYPE % {"key": "lower_bound", "expected": "a number from 0 to 5"},
            )
    _check_unique([b["name"] for b in bands], "predicate band", code)
    _check_unique([Decimal(b["lower_bound"]) for b in bands], "predicate lower bound", code)


def _check_indicator(ind: Any, code: str, aspect_code: str) -> None:
    """Fields and types, a known ladder, a text for each level 0-5, max_entries >= 1."""
    _check_fields(ind, INDICATOR_FIELDS, f"{code} {aspect_code} indicator")
    where = f"{code} indicator {ind['number']}"
    _check_choice(ind["ladder"], "ladder", Indicator.Ladder.values, where)
    levels = ind.get("level_descriptions", {})
    if not isinstance(levels, Mapping) or sorted(levels) != LEVEL_KEYS:
        raise _problem(where, BAD_LEVELS)
    if not all(isinstance(text, str) for text in levels.values()):
        raise _problem(where, BAD_LEVELS)
    criteria = ind.get("level_criteria", {})
    if (
        not isinstance(criteria, Mapping)
        or not set(criteria) <= set(LEVEL_KEYS)
        or not all(isinstance(text, str) for text in criteria.values())
    ):
        raise _problem(where, BAD_CRITERIA)
    recent = ind.get("recent_evidence_from_level")
    if recent is not None:
        _check_choice(recent, "recent_evidence_from_level", list(range(6)), where)
    max_entries = ind.get("max_entries", 1)
    # bool is an int in Python; `true` in the file is not a count.
    if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
        raise _problem(where, WRONG_TYPE % {"key": "max_entries", "expected": "an integer ≥ 1"})


def _check_structure(domains: list, code: str) -> None:
    """Domains, aspects and indicators: each well formed, codes and numbers unique, and
    the indicator weights summing to exactly 100."""
    domain_codes, aspect_codes, numbers, total = [], [], [], Decimal(0)
    for domain in domains:
        _check_fields(domain, {"code": str, "name": str, "aspects": list}, f"{code} domain")
        domain_codes.append(domain["code"])
        for aspect in domain["aspects"]:
            where = f"{code} {domain['code']} aspect"
            _check_fields(aspect, {"code": str, "name": str, "indicators": list}, where)
            aspect_codes.append(aspect["code"])
            for ind in aspect["indicators"]:
                _check_indicator(ind, code, aspect["code"])
                numbers.append(ind["number"])
                total += Decimal(str(ind["weight"]))
    _check_unique(domain_codes, "domain code", code)
    _check_unique(aspect_codes, "aspect code", code)
    _check_unique(numbers, "indicator number", code)
    if total != 100:
        raise ValidationError(
            WEIGHTS_NOT_100, params={"code": code, "total": f"{total.normalize():f}"}
        )


def validate_framework_data(data: Any) -> None:
    """Check the shape of one framework's data; raise ValidationError on the first problem.

    Checks the required keys and their types, choices, unique codes and numbers,
    levels 0-5 with a text each, and that the indicator weights sum to exactly 100.
    """
    _check_fields(data, {"framework": dict, "predicate_bands": list, "domains": list}, "file")
    code = _check_framework(data["framework"])
    _check_bands(data["predicate_bands"], code)
    _check_structure(data["domains"], code)


def _sync(obj, values: Mapping[str, Any]) -> bool:
    """Set `values` on `obj`; return True when any field actually changed."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _upsert(summary: LoadSummary, kind: str, obj, values: Mapping[str, Any], model, **keys):
    """Create or update one row by its natural key; count what happened."""
    if obj is None:
        obj = model(**keys, **values)
        obj.full_clean(validate_unique=False, validate_constraints=False)
        obj.save()
        summary._count(summary.created, kind)
    elif _sync(obj, values):
        obj.full_clean(validate_unique=False, validate_constraints=False)
        obj.save()
        summary._count(summary.updated, kind)
    else:
        summary._count(summary.unchanged, kind)
    return obj


def _load_bands(summary: LoadSummary, framework: Framework, bands: list) -> None:
    """The framework's predicate bands become exactly those of the data (by name)."""
    existing = {b.name: b for b in framework.predicate_bands.all()}
    wanted = {b["name"]: Decimal(b["lower_bound"]) for b in bands}
    stale = [b.pk for name, b in existing.items() if name not in wanted]
    if stale:
        summary.deleted["predicate bands"] = len(stale)
        PredicateBand.objects.filter(pk__in=stale).delete()
    for name, bound in wanted.items():
        _upsert(
            summary,
            "predicate bands",
            existing.get(name),
            {"lower_bound": bound},
            PredicateBand,
            framework=framework,
            name=name,
        )


def _indicator_values(i_data: Mapping[str, Any], aspect: Aspect) -> dict[str, Any]:
    """An indicator's fields from the data, optional keys filled with their defaults."""
    return {
        "aspect": aspect,
        "name": i_data["name"],
        "weight": Decimal(str(i_data["weight"])),
        "ladder": i_data["ladder"],
        "description": i_data.get("description", ""),
        "level_descriptions": dict(i_data["level_descriptions"]),
        "evidence_guidance": i_data.get("evidence_guidance", ""),
        "level_criteria": dict(i_data.get("level_criteria", {})),
        "recent_evidence_from_level": i_data.get("recent_evidence_from_level"),
        "max_entries": i_data.get("max_entries", 1),
        "entry_label": i_data.get("entry_label", ""),
    }


def _load_structure(summary: LoadSummary, framework: Framework, domains_data: list) -> list[int]:
    """Upsert domains, aspects and indicators in file order (the order of a domain or
    aspect defaults to its position). Returns the numbers of the framework's indicators
    the data no longer has: they are kept, since answers may point at them."""
    domains = {d.code: d for d in framework.domains.all()}
    aspects = {a.code: a for a in Aspect.objects.filter(domain__framework=framework)}
    indicators = {i.number: i for i in framework.indicators.all()}
    seen_numbers = set()
    for d_order, d_data in enumerate(domains_data, start=1):
        domain = _upsert(
            summary,
            "domains",
            domains.get(d_data["code"]),
            {"name": d_data["name"], "order": d_data.get("order", d_order)},
            Domain,
            framework=framework,
            code=d_data["code"],
        )
        for a_order, a_data in enumerate(d_data["aspects"], start=1):
            aspect = _upsert(
                summary,
                "aspects",
                aspects.get(a_data["code"]),
                {"domain": domain, "name": a_data["name"], "order": a_data.get("order", a_order)},
                Aspect,
                code=a_data["code"],
            )
            for i_data in a_data["indicators"]:
                seen_numbers.add(i_data["number"])
                _upsert(
                    summary,
                    "indicators",
                    indicators.get(i_data["number"]),
                    _indicator_values(i_data, aspect),
                    Indicator,
                    framework=framework,
                    number=i_data["number"],
                )
    return sorted(set(indicators) - seen_numbers)


@transaction.atomic
def load_framework_data(*, data: Any, dry_run: bool = False) -> LoadSummary:
    """Create or update one framework and its structure from `data` (a fixture file's content).

    Preconditions: `data` passes `validate_framework_data`. Natural keys: framework
    code; domain code and aspect code within the framework; indicator number within
    the framework. Changed fields are updated, unchanged rows left alone. Predicate
    bands not in the data are deleted; indicators not in the data are kept and listed
    in `summary.stale` (answers may point at them). With `dry_run` everything runs
    and is counted, then rolled back. No audit event: this is reference data.

    Raises ValidationError (nothing written) for malformed data or weights that do
    not sum to 100.
    """
    validate_framework_data(data)
    fw_data = data["framework"]
    summary = LoadSummary(code=fw_data["code"], name=fw_data["name"], dry_run=dry_run)

    framework = Framework.objects.filter(code=fw_data["code"]).first()
    fw_values = {key: fw_data[key] for key in FRAMEWORK_FIELDS if key != "code"}
    fw_values["description"] = fw_data.get("description", "")
    fw_values["evidence_max_age_years"] = fw_data.get("evidence_max_age_years")
    framework = _upsert(summary, "framework", framework, fw_values, Framework, code=fw_data["code"])

    _load_bands(summary, framework, data["predicate_bands"])
    summary.stale = _load_structure(summary, framework, data["domains"])

    if dry_run:
        transaction.set_rollback(True)
    return summary
