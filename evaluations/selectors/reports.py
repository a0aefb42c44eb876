"""Reads for the reports area: the data each document is rendered from, and the pages.

Each `*_data` function loads everything one document needs in a constant number of
queries and returns plain data (strings, numbers, Decimals, lists, dicts) so that
`evaluations.documents.source_hash_for` can hash exactly what is rendered.
Dates are formatted in WIB here, so a change of the shown text changes the hash.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.utils.translation import gettext

from evaluations import deadlines, scoring
from evaluations.models import (
    PHASE_ORDER,
    Answer,
    AspectNote,
    Evaluation,
    EvaluationPeriod,
    EvidenceFile,
    EvidenceLink,
    Extension,
    GeneralRecommendation,
    Indicator,
    Phase,
    Report,
)
from evaluations.scoring import compute_index, predicate_for, round_half_up, spec_for
from evaluations.selectors import evaluations_visible_to
from evaluations.selectors.assessment import shown_entries
from evaluations.wib import format_wib
from institutions.models import Institution
from institutions.permissions import is_admin


def wib(value) -> str:
    """A datetime as shown in the documents: "31-10-2019 23:59 WIB"."""
    return format_wib(value, "minute")


def _person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def _institution_block(institution: Institution) -> dict:
    return {
        "name": institution.name,
        "short_name": institution.display_name,
        "code": institution.code,
        "kind": institution.get_kind_display(),
        "province": institution.province.name if institution.province_id else "",
    }


def _load_evaluation(evaluation_id: int) -> Evaluation:
    return Evaluation.objects.select_related(
        "institution__province", "period__framework", "submitted_by"
    ).get(pk=evaluation_id)


# ---------------------------------------------------------------------------
# Submission receipt
# ---------------------------------------------------------------------------


def receipt_data(*, evaluation_id: int) -> dict:
    """What the submission receipt shows, in 5 queries."""
    evaluation = _load_evaluation(evaluation_id)
    period = evaluation.period
    indicators = list(
        Indicator.objects.filter(framework_id=period.framework_id)
        .select_related("aspect")
        .order_by("number")
    )
    answers = defaultdict(list)
    for answer in Answer.objects.filter(evaluation=evaluation, phase=Phase.SELF).order_by(
        "indicator_id", "entry"
    ):
        answers[answer.indicator_id].append(answer)
    linked = defaultdict(set)
    for evidence_id, number in EvidenceLink.objects.filter(
        evidence__evaluation=evaluation, answer__phase=Phase.SELF
    ).values_list("evidence_id", "answer__indicator__number"):
        linked[evidence_id].add(number)
    evidence = [
        {
            "name": e.original_name,
            "title": e.title,
            "size": e.size,
            "pages": e.page_count,
            "sha256": e.sha256,
            "indicators": sorted(linked.get(e.pk, ())),
        }
        for e in EvidenceFile.objects.filter(evaluation=evaluation).order_by("original_name", "pk")
    ]
    rows = []
    for ind in indicators:
        entries = answers.get(ind.pk) or []
        rows.append(
            {
                "number": ind.number,
                "name": ind.name,
                "aspect": ind.aspect.code,
                "entries": [
                    {"entry": a.entry, "service_name": a.service_name, "level": a.level}
                    for a in entries
                ],
            }
        )
    return {
        "institution": _institution_block(evaluation.institution),
        "period": {"name": period.name, "year": period.year, "framework": period.framework.name},
        "submitted_by": _person(evaluation.submitted_by),
        # To the second, as the deadline it is measured against.
        "submitted_at": format_wib(evaluation.submitted_at, "seconds"),
        "submission_count": evaluation.submission_count,
        "submission_hash": evaluation.submission_hash,
        "indicators": rows,
        "evidence": evidence,
    }


# ---------------------------------------------------------------------------
# Institution evaluation report
# ---------------------------------------------------------------------------


def _latest_aspect_notes(evaluation: Evaluation) -> dict[int, AspectNote]:
    """aspect id -> the strengths and weaknesses of the latest phase that wrote any."""
    rank = {p: i for i, p in enumerate(PHASE_ORDER)}
    notes: dict[int, AspectNote] = {}
    for note in AspectNote.objects.filter(evaluation=evaluation):
        kept = notes.get(note.aspect_id)
        if kept is None or rank[note.phase] > rank[kept.phase]:
            notes[note.aspect_id] = note
    return notes


def _entry_row(entry: int, own, validated, reasons) -> dict:
    """One indicator entry: the institution's level beside the validated one, with the
    explanation and recommendation of the level that counts (`scoring.final_reasons`).
    Either answer may be missing."""
    shown = own or validated
    return {
        "entry": entry,
        "service_name": shown.service_name if shown else "",
        "self_level": own.level if own else None,
        "final_level": validated.level if validated else None,
        "explanation": reasons.note if reasons else "",
        "recommendation": reasons.recommendation if reasons else "",
    }


def _indicator_rows(
    indicators: list[Indicator], self_best: dict, final_best: dict, reasons: dict
) -> list[dict]:
    """Per indicator, its entries with the counting self and validated answers."""
    rows = []
    for ind in indicators:
        entries = [
            _entry_row(
                e,
                self_best.get((ind.pk, e)),
                final_best.get((ind.pk, e)),
                reasons.get((ind.pk, e)),
            )
            for e in shown_entries(ind.pk, self_best, final_best)
        ]
        rows.append(
            {
                "number": ind.number,
                "name": ind.name,
                "aspect": ind.aspect.code,
                "weight": ind.weight,
                "entries": entries,
            }
        )
    return rows


def _aspect_rows(
    spec, indicators: list[Indicator], notes: dict[int, AspectNote], self_result, final_result
) -> list[dict]:
    """Per aspect of the framework, in its order: both indexes and the latest notes."""
    aspects_by_code = {}
    for ind in indicators:
        aspects_by_code.setdefault(ind.aspect.code, ind.aspect)
    rows = []
    for code, (domain_code, name) in spec.aspects.items():
        aspect = aspects_by_code.get(code)
        note = notes.get(aspect.pk) if aspect else None
        rows.append(
            {
                "code": code,
                "name": name,
                "domain": domain_code,
                "self": self_result.aspects.get(code),
                "final": final_result.aspects.get(code),
                "fulfilment": note.fulfilment if note else "",
                "strengths": note.strengths if note else "",
                "weaknesses": note.weaknesses if note else "",
            }
        )
    return rows


def _domain_rows(spec, self_result, final_result) -> list[dict]:
    return [
        {
            "code": code,
            "name": name,
            "self": self_result.domains.get(code),
            "final": final_result.domains.get(code),
        }
        for code, name in spec.domains.items()
    ]


def _headline(evaluation: Evaluation, spec, self_result, final_result) -> dict:
    """Both indexes with their predicates. The values stored at approval and submission
    are what was published, so they win; the computed ones stand in until then."""
    final_index = evaluation.final_index
    if final_index is None:
        final_index = final_result.index
    self_index = evaluation.self_index if evaluation.self_index is not None else self_result.index
    return {
        "index": final_index,
        "predicate": evaluation.final_predicate or spec.predicate_for(final_index),
        "self_index": self_index,
        "self_predicate": evaluation.self_predicate or spec.predicate_for(self_index),
    }


def _previous_released(evaluation: Evaluation) -> Evaluation | None:
    """The institution's released result of the latest earlier year, whatever its framework."""
    return (
        Evaluation.objects.filter(
            institution_id=evaluation.institution_id,
            period__year__lt=evaluation.period.year,
            final_index__isnull=False,
            status=Evaluation.Status.RELEASED,
        )
        .select_related("period__framework")
        .order_by("-period__year")
        .first()
    )


