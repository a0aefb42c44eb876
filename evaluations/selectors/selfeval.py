"""Reads of the self-evaluation screens (institution dashboard, indicator page,
evidence library, submission check) and the extension lookups shared with the
monitoring area. No query runs in a loop (STYLE Q2)."""

from __future__ import annotations

from types import SimpleNamespace

from django.db.models import Count, Prefetch

from evaluations.models import (
    Answer,
    AuditEvent,
    Evaluation,
    EvidenceFile,
    EvidenceLink,
    Extension,
    Indicator,
    Phase,
    Reopening,
)


def active_extension(period, institution) -> Extension | None:
    """The institution's active (not revoked) extension for `period`, or None. One query."""
    institution_id = getattr(institution, "pk", institution)
    return (
        Extension.objects.filter(
            period=period, institution_id=institution_id, revoked_at__isnull=True
        )
        .order_by("-granted_at")
        .first()
    )


def active_extensions(period) -> dict[int, Extension]:
    """Every active extension of `period`, keyed by institution id. One query."""
    return {
        ext.institution_id: ext
        for ext in Extension.objects.filter(period=period, revoked_at__isnull=True)
    }


def open_reopening(evaluation) -> Reopening | None:
    """The evaluation's open return/clarification with its indicators. Two queries at most."""
    return (
        Reopening.objects.filter(evaluation=evaluation, closed_at__isnull=True)
        .prefetch_related(Prefetch("indicators", queryset=Indicator.objects.only("id", "number")))
        .first()
    )


def current_evaluation_for(user, now) -> Evaluation | None:
    """The institution's evaluation of the most recently opened period. One query."""
    if not getattr(user, "institution_id", None):
        return None
    return (
        Evaluation.objects.filter(institution_id=user.institution_id, period__opens_at__lte=now)
        .select_related("institution", "period__framework", "submitted_by")
        .order_by("-period__opens_at")
        .first()
    )


def framework_indicators(framework) -> list[Indicator]:
    """The framework's indicators with aspect and domain, in order. One query."""
    return list(
        Indicator.objects.filter(framework=framework)
        .select_related("aspect__domain")
        .order_by("aspect__domain__order", "aspect__order", "number")
    )


def self_answers(evaluation) -> list[Answer]:
    """The evaluation's self-phase answers with the number of evidence links. One query."""
    return list(
        Answer.objects.filter(evaluation=evaluation, phase=Phase.SELF)
        .annotate(n_links=Count("evidence_links"))
        .select_related("updated_by")
        .order_by("indicator_id", "entry")
    )


def self_answers_with_evidence(evaluation) -> list[Answer]:
    """Self answers with their evidence links and files (hash, confirmation page). Two queries."""
    return list(
        Answer.objects.filter(evaluation=evaluation, phase=Phase.SELF)
        .select_related("indicator")
        .prefetch_related(
            Prefetch(
                "evidence_links",
                queryset=EvidenceLink.objects.select_related("evidence").order_by("id"),
            )
        )
        .order_by("indicator__number", "entry")
    )


def previous_results(evaluation) -> dict[int, dict]:
    """Last released result per indicator number of the institution's previous evaluation.

    Returns {indicator number: {"level": latest-phase level (list for several
    entries), "recommendation": str}}; empty when no earlier evaluation of the
    institution has been released. Release is per institution, so the earlier
    evaluation itself must be RELEASED (a period-wide release date would show an
    unapproved assessment, and hide a result released for chosen institutions).
    Two queries.
    """
    previous = (
        Evaluation.objects.filter(
            institution_id=evaluation.institution_id,
            period__opens_at__lt=evaluation.period.opens_at,
            status=Evaluation.Status.RELEASED,
        )
        .order_by("-period__opens_at")
        .values_list("pk", flat=True)
        .first()
    )
    if previous is None:
        return {}
    order = {phase: i for i, phase in enumerate(p.value for p in Phase)}
    latest: dict[tuple[int, int], tuple[int, int | None, str]] = {}
    rows = Answer.objects.filter(evaluation_id=previous).exclude(phase=Phase.SELF)
    for number, entry, phase, level, rec in rows.values_list(
        "indicator__number", "entry", "phase", "level", "recommendation"
    ):
        rank = order.get(phase, 0)
        if (number, entry) not in latest or latest[(number, entry)][0] < rank:
            latest[(number, entry)] = (rank, level, rec)
    result: dict[int, dict] = {}
    for (number, _entry), (_rank, level, rec) in sorted(latest.items()):
        item = result.setdefault(number, {"levels": [], "recommendation": ""})
        item["levels"].append(level)
        if rec and not item["recommendation"]:
            item["recommendation"] = rec
    return result


