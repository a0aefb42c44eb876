"""Reads of the document evaluation, one per screen, no query in loops.

Levels are kept per phase; which one counts is evaluations.scoring's rule
(`final_levels`). Nothing of the assessment is shown to the institution before release:
`permissions.can_view_result` is the one check.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Avg,
    BooleanField,
    Case,
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from evaluations import scoring
from evaluations.completeness import entry_started
from evaluations.models import (
    Answer,
    AspectNote,
    AssessorAssignment,
    AuditEvent,
    Evaluation,
    EvaluationPeriod,
    EvidenceLink,
    Indicator,
    Phase,
    PredicateBand,
    Reopening,
)
from evaluations.selectors import evaluations_visible_to
from evaluations.selectors.audit import describe_events
from institutions.models import Institution, Role, University, User

RESULT_STATUSES = (Evaluation.Status.APPROVED, Evaluation.Status.RELEASED)
FINISHED_STATUSES = (
    Evaluation.Status.ASSESSED,
    Evaluation.Status.APPROVED,
    Evaluation.Status.RELEASED,
)


# --- levels (the rule of which level counts is evaluations.scoring's) -------------------


def answer_levels(evaluation) -> list:
    """The evaluation's answer levels as light rows (phase, indicator_id, entry, level),
    for `scoring.final_levels` / `scoring.self_levels`. One query."""
    return list(
        Answer.objects.filter(evaluation=evaluation).values_list(
            "phase", "indicator_id", "entry", "level", named=True
        )
    )


def final_levels(evaluation: Evaluation) -> dict[int, list[int]]:
    """indicator id -> validated entry levels (scoring.final_levels). One query."""
    return scoring.final_levels(answer_levels(evaluation))


def compute_results(evaluation: Evaluation, spec=None):
    """(self IndexResult, final IndexResult) of an evaluation. Four queries without `spec`."""
    spec = spec or scoring.spec_for(evaluation.period.framework)
    rows = answer_levels(evaluation)
    return (
        scoring.compute_index(spec, scoring.self_levels(rows)),
        scoring.compute_index(spec, scoring.final_levels(rows)),
    )


def missing_entries(evaluation: Evaluation) -> list[tuple[int, int]]:
    """(indicator id, entry) pairs still lacking a validated level or an explanation.

    Entries required per indicator: entry 1, and every further entry the institution
    started (an empty row made only to link a file does not need a score).
    """
    indicator_ids = list(
        Indicator.objects.filter(framework_id=evaluation.period.framework_id).values_list(
            "pk", flat=True
        )
    )
    required = {(pk, 1) for pk in indicator_ids}
    required |= {
        (answer.indicator_id, answer.entry)
        for answer in Answer.objects.filter(evaluation=evaluation, phase=Phase.SELF).only(
            "indicator_id", "entry", "level", "note", "service_name"
        )
        if entry_started(answer)
    }
    done = {
        (i, e)
        for i, e, note in Answer.objects.filter(
            evaluation=evaluation, phase=Phase.DOCUMENT, level__isnull=False
        ).values_list("indicator_id", "entry", "note")
        if note.strip()
    }
    return sorted(required - done)


def previous_evaluation(evaluation: Evaluation) -> Evaluation | None:
    """The institution's evaluation in the latest earlier period (same framework first)."""
    earlier = Evaluation.objects.filter(
        institution_id=evaluation.institution_id,
        period__opens_at__lt=evaluation.period.opens_at,
    ).select_related("period")
    return (
        earlier.filter(period__framework_id=evaluation.period.framework_id)
        .order_by("-period__opens_at")
        .first()
        or earlier.order_by("-period__opens_at").first()
    )


# --- the assessor's queue --------------------------------------------------------


def _indicator_total():
    return Coalesce(
        Subquery(
            Indicator.objects.filter(framework_id=OuterRef("period__framework_id"))
            .order_by()
            .values("framework_id")
            .annotate(n=Count("id"))
            .values("n")[:1]
        ),
        0,
    )


