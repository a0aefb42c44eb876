"""Reads of the self-evaluation screens (institution dashboard, indicator page,
evidence library, submission check) and the extension lookups shared with the
monitoring area. No query runs in a loop."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from django.db.models import Count, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from evaluations import completeness, scoring
from evaluations.models import (
    Answer,
    AuditEvent,
    Evaluation,
    EvaluationPeriod,
    EvidenceFile,
    EvidenceLink,
    Extension,
    Indicator,
    Phase,
    Reopening,
)
from evaluations.selectors import framework as framework_cache
from spbe_portal import prepared
from spbe_portal.prepared import PreparedQuery


def active_extension(period, institution) -> Extension | None:
    """The institution's active (not revoked) extension for `period`, or None. One query."""
    return _ACTIVE_EXTENSION.first(
        period=getattr(period, "pk", period), institution=getattr(institution, "pk", institution)
    )


# Read by the pages and writes of an institution's evaluation: compiled once per process.
_ACTIVE_EXTENSION = PreparedQuery(
    lambda period, institution: Extension.objects.filter(
        period_id=period, institution_id=institution, revoked_at__isnull=True
    ).order_by("-granted_at")[:1],
    "period",
    "institution",
)


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
    """The framework's indicators with aspect and domain, in order: from the process's
    framework cache (`selectors.framework`), no query once it holds the framework."""
    return framework_cache.indicators(framework)


def self_answers(evaluation) -> list[Answer]:
    """The evaluation's self-phase answers with the number of evidence links. One query,
    compiled once per process: the dashboard, the submission check, the confirmation
    page and the submission read it."""
    return _SELF_ANSWERS_COUNTED.all(evaluation=evaluation.pk)


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


def previous_results(evaluation, *, number: int | None = None) -> dict[int, dict]:
    """Last released result per indicator number of the institution's previous evaluation.

    Returns {indicator number: {"level": latest-phase level (list for several
    entries), "recommendation": str}}; empty when no earlier evaluation of the
    institution has been released. Release is per institution, so the earlier
    evaluation itself must be RELEASED (a period-wide release date would show an
    unapproved assessment, and hide a result released for chosen institutions).
    `number` narrows it to one indicator (the indicator page). One query: the earlier
    evaluation is a subquery of the answers' (no row when there is none).
    """
    order = {phase: i for i, phase in enumerate(p.value for p in Phase)}
    latest: dict[tuple[int, int], tuple[int, int | None, str]] = {}
    ids = {"institution": evaluation.institution_id, "period": evaluation.period_id}
    if number is None:
        rows = _PREVIOUS_ANSWERS.all(**ids)
    else:
        rows = _PREVIOUS_ANSWERS_OF.all(**ids, number=number)
    for row_number, entry, phase, level, rec in rows:
        rank = order.get(phase, 0)
        key = (row_number, entry)
        if key not in latest or latest[key][0] < rank:
            latest[key] = (rank, level, rec)
    result: dict[int, dict] = {}
    for (row_number, _entry), (_rank, level, rec) in sorted(latest.items()):
        item = result.setdefault(row_number, {"levels": [], "recommendation": ""})
        item["levels"].append(level)
        if rec and not item["recommendation"]:
            item["recommendation"] = rec
    return result


def _previous_answers(institution, period, number=None):
    """The assessors' answers of the institution's latest released evaluation of a period
    that opened before `period` (all indicators, or the one numbered `number`)."""
    previous = (
        Evaluation.objects.filter(
            institution_id=institution,
            period__opens_at__lt=Subquery(
                EvaluationPeriod.objects.filter(pk=period).values("opens_at")
            ),
            status=Evaluation.Status.RELEASED,
        )
        .order_by("-period__opens_at")
        .values("pk")[:1]
    )
    rows = Answer.objects.filter(evaluation_id=Subquery(previous)).exclude(phase=Phase.SELF)
    if number is not None:
        rows = rows.filter(indicator__number=number)
    return rows.values_list("indicator__number", "entry", "phase", "level", "recommendation")


# On every indicator page and dashboard: compiled once per process.
_PREVIOUS_ANSWERS = PreparedQuery(_previous_answers, "institution", "period")
_PREVIOUS_ANSWERS_OF = PreparedQuery(_previous_answers, "institution", "period", "number")


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


