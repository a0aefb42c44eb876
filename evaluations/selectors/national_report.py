"""Reads for the national report: a period's released results across all institutions.

`national_report_data` loads everything the report needs in a constant number of
queries whatever the number of institutions, and returns plain data (strings, numbers,
Decimals, lists, dicts) so that `evaluations.documents.source_hash_for` can hash
exactly what is rendered.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal

from django.db.models import Count, Sum

from evaluations import deadlines, scoring
from evaluations.models import Answer, Evaluation, EvaluationPeriod, Extension, Indicator, Phase
from evaluations.scoring import compute_index, predicate_for, round_half_up, spec_for
from evaluations.selectors.reports import wib
from institutions.models import Institution


def _mean(values: list[Decimal]) -> Decimal | None:
    return round_half_up(sum(values) / len(values)) if values else None


def _released(evaluations: list[Evaluation]) -> list[Evaluation]:
    """The evaluations whose results are published: only these enter the figures."""
    return [
        e
        for e in evaluations
        if e.status == Evaluation.Status.RELEASED and e.final_index is not None
    ]


def _predicate_rows(released: list[Evaluation], bands: list[str]) -> list[dict]:
    """How many institutions reached each band, every band listed (highest first)."""
    by_predicate = Counter(e.final_predicate for e in released)
    return [{"name": b, "count": by_predicate.get(b, 0)} for b in bands]


def _kind_rows(released: list[Evaluation], kind_labels: dict) -> list[dict]:
    """Per kind of institution, in the kinds' order, even a kind with no result."""
    by_kind = defaultdict(list)
    for e in released:
        by_kind[e.institution.kind].append(e.final_index)
    return [
        {
            "kind": str(kind_labels[k]),
            "count": len(by_kind.get(k, [])),
            "index": _mean(by_kind.get(k, [])),
        }
        for k in Institution.Kind.values
    ]


def _province_name(institution: Institution) -> str | None:
    """The province a result counts for: a province government is its own province; an
    institution without a province is left out of the province table."""
    if institution.kind == Institution.Kind.PROVINSI:
        return institution.name
    if institution.province_id:
        return institution.province.name
    return None


def _province_rows(released: list[Evaluation]) -> list[dict]:
    """Per province, its institutions' mean index, best first."""
    by_province = defaultdict(list)
    for e in released:
        name = _province_name(e.institution)
        if name is not None:
            by_province[name].append(e.final_index)
    return sorted(
        ({"name": name, "count": len(v), "index": _mean(v)} for name, v in by_province.items()),
        key=lambda r: (-r["index"], r["name"]),
    )


def _ranking(released: list[Evaluation], kind_labels: dict) -> list[dict]:
    """Every released result, best index first (ties by name)."""
    ordered = sorted(released, key=lambda e: (-e.final_index, e.institution.name))
    return [
        {
            "rank": i,
            "name": e.institution.name,
            "kind": str(kind_labels[e.institution.kind]),
            "province": e.institution.province.name if e.institution.province_id else "",
            "index": e.final_index,
            "predicate": e.final_predicate,
        }
        for i, e in enumerate(ordered, start=1)
    ]


def _ranking_by_kind(ranking: list[dict], kind_rows: list[dict]) -> list[dict]:
    """The ten best of each kind that has results, keeping their national rank."""
    return [
        {"kind": row["kind"], "rows": [r for r in ranking if r["kind"] == row["kind"]][:10]}
        for row in kind_rows
        if row["count"]
    ]


def _submission_timing(evaluation: Evaluation, period, extension) -> str | None:
    """on_time (by the period's deadline), with_extension (only the institution's
    extension covers it), late, or None when not submitted."""
    if evaluation.submitted_at is None:
        return None
    if deadlines.is_on_time(evaluation.submitted_at, period):
        return "on_time"
    if deadlines.is_on_time(evaluation.submitted_at, period, extension):
        return "with_extension"
    return "late"


def _progress(evaluations: list[Evaluation], period, extensions: dict) -> dict:
    """How many institutions submitted, and whether on time, within an extension or late."""
    timing = Counter(
        _submission_timing(e, period, extensions.get(e.institution_id)) for e in evaluations
    )
    submitted = timing["on_time"] + timing["with_extension"] + timing["late"]
    return {
        "total": len(evaluations),
        "submitted": submitted,
        "on_time": timing["on_time"],
        "with_extension": timing["with_extension"],
        "late": timing["late"],
        "not_submitted": len(evaluations) - submitted,
        "extensions": len(extensions),
    }