def evidence_library(evaluation) -> list[EvidenceFile]:
    """The evaluation's evidence files with their links (indicator numbers). Two queries."""
    return list(
        EvidenceFile.objects.filter(evaluation=evaluation)
        .select_related("uploaded_by")
        .prefetch_related(
            Prefetch(
                "links",
                queryset=EvidenceLink.objects.select_related("answer__indicator").order_by(
                    "answer__indicator__number", "answer__entry"
                ),
            )
        )
        .order_by("-uploaded_at", "-id")
    )


def indicator_history(evaluation, indicator) -> list[AuditEvent]:
    """Who changed what and when on one indicator, newest first. One query."""
    return list(
        AuditEvent.objects.filter(evaluation=evaluation, indicator=indicator)
        .select_related("actor")
        .order_by("-at", "-id")[:100]
    )


def indicator_answers(evaluation, indicator) -> list[Answer]:
    """One indicator's self answers (entries) with their evidence links. Two queries."""
    return list(
        Answer.objects.filter(evaluation=evaluation, indicator=indicator, phase=Phase.SELF)
        .select_related("updated_by")
        .prefetch_related(
            Prefetch(
                "evidence_links",
                queryset=EvidenceLink.objects.select_related("evidence").order_by("id"),
            )
        )
        .order_by("entry")
    )


def indicator_state_after_save(evaluation, indicator) -> str:
    """The indicator's state as stored now, for the autosave response's badge. One query."""
    answers = Answer.objects.filter(
        evaluation=evaluation, indicator=indicator, phase=Phase.SELF
    ).annotate(n_links=Count("evidence_links"))
    return indicator_state(indicator, list(answers), evaluation.period.framework)


# ---------------------------------------------------------------------------
# Pure derivations of an indicator's state from its loaded answers (no queries).
# ---------------------------------------------------------------------------

EMPTY, DRAFT, MISSING_EVIDENCE, COMPLETE = "empty", "draft", "missing_evidence", "complete"


def entry_started(answer) -> bool:
    return (
        answer.level is not None or bool(answer.note.strip()) or bool(answer.service_name.strip())
    )


def entry_answered(answer, indicator) -> bool:
    """A level, a justification when the level is above 0, a service name for multi-entry."""
    if answer.level is None:
        return False
    if answer.level > 0 and not answer.note.strip():
        return False
    return indicator.max_entries == 1 or bool(answer.service_name.strip())


def entry_needs_evidence(answer, framework) -> bool:
    return answer.level is not None and answer.level >= max(
        framework.evidence_required_from_level, 1
    )


def _links(answer) -> int:
    n = getattr(answer, "n_links", None)
    if n is None:
        n = len(answer.evidence_links.all())
    return n


def indicator_state(indicator, answers, framework) -> str:
    """empty / draft / missing_evidence / complete for one indicator's self answers.

    Entry 1 is always required; a further entry counts once it is started.
    """
    started = [a for a in answers if entry_started(a)]
    if not started:
        return EMPTY
    first = next((a for a in answers if a.entry == 1), None)
    if first is None or not entry_answered(first, indicator):
        return DRAFT
    if not all(entry_answered(a, indicator) for a in started):
        return DRAFT
    if any(entry_needs_evidence(a, framework) and _links(a) == 0 for a in started):
        return MISSING_EVIDENCE
    return COMPLETE


def progress_counts(indicators, answers, framework) -> tuple[int, int]:
    """(answered, evidenced) over the framework's indicators, from loaded answers."""
    by_indicator: dict[int, list] = {}
    for a in answers:
        by_indicator.setdefault(a.indicator_id, []).append(a)
    answered = evidenced = 0
    for ind in indicators:
        state = indicator_state(ind, by_indicator.get(ind.pk, []), framework)
        if state in (MISSING_EVIDENCE, COMPLETE):
            answered += 1
        if state == COMPLETE:
            evidenced += 1
    return answered, evidenced


def progress_for(evaluation) -> tuple[int, int]:
    """(answered, evidenced) of one evaluation, from two light queries (the save path)."""
    framework = evaluation.period.framework
    indicators = [
        SimpleNamespace(pk=pk, max_entries=m)
        for pk, m in Indicator.objects.filter(framework_id=framework.pk).values_list(
            "pk", "max_entries"
        )
    ]
    answers = [
        SimpleNamespace(**row)
        for row in Answer.objects.filter(evaluation=evaluation, phase=Phase.SELF)
        .values("indicator_id", "entry", "level", "note", "service_name")
        .annotate(n_links=Count("evidence_links"))
    ]
    return progress_counts(indicators, answers, framework)