def evidence_choices(evaluation) -> list[EvidenceFile]:
    """The library as the indicator page's "link a file" list offers it: newest first,
    only what the option shows. One query, however many links the files have."""
    return _EVIDENCE_CHOICES.all(evaluation=evaluation.pk)


_EVIDENCE_CHOICES = PreparedQuery(
    lambda evaluation: (
        EvidenceFile.objects.filter(evaluation_id=evaluation)
        .only("pk", "title", "original_name")
        .order_by("-uploaded_at", "-id")
    ),
    "evaluation",
)


def library_file(evaluation, pk) -> EvidenceFile | None:
    """One file of the evaluation's library by its id (None for another evaluation's or
    a missing one): what the "link a file" form names, 27 times an institution."""
    return _LIBRARY_FILE.first(evaluation=evaluation.pk, pk=pk)


_LIBRARY_FILE = PreparedQuery(
    lambda evaluation, pk: EvidenceFile.objects.filter(evaluation_id=evaluation, pk=pk),
    "evaluation",
    "pk",
)


# The indicator page's history shows the latest changes only: every autosave is an
# event, so a justification typed over a few minutes can make dozens, and rendering a
# hundred of them cost more than the rest of the page. The ministry's audit log keeps all.
INDICATOR_HISTORY_SHOWN = 20


def indicator_history(evaluation, indicator) -> tuple[list[AuditEvent], bool]:
    """Who changed what and when on one indicator, newest first: the latest
    INDICATOR_HISTORY_SHOWN events, and whether there are earlier ones. One query."""
    events = _INDICATOR_HISTORY.all(evaluation=evaluation.pk, indicator=indicator.pk)
    return events[:INDICATOR_HISTORY_SHOWN], len(events) > INDICATOR_HISTORY_SHOWN


_INDICATOR_HISTORY = PreparedQuery(
    lambda evaluation, indicator: (
        AuditEvent.objects.filter(evaluation_id=evaluation, indicator_id=indicator)
        .select_related("actor")
        .order_by("-at", "-id")[: INDICATOR_HISTORY_SHOWN + 1]
    ),
    "evaluation",
    "indicator",
)


def indicator_answers(evaluation, indicator) -> list[Answer]:
    """One indicator's self answers (entries) with their evidence links (each link with
    its file, in the order linked), as `prefetch_related` would give them. Two queries,
    compiled once per process: the indicator page and every link and upload read them."""
    ids = {"evaluation": getattr(evaluation, "pk", evaluation), "indicator": indicator.pk}
    answers = _SELF_ANSWERS.all(**ids)
    if answers:
        prepared.attach_prefetched(answers, "evidence_links", _SELF_LINKS.all(**ids))
    return answers


_SELF_ANSWERS = PreparedQuery(
    lambda evaluation, indicator: (
        Answer.objects.filter(evaluation_id=evaluation, indicator_id=indicator, phase=Phase.SELF)
        .select_related("updated_by")
        .order_by("entry")
    ),
    "evaluation",
    "indicator",
)
_SELF_LINKS = PreparedQuery(
    lambda evaluation, indicator: (
        EvidenceLink.objects.filter(
            answer__evaluation_id=evaluation,
            answer__indicator_id=indicator,
            answer__phase=Phase.SELF,
        )
        .select_related("evidence")
        .order_by("id")
    ),
    "evaluation",
    "indicator",
)


_LINK_COUNT = Coalesce(
    Subquery(
        EvidenceLink.objects.filter(answer=OuterRef("pk"))
        .order_by()
        .values("answer")
        .annotate(n=Count("pk"))
        .values("n")
    ),
    0,
)
_SELF_ANSWERS_COUNTED = PreparedQuery(
    lambda evaluation: (
        Answer.objects.filter(evaluation_id=evaluation, phase=Phase.SELF)
        .annotate(n_links=_LINK_COUNT)
        .select_related("updated_by")
        .order_by("indicator_id", "entry")
    ),
    "evaluation",
)
# An indicator's self answers with their link counts, read on every autosave: compiled
# once per process (spbe_portal.prepared), the count a subquery per row (no GROUP BY
# over the answers' columns).
_INDICATOR_SELF_ANSWERS = PreparedQuery(
    lambda evaluation, indicator: Answer.objects.filter(
        evaluation_id=evaluation, indicator_id=indicator, phase=Phase.SELF
    ).annotate(n_links=_LINK_COUNT),
    "evaluation",
    "indicator",
)