def assessor_queue(user) -> QuerySet:
    """The evaluations assigned to an assessor, with progress (filters.EvaluationListFilter)."""
    qs = (
        evaluations_visible_to(user)
        .select_related("institution", "period", "university")
        .annotate(
            indicator_total=_indicator_total(),
            # Work still to do (submitted, being scored) first, then the done ones,
            # newest period first within each group.
            open_work=Case(
                When(status__in=Evaluation.SCORABLE, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .order_by("-open_work", "-period__opens_at", "submitted_at", "institution__name")
    )
    return qs


# --- the scoring page ------------------------------------------------------------


@dataclass
class ScoringRow:
    indicator: Indicator
    entry: int
    self_answer: Answer | None
    doc_answer: Answer | None
    previous_level: int | None
    evidence: list = field(default_factory=list)


@dataclass
class AspectGroup:
    aspect: object
    note: AspectNote | None
    rows: list[ScoringRow] = field(default_factory=list)


def shown_entries(indicator_id: int, *answer_maps: Mapping[tuple[int, int], object]) -> list[int]:
    """The entries an indicator shows a row for: every entry present in any of the maps
    keyed by (indicator id, entry), else entry 1 alone, so that an unanswered indicator
    still gets its row. The scoring page and the institution report both list these."""
    entries = {e for answers in answer_maps for (i, e) in answers if i == indicator_id}
    return sorted(entries) or [1]


def _self_and_document_answers(evaluation: Evaluation) -> tuple[dict, dict]:
    """(self answers, document answers), each keyed by (indicator id, entry); the self
    answers come with their evidence. Two queries."""
    answers = Answer.objects.filter(
        evaluation=evaluation, phase__in=(Phase.SELF, Phase.DOCUMENT)
    ).prefetch_related(
        Prefetch(
            "evidence_links",
            queryset=EvidenceLink.objects.select_related("evidence").order_by("pk"),
        )
    )
    self_answers, doc_answers = {}, {}
    for a in answers:
        (self_answers if a.phase == Phase.SELF else doc_answers)[(a.indicator_id, a.entry)] = a
    return self_answers, doc_answers


def _previous_levels(
    evaluation: Evaluation, indicators: list[Indicator]
) -> dict[int, dict[int, int]]:
    """Last period's final levels: current indicator id -> {entry: level}. Matched by
    indicator number, because the previous period may use another framework."""
    previous = previous_evaluation(evaluation)
    if previous is None:
        return {}
    numbers = dict(
        Indicator.objects.filter(framework_id=previous.period.framework_id).values_list(
            "pk", "number"
        )
    )
    by_number = {i.number: i.pk for i in indicators}
    levels: dict[int, dict[int, int]] = {}
    for (old_id, entry), answer in scoring.counting_answers(answer_levels(previous)).items():
        current = by_number.get(numbers.get(old_id))
        if current is not None:
            levels.setdefault(current, {})[entry] = answer.level
    return levels


def _scoring_rows(
    indicator: Indicator, self_answers: dict, doc_answers: dict, previous: dict[int, int]
) -> list[ScoringRow]:
    """One row per shown entry of an indicator."""
    rows = []
    for entry in shown_entries(indicator.pk, self_answers, doc_answers):
        self_answer = self_answers.get((indicator.pk, entry))
        evidence = (
            [link.evidence for link in self_answer.evidence_links.all()] if self_answer else []
        )
        rows.append(
            ScoringRow(
                indicator=indicator,
                entry=entry,
                self_answer=self_answer,
                doc_answer=doc_answers.get((indicator.pk, entry)),
                previous_level=previous.get(entry),
                evidence=evidence,
            )
        )
    return rows


def scoring_groups(evaluation: Evaluation) -> list[AspectGroup]:
    """Per aspect, per indicator entry: self answer with evidence, validated answer,
    last period's final level. A constant number of queries."""
    indicators = list(
        Indicator.objects.filter(framework_id=evaluation.period.framework_id)
        .select_related("aspect__domain")
        .order_by("number")
    )
    self_answers, doc_answers = _self_and_document_answers(evaluation)
    notes = {
        n.aspect_id: n
        for n in AspectNote.objects.filter(evaluation=evaluation, phase=Phase.DOCUMENT)
    }
    previous_levels = _previous_levels(evaluation, indicators)
    groups: dict[int, AspectGroup] = {}
    for ind in indicators:
        group = groups.setdefault(
            ind.aspect_id, AspectGroup(aspect=ind.aspect, note=notes.get(ind.aspect_id))
        )
        group.rows.extend(
            _scoring_rows(ind, self_answers, doc_answers, previous_levels.get(ind.pk) or {})
        )
    return list(groups.values())


def open_clarification(evaluation: Evaluation) -> Reopening | None:
    return (
        Reopening.objects.filter(evaluation=evaluation, kind=Reopening.Kind.CLARIFICATION)
        .prefetch_related("indicators")
        .order_by("-requested_at")
        .first()
    )


def changes_since(evaluation: Evaluation, since) -> list[AuditEvent]:
    """What the institution changed since a moment (its audit events), newest first."""
    if since is None:
        return []
    events = list(
        AuditEvent.objects.filter(
            evaluation=evaluation,
            at__gte=since,
            actor__role__in=(Role.OPERATOR, Role.SUPERVISOR),
        )
        .select_related("indicator", "actor")
        .order_by("-at", "-id")[:200]
    )
    return describe_events(events)


def review_comments(evaluation: Evaluation) -> list[AuditEvent]:
    """The coordinator's send-back comments on this evaluation, newest first."""
    return list(
        AuditEvent.objects.filter(
            evaluation=evaluation, action=AuditEvent.Action.ASSESSMENT_SENT_BACK
        )
        .select_related("actor")
        .order_by("-at", "-id")[:20]
    )


# --- results ---------------------------------------------------------------------


@dataclass
class ResultRow:
    indicator: Indicator
    self_levels: list
    final_levels: list
    answers: list  # scoring.Reasons of the final level, per entry

    @property
    def difference(self) -> Decimal | None:
        if not self.final_levels or not self.self_levels:
            return None
        final = Decimal(sum(self.final_levels)) / len(self.final_levels)
        own = Decimal(sum(self.self_levels)) / len(self.self_levels)
        return (final - own).quantize(Decimal("0.01"))


@dataclass
class ResultSheet:
    rows: list[ResultRow]
    notes: list[AspectNote]
    self_result: object
    final_result: object
    aspects: list  # (code, name, self value, final value)
    domains: list


def result_sheet(evaluation: Evaluation) -> ResultSheet:
    """Validated next to self-assessed levels, per indicator and per aspect/domain."""
    spec = scoring.spec_for(evaluation.period.framework)
    rows = answer_levels(evaluation)
    self_levels, final = scoring.self_levels(rows), scoring.final_levels(rows)
    self_result = scoring.compute_index(spec, self_levels)
    final_result = scoring.compute_index(spec, final)
    # The explanation and recommendation of the level that counts (scoring.final_reasons),
    # not the document stage's, which a later stage or the review may have overruled.
    answers = defaultdict(list)
    reasons = scoring.final_reasons(Answer.objects.filter(evaluation=evaluation))
    for (indicator_id, _entry), shown in sorted(reasons.items()):
        answers[indicator_id].append(shown)
    rows = [
        ResultRow(
            indicator=ind,
            self_levels=self_levels.get(ind.pk, []),
            final_levels=final.get(ind.pk, []),
            answers=answers.get(ind.pk, []),
        )
        for ind in Indicator.objects.filter(framework_id=evaluation.period.framework_id)
        .select_related("aspect")
        .order_by("number")
    ]
    notes = list(
        AspectNote.objects.filter(evaluation=evaluation, phase=Phase.DOCUMENT)
        .select_related("aspect")
        .order_by("aspect__domain__order", "aspect__order")
    )
    aspects = [
        (code, name, self_result.aspects.get(code), final_result.aspects.get(code))
        for code, (_domain, name) in spec.aspects.items()
    ]
    domains = [
        (code, name, self_result.domains.get(code), final_result.domains.get(code))
        for code, name in spec.domains.items()
    ]
    return ResultSheet(rows, notes, self_result, final_result, aspects, domains)


def released_results_for(user) -> QuerySet:
    """The user's institution's evaluations with a released result (institution staff)."""
    return (
        evaluations_visible_to(user)
        .filter(status=Evaluation.Status.RELEASED)
        .select_related("period", "institution")
        .order_by("-period__opens_at")
    )


# --- coordinator ------------------------------------------------------------------


def coordinator_evaluations(university: University, period: EvaluationPeriod):
    """The university's evaluations of a period with their assessors
    (filters.EvaluationListFilter)."""
    qs = (
        Evaluation.objects.filter(period=period, university=university)
        .select_related("institution")
        .prefetch_related(
            Prefetch("assignments", queryset=AssessorAssignment.objects.select_related("assessor"))
        )
        .annotate(indicator_total=_indicator_total())
        .order_by("institution__name")
    )
    return qs


def assessor_progress(university: University, period: EvaluationPeriod) -> QuerySet:
    """The university's assessors with their load and progress in the period (one query)."""
    in_period = Q(assessor_assignments__evaluation__period=period)
    return (
        User.objects.filter(role=Role.ASSESSOR, university=university, is_active=True)
        .annotate(
            assigned=Count("assessor_assignments", filter=in_period),
            done=Count(
                "assessor_assignments",
                filter=in_period
                & Q(assessor_assignments__evaluation__status__in=FINISHED_STATUSES),
            ),
            scoring=Count(
                "assessor_assignments",
                filter=in_period
                & Q(assessor_assignments__evaluation__status=Evaluation.Status.UNDER_ASSESSMENT),
            ),
        )
        .order_by("last_name", "username")
    )


# --- admin: universities ----------------------------------------------------------


def university_counts(period: EvaluationPeriod) -> list[tuple[University | None, int, int]]:
    """(university, evaluations, with an assessor) per university, plus unassigned (None)."""
    rows = {
        uid: (n, staffed)
        for uid, n, staffed in Evaluation.objects.filter(period=period)
        .values_list("university_id")
        .annotate(
            n=Count("id"),
            staffed=Count(
                "id", filter=Exists(AssessorAssignment.objects.filter(evaluation=OuterRef("pk")))
            ),
        )
        .values_list("university_id", "n", "staffed")
    }
    result = [
        (u, *rows.get(u.pk, (0, 0)))
        for u in University.objects.filter(is_active=True).order_by("code")
    ]
    result.append((None, *rows.get(None, (0, 0))))
    return result


def period_evaluations_for_assignment(period: EvaluationPeriod):
    """The period's evaluations with their university (filters.UniversityAssignmentFilter)."""
    qs = (
        Evaluation.objects.filter(period=period)
        .select_related("institution", "university")
        .order_by("institution__code")
    )
    return qs


def assignment_split(period: EvaluationPeriod):
    """Per university and per assessor: how many evaluations of the period each has."""
    per_university = list(
        Evaluation.objects.filter(period=period)
        .values("university__code", "university__short_name")
        .annotate(n=Count("id"))
        .order_by("university__code")
    )
    per_assessor = list(
        AssessorAssignment.objects.filter(evaluation__period=period)
        .values("assessor__username", "assessor__university__code")
        .annotate(n=Count("id"))
        .order_by("assessor__university__code", "assessor__username")
    )
    return per_university, per_assessor


# --- admin: release and national figures -----------------------------------------


def release_candidates(period: EvaluationPeriod):
    return (
        Evaluation.objects.filter(period=period, status__in=RESULT_STATUSES)
        .select_related("institution", "university", "period", "review")
        .order_by("status", "institution__name")
    )


def status_counts(period: EvaluationPeriod) -> dict[str, int]:
    return dict(
        Evaluation.objects.filter(period=period)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )


@dataclass
class NationalFigures:
    count: int
    index: Decimal | None
    predicate: str
    by_predicate: list  # (name, count)
    by_kind: list  # (label, count, mean)


def national_figures(period: EvaluationPeriod) -> NationalFigures:
    """National index (mean over institutions with an approved/released result) and the
    distributions by predicate and by kind of institution. Three queries."""
    from evaluations import scoring

    results = Evaluation.objects.filter(
        period=period, status__in=RESULT_STATUSES, final_index__isnull=False
    )
    overall = results.aggregate(n=Count("id"), mean=Avg("final_index"))
    mean = overall["mean"]
    index = scoring.round_half_up(mean) if mean is not None else None
    bands = list(
        PredicateBand.objects.filter(framework_id=period.framework_id)
        .order_by("-lower_bound")
        .values_list("name", "lower_bound")
    )
    counts = dict(
        results.values_list("final_predicate")
        .annotate(n=Count("id"))
        .values_list("final_predicate", "n")
    )
    by_predicate = [(name, counts.get(name, 0)) for name, _ in bands]
    rows = {
        row["institution__kind"]: row
        for row in results.values("institution__kind")
        .annotate(n=Count("id"), mean=Avg("final_index"))
        .order_by()
    }
    by_kind = [  # in the order of Institution.Kind (central first, then local)
        (label, rows[kind]["n"], scoring.round_half_up(rows[kind]["mean"]))
        for kind, label in Institution.Kind.choices
        if kind in rows
    ]
    return NationalFigures(
        count=overall["n"],
        index=index,
        predicate=scoring.predicate_for(index, bands) if index is not None else "",
        by_predicate=by_predicate,
        by_kind=by_kind,
    )


def next_to_review(user, evaluation):
    """The evaluation the reviewer should open after this one: the longest waiting
    assessment marked complete in the same period (None when there is none)."""
    return (
        evaluations_visible_to(user)
        .filter(period_id=evaluation.period_id, status=Evaluation.Status.ASSESSED)
        .exclude(pk=evaluation.pk)
        .select_related("institution")
        .order_by("assessed_at", "pk")
        .first()
    )
