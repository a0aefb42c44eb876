"""Reads for the reports area: the data the receipt and the institution report are
rendered from, and the pages (the national report's data is in `national_report`).

Each `*_data` function loads everything one document needs in a constant number of
queries and returns plain data (strings, numbers, Decimals, lists, dicts) so that
`evaluations.documents.source_hash_for` can hash exactly what is rendered.
Dates are formatted in WIB here, so a change of the shown text changes the hash.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, QuerySet
from django.utils.translation import gettext

from evaluations import scoring
from evaluations.models import (
    PHASE_ORDER,
    Answer,
    AspectNote,
    Evaluation,
    EvaluationPeriod,
    EvidenceFile,
    EvidenceLink,
    GeneralRecommendation,
    Indicator,
    Phase,
    Report,
)
from evaluations.scoring import compute_index, spec_for
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