def _comparison(evaluation: Evaluation, spec, final_index: Decimal) -> dict | None:
    """The change against the previous released result; aspect by aspect only when both
    years used the same framework (other frameworks have other aspects)."""
    previous = _previous_released(evaluation)
    if previous is None:
        return None
    comparison = {
        "period": previous.period.name,
        "year": previous.period.year,
        "index": previous.final_index,
        "predicate": previous.final_predicate,
        "change": final_index - previous.final_index,
        "aspects": {},
    }
    if previous.period.framework_id == evaluation.period.framework_id:
        prev_levels = scoring.final_levels(
            Answer.objects.filter(evaluation=previous).exclude(phase=Phase.SELF)
        )
        comparison["aspects"] = dict(compute_index(spec, prev_levels).aspects)
    return comparison


def institution_report_data(*, evaluation_id: int) -> dict:
    """What the institution report shows, in 9 queries (12 with a previous period)."""
    evaluation = _load_evaluation(evaluation_id)
    period = evaluation.period
    spec = spec_for(period.framework)
    indicators = list(
        Indicator.objects.filter(framework_id=period.framework_id)
        .select_related("aspect__domain")
        .order_by("number")
    )
    answers = list(Answer.objects.filter(evaluation=evaluation).order_by("indicator_id", "entry"))
    self_best = scoring.counting_answers(answers, validated=False)
    final_best = scoring.counting_answers(answers, validated=True)
    self_result = compute_index(spec, scoring.levels_of(self_best))
    final_result = compute_index(spec, scoring.levels_of(final_best))
    notes = _latest_aspect_notes(evaluation)
    rows = _indicator_rows(indicators, self_best, final_best, scoring.final_reasons(answers))
    aspects = _aspect_rows(spec, indicators, notes, self_result, final_result)
    headline = _headline(evaluation, spec, self_result, final_result)
    comparison = _comparison(evaluation, spec, headline["index"])
    if comparison is not None:
        for aspect in aspects:
            aspect["previous"] = comparison["aspects"].get(aspect["code"])
    return {
        "institution": _institution_block(evaluation.institution),
        "period": {
            "name": period.name,
            "year": period.year,
            "framework": period.framework.name,
            "regulation": period.framework.regulation,
        },
        "released_at": wib(evaluation.released_at),
        **headline,
        "domains": _domain_rows(spec, self_result, final_result),
        "aspects": aspects,
        "indicators": rows,
        "bands": [(name, bound) for name, bound in spec.bands],
        "comparison": comparison,
        "recommendation": _general_recommendation(evaluation),
    }