def _results_by_evaluation(spec, released: list[Evaluation]) -> dict[int, object]:
    """Each released evaluation's validated result (domains, aspects, indicators), from
    one query over their assessor answers, whatever the number of institutions."""
    rows = (
        Answer.objects.filter(evaluation_id__in=[e.pk for e in released])
        .exclude(phase=Phase.SELF)
        .order_by()
        .values_list("evaluation_id", "indicator_id", "entry", "phase", "level", named=True)
    )
    per_evaluation: dict[int, list] = defaultdict(list)
    for row in rows:
        per_evaluation[row.evaluation_id].append(row)
    return {
        e.pk: compute_index(spec, scoring.final_levels(per_evaluation.get(e.pk, [])))
        for e in released
    }


def _means(values_by_kind: dict[str, list[Decimal]], kinds: list[str]) -> dict:
    everything = [v for k in kinds for v in values_by_kind.get(k, [])]
    return {
        "national": _mean(everything),
        "by_kind": [_mean(values_by_kind.get(k, [])) for k in kinds],
    }


def _structure_means(spec, indicators, released, results, kinds: list[str]) -> list[dict]:
    """National and per-kind means of every domain, aspect and indicator (the mean of the
    institutions' validated values), in the framework's order."""
    domain_values = defaultdict(lambda: defaultdict(list))
    aspect_values = defaultdict(lambda: defaultdict(list))
    indicator_values = defaultdict(lambda: defaultdict(list))
    for e in released:
        result, kind = results[e.pk], e.institution.kind
        for code, value in result.domains.items():
            domain_values[code][kind].append(value)
        for code, value in result.aspects.items():
            aspect_values[code][kind].append(value)
        for ind_id, value in result.indicators.items():
            indicator_values[ind_id][kind].append(value)
    by_aspect = defaultdict(list)
    for ind in indicators:
        by_aspect[ind.aspect.code].append(
            {"number": ind.number, "name": ind.name, **_means(indicator_values[ind.pk], kinds)}
        )
    domains = []
    for code, name in spec.domains.items():
        aspects = [
            {"code": a_code, "name": a_name, **_means(aspect_values[a_code], kinds)}
            | {"indicators": by_aspect.get(a_code, [])}
            for a_code, (domain, a_name) in spec.aspects.items()
            if domain == code
        ]
        domains.append(
            {"code": code, "name": name, **_means(domain_values[code], kinds), "aspects": aspects}
        )
    return domains


def _previous_period_figures(period, band_names: list[str], kind_labels: dict) -> dict | None:
    """The latest earlier period with released results, as the national figures compare
    to it: its national mean, its means per kind and its predicates (two grouped queries)."""
    previous = (
        EvaluationPeriod.objects.filter(
            year__lt=period.year,
            evaluations__status=Evaluation.Status.RELEASED,
            evaluations__final_index__isnull=False,
        )
        .order_by("-year", "-opens_at")
        .first()
    )
    if previous is None:
        return None
    released = Evaluation.objects.filter(
        period=previous, status=Evaluation.Status.RELEASED, final_index__isnull=False
    ).order_by()
    per_kind = {
        row["institution__kind"]: row
        for row in released.values("institution__kind").annotate(
            n=Count("id"), total=Sum("final_index")
        )
    }
    predicates = dict(
        released.values_list("final_predicate")
        .annotate(n=Count("id"))
        .values_list("final_predicate", "n")
    )
    count = sum(r["n"] for r in per_kind.values())
    total = sum((r["total"] for r in per_kind.values()), Decimal(0))
    return {
        "name": previous.name,
        "year": previous.year,
        "released": count,
        "index": round_half_up(total / count) if count else None,
        "by_kind": {
            str(kind_labels[k]): round_half_up(r["total"] / r["n"]) for k, r in per_kind.items()
        },
        "by_predicate": {name: predicates.get(name, 0) for name in band_names},
    }