def indicator_answers_counted(evaluation_id: int, indicator_id: int) -> list[Answer]:
    """One indicator's self answers, each with `n_links` (its evidence links): what the
    save reads to check the version and derive the indicator's state. One query."""
    return _INDICATOR_SELF_ANSWERS.all(evaluation=evaluation_id, indicator=indicator_id)


# ---------------------------------------------------------------------------
# Pure derivations of an indicator's state from its loaded answers (no queries).
# ---------------------------------------------------------------------------


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
    return completeness.progress_counts(indicators, answers, framework)


# --- The submission check and the self-assessed index --------------------------------

# Missing-item messages of the submission check.
MISSING_LEVEL = _("No level chosen")
MISSING_JUSTIFICATION = _("Level %(level)s without a justification")
MISSING_SERVICE_NAME = _("Entry %(entry)s has no service name")
MISSING_EVIDENCE = _("Level %(level)s without evidence (required from level %(from)s)")
LEVEL_TOO_LOW = _("Level %(level)s is below the lowest level allowed (%(min)s)")


@dataclass(frozen=True)
class Problem:
    """One missing item of the submission check, with a link to fix it."""

    indicator_id: int
    number: int
    name: str
    entry: int
    message: str
    url: str


def _entry_problems(answer, indicator, framework) -> list[str]:
    """What one started entry still lacks, in the order the check lists it. Without a
    level nothing else can be judged, so that is the only message then."""
    if answer.level is None:
        return [str(MISSING_LEVEL)]
    messages = []
    if answer.level < framework.min_self_level:
        messages.append(LEVEL_TOO_LOW % {"level": answer.level, "min": framework.min_self_level})
    if completeness.lacks_justification(answer):
        messages.append(MISSING_JUSTIFICATION % {"level": answer.level})
    if completeness.lacks_service_name(answer, indicator):
        messages.append(MISSING_SERVICE_NAME % {"entry": answer.entry})
    if completeness.lacks_evidence(answer, framework):
        threshold = completeness.evidence_threshold(framework)
        messages.append(MISSING_EVIDENCE % {"level": answer.level, "from": threshold})
    return [str(m) for m in messages]


def _indicator_problems(indicator, answers, framework) -> list[tuple[int, str]]:
    """(entry, message) pairs of one indicator: entry 1 is always required, and every
    started entry must be complete (an untouched further entry is not asked for)."""
    started = [a for a in answers if completeness.entry_started(a)]
    problems = []
    if not any(a.entry == 1 for a in started):
        problems.append((1, str(MISSING_LEVEL)))
    for answer in started:
        problems.extend(
            (answer.entry, message) for message in _entry_problems(answer, indicator, framework)
        )
    return problems


def check_submission(evaluation: Evaluation) -> list[Problem]:
    """What is missing before the evaluation can be submitted, each with a link to fix it.

    Unanswered indicators, a level below the framework's minimum, a level above 0
    without justification, a multi-entry entry without service name, and a level at
    or above the framework's evidence_required_from_level without evidence. Read only.
    """
    framework = evaluation.period.framework
    indicators = framework_indicators(framework)
    by_indicator: dict[int, list[Answer]] = {}
    for a in self_answers(evaluation):
        by_indicator.setdefault(a.indicator_id, []).append(a)
    problems: list[Problem] = []
    for ind in indicators:
        found = list(_indicator_problems(ind, by_indicator.get(ind.pk, []), framework))
        if found:  # the link to fix it, for the indicators that need one only
            url = reverse("evaluations:answer-edit", args=[evaluation.pk, ind.pk])
            problems.extend(
                Problem(ind.pk, ind.number, ind.name, entry, message, url)
                for entry, message in found
            )
    return problems


def self_index(evaluation: Evaluation):
    """The self-assessed IndexResult of the current answers: the levels that count
    (evaluations.scoring.self_levels) through the index arithmetic. Four queries."""
    rows = Answer.objects.filter(evaluation=evaluation, phase=Phase.SELF).values_list(
        "phase", "indicator_id", "entry", "level", named=True
    )
    return scoring.compute_index(
        scoring.spec_for(evaluation.period.framework), scoring.self_levels(rows)
    )