def _general_recommendation(evaluation: Evaluation) -> dict | None:
    """The four parts of the assessors' general recommendation, or None without one."""
    rec = GeneralRecommendation.objects.filter(evaluation=evaluation).first()
    if rec is None or not any(getattr(rec, part) for part in rec.PARTS):
        return None
    return {part: getattr(rec, part) for part in rec.PARTS}


# ---------------------------------------------------------------------------
# National report
# ---------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------


def reports_visible_to(user) -> QuerySet[Report]:
    """Reports a user may see at all: those of evaluations they see; the period-wide
    documents (national, ZIP, exports) only for ministry admins. Others answer 404."""
    qs = Report.objects.select_related("evaluation__institution", "period", "requested_by")
    if is_admin(user):
        return qs
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    return qs.filter(
        kind__in=[Report.Kind.RECEIPT, Report.Kind.INSTITUTION, Report.Kind.MINUTES],
        evaluation__in=evaluations_visible_to(user).values("pk"),
    )


def period_reports_progress(*, period: EvaluationPeriod, language: str) -> dict:
    """The bulk page's numbers in 3 queries: x of N institution reports, and the ZIP."""
    total = Evaluation.objects.filter(period=period, status=Evaluation.Status.RELEASED).count()
    counts = dict(
        Report.objects.filter(period=period, kind=Report.Kind.INSTITUTION, language=language)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    archive = (
        Report.objects.filter(period=period, kind=Report.Kind.ARCHIVE, language=language)
        .order_by("-requested_at")
        .first()
    )
    ready = counts.get(Report.Status.READY, 0)
    pending = counts.get(Report.Status.QUEUED, 0) + counts.get(Report.Status.RENDERING, 0)
    return {
        "total": total,
        "ready": ready,
        "pending": pending,
        "failed": counts.get(Report.Status.FAILED, 0),
        "percent": round(100 * ready / total) if total else 0,
        "running": pending > 0,
        "archive": archive,
        "label": gettext("%(done)s of %(total)s") % {"done": ready, "total": total},
    }


def failed_reports(*, period: EvaluationPeriod, language: str, limit: int = 20):
    return list(
        Report.objects.filter(
            period=period,
            kind=Report.Kind.INSTITUTION,
            language=language,
            status=Report.Status.FAILED,
        )
        .select_related("evaluation__institution")
        .order_by("evaluation__institution__name")[:limit]
    )