def _comparison_rows(current: dict, previous: dict | None) -> dict | None:
    """The national figures beside the previous period's, with the change."""
    if previous is None:
        return None

    def change(now, before):
        return None if now is None or before is None else now - before

    kinds = [
        {
            "kind": r["kind"],
            "index": r["index"],
            "previous": previous["by_kind"].get(r["kind"]),
            "change": change(r["index"], previous["by_kind"].get(r["kind"])),
        }
        for r in current["by_kind"]
    ]
    predicates = [
        {
            "name": r["name"],
            "count": r["count"],
            "previous": previous["by_predicate"].get(r["name"], 0),
            "change": r["count"] - previous["by_predicate"].get(r["name"], 0),
        }
        for r in current["by_predicate"]
    ]
    return {
        **previous,
        "change": change(current["index"], previous["index"]),
        "kinds": kinds,
        "predicates": predicates,
    }


def _summary(data: dict, band_names: list[str]) -> dict:
    """The figures the executive summary writes in sentences."""
    with_results = [r for r in data["by_kind"] if r["index"] is not None]
    best = max(with_results, key=lambda r: r["index"], default=None)
    worst = min(with_results, key=lambda r: r["index"], default=None)
    upper = band_names[:2]  # the two best predicates (e.g. Sangat Baik, Memuaskan)
    good = sum(r["count"] for r in data["by_predicate"] if r["name"] in upper)
    released = data["released"]
    lowest_aspects = sorted(
        (a for d in data["structure"] for a in d["aspects"] if a["national"] is not None),
        key=lambda a: a["national"],
    )[:3]
    return {
        "best_kind": best,
        "worst_kind": worst if worst is not best else None,
        "upper_predicates": upper,
        "upper_count": good,
        "upper_share": round_half_up(Decimal(100 * good) / released) if released else None,
        "lowest_aspects": lowest_aspects,
    }


def national_report_data(*, period_id: int) -> dict:
    """What the national report shows, in a fixed number of queries whatever the number
    of institutions (the period, bands, extensions, evaluations, the framework's
    structure, the assessor answers, and the previous period's grouped figures)."""
    period = EvaluationPeriod.objects.select_related("framework").get(pk=period_id)
    spec = spec_for(period.framework)
    band_bounds = [list(band) for band in spec.bands]
    extensions = {
        ext.institution_id: ext
        for ext in Extension.objects.filter(period=period, revoked_at__isnull=True).only(
            "institution_id", "new_deadline", "revoked_at"
        )
    }
    evaluations = list(
        Evaluation.objects.filter(period=period)
        .select_related("institution__province")
        .order_by("institution__name")
    )
    released = _released(evaluations)
    national_index = _mean([e.final_index for e in released])
    kind_labels = dict(Institution.Kind.choices)
    kind_rows = _kind_rows(released, kind_labels)
    ranking = _ranking(released, kind_labels)
    indicators = list(
        Indicator.objects.filter(framework_id=period.framework_id)
        .select_related("aspect")
        .order_by("number")
    )
    # The kinds that have results are the columns of the means tables.
    kinds = [k for k in Institution.Kind.values if any(e.institution.kind == k for e in released)]
    results = _results_by_evaluation(spec, released)
    band_names = [name for name, _bound in band_bounds]
    data = {
        "period": {
            "name": period.name,
            "year": period.year,
            "framework": period.framework.name,
            "deadline": wib(period.deadline),
        },
        "index": national_index,
        "predicate": predicate_for(national_index, band_bounds) if released else "",
        "released": len(released),
        "by_predicate": _predicate_rows(released, [name for name, _bound in band_bounds]),
        "by_kind": kind_rows,
        "by_province": _province_rows(released),
        "ranking": ranking,
        "ranking_by_kind": _ranking_by_kind(ranking, kind_rows),
        "progress": _progress(evaluations, period, extensions),
        "kinds": [str(kind_labels[k]) for k in kinds],
        "structure": _structure_means(spec, indicators, released, results, kinds),
        "bands": band_bounds,
        "regulation": period.framework.regulation,
        "weights": {
            "domains": [(name, spec.domain_weight(code)) for code, name in spec.domains.items()],
        },
    }
    data["comparison"] = _comparison_rows(
        data, _previous_period_figures(period, band_names, kind_labels)
    )
    data["summary"] = _summary(data, band_names)
    return data
