"""An institution's evaluation in one period, its answers per phase, the assessors'
aspect notes, and reopenings (returns to the institution).

Status changes go only through the services in `evaluations/services/`, which lock the
evaluation row and write the audit event in the same transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from evaluations.models.framework import LEVEL_VALIDATORS, Aspect, Indicator
from evaluations.models.period import EvaluationPeriod
from institutions.models import Institution, University


class Evaluation(models.Model):
    """One institution's evaluation in one period, through every phase.

    Status changes go only through the services in `evaluations/services/`, which
    route through one `_transition(...)` that checks ALLOWED_TRANSITIONS and writes
    the audit event in the same transaction.
    """

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned")
        UNDER_ASSESSMENT = "under_assessment", _("Under assessment")
        ASSESSED = "assessed", _("Assessed, awaiting review")
        APPROVED = "approved", _("Approved")
        RELEASED = "released", _("Released")

    ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
        Status.NOT_STARTED: frozenset({Status.IN_PROGRESS}),
        Status.IN_PROGRESS: frozenset({Status.SUBMITTED}),
        Status.SUBMITTED: frozenset({Status.RETURNED, Status.UNDER_ASSESSMENT}),
        Status.RETURNED: frozenset({Status.SUBMITTED}),
        Status.UNDER_ASSESSMENT: frozenset({Status.RETURNED, Status.ASSESSED}),
        Status.ASSESSED: frozenset({Status.UNDER_ASSESSMENT, Status.APPROVED}),
        Status.APPROVED: frozenset({Status.RELEASED, Status.UNDER_ASSESSMENT}),
        Status.RELEASED: frozenset(),
    }
    # Statuses in which the institution may still write (subject to the deadline).
    SELF_EDITABLE = frozenset({Status.NOT_STARTED, Status.IN_PROGRESS})
    # Statuses in which the assignment may still change (scoring not yet finished).
    ASSIGNABLE = frozenset(
        {
            Status.NOT_STARTED,
            Status.IN_PROGRESS,
            Status.SUBMITTED,
            Status.RETURNED,
            Status.UNDER_ASSESSMENT,
        }
    )
    # Statuses in which an assessor has started scoring (or finished): the assessors of
    # the evaluation stay with it through every stage, so replacing one needs a reason.
    SCORING_STARTED = frozenset(
        {Status.UNDER_ASSESSMENT, Status.ASSESSED, Status.APPROVED, Status.RELEASED}
    )
    # Statuses in which the assessor scores.
    SCORABLE = frozenset({Status.SUBMITTED, Status.UNDER_ASSESSMENT})
    # Statuses with an assessment to review (marked complete, or later).
    REVIEWABLE = frozenset({Status.ASSESSED, Status.APPROVED, Status.RELEASED})
    # A sampled evaluation's second, blind assessment: from submission until approval.
    SECOND_SCORABLE = frozenset({Status.SUBMITTED, Status.UNDER_ASSESSMENT, Status.ASSESSED})

    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="evaluations",
        verbose_name=_("institution"),
        db_index=False,  # the unique (institution, period) index starts with it
    )
    period = models.ForeignKey(
        EvaluationPeriod,
        on_delete=models.PROTECT,
        related_name="evaluations",
        verbose_name=_("period"),
        db_index=False,  # the (period, status) index starts with it
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED
    )
    university = models.ForeignKey(
        University,
        verbose_name=_("assessing university"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="evaluations",
    )
    # Submission
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submission_hash = models.CharField(_("content hash at submission"), max_length=64, blank=True)
    submission_count = models.PositiveSmallIntegerField(
        default=0, verbose_name=_("submission count")
    )
    # Assessment and results
    assessed_at = models.DateTimeField(_("assessment completed at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    self_index = models.DecimalField(
        _("self-assessed index"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    self_predicate = models.CharField(_("self-assessed predicate"), max_length=50, blank=True)
    final_index = models.DecimalField(
        _("final index"), max_digits=4, decimal_places=2, null=True, blank=True
    )
    final_predicate = models.CharField(_("final predicate"), max_length=50, blank=True)
    # Drawn into the ministry review's sample (periods reviewed by sample only).
    in_review_sample = models.BooleanField(_("in the review sample"), default=False)
    # Progress, denormalised by the answer services so the ministry dashboard reads
    # one row per institution instead of aggregating 35 answers each time.
    answered_count = models.PositiveSmallIntegerField(default=0, verbose_name=_("answered count"))
    evidenced_count = models.PositiveSmallIntegerField(default=0, verbose_name=_("evidenced count"))
    validated_count = models.PositiveSmallIntegerField(default=0, verbose_name=_("validated count"))
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "period"], name="evaluations_evaluation_one_per_period"
            ),
            models.CheckConstraint(
                condition=Q(submitted_at__isnull=True) | Q(submitted_by__isnull=False),
                name="evaluations_evaluation_submitted_has_submitter",
            ),
            models.CheckConstraint(
                condition=Q(final_index__isnull=True) | Q(final_index__gte=0, final_index__lte=5),
                name="evaluations_evaluation_final_index_on_scale",
            ),
        ]
        indexes = [
            models.Index(fields=["period", "status"]),  # admin progress dashboard counts
            models.Index(fields=["period", "university"]),  # coordinator's university view
        ]

    def __str__(self) -> str:
        return f"{self.institution} — {self.period}"

    def can_transition_to(self, status: str) -> bool:
        return status in self.ALLOWED_TRANSITIONS.get(self.status, frozenset())

    @property
    def is_with_institution(self) -> bool:
        """The institution still holds it (not started, in progress or returned): its
        deadline matters; otherwise it has been handed in."""
        return self.status in (
            self.Status.NOT_STARTED,
            self.Status.IN_PROGRESS,
            self.Status.RETURNED,
        )


class VersionedRow(models.Model):
    """A row edited by people through autosave: its version is compared with the one the
    editor's form was loaded from (an edit conflict when they differ), and who saved it
    last, when, is shown next to it."""

    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        abstract = True


class Phase(models.TextChoices):
    SELF = "self", pgettext_lazy("evaluation phase", "Self-evaluation")
    DOCUMENT = "document", pgettext_lazy("evaluation phase", "Document evaluation")
    # A level the assessor accepted from the institution's response in the clarification
    # window after the document stage: it ranks after the document level it corrects and
    # before the interview, so the interview carries it over like any earlier stage's.
    CLARIFICATION = "clarification", pgettext_lazy("evaluation phase", "Clarification")
    INTERVIEW = "interview", pgettext_lazy("evaluation phase", "Interview")
    VISIT = "visit", pgettext_lazy("evaluation phase", "Site visit")
    FINAL = "final", pgettext_lazy("evaluation phase", "Final adjustment")
    # The ministry review team's correction of a level it found not valid: the last
    # word, so it ranks after every assessor phase.
    REVIEW = "review", pgettext_lazy("evaluation phase", "Ministry review")


PHASE_ORDER = [
    Phase.SELF,
    Phase.DOCUMENT,
    Phase.CLARIFICATION,
    Phase.INTERVIEW,
    Phase.VISIT,
    Phase.FINAL,
    Phase.REVIEW,
]


class Answer(VersionedRow):
    """A level for one indicator (entry) of one evaluation in one phase.

    Self phase: the institution's level and justification (`note`).
    Assessor phases: the validated level, explanation (`note`) and recommendation.
    `version` is bumped on every save; a save based on an older version is refused
    (optimistic concurrency, checked on the server).
    """

    Phase = Phase

    evaluation = models.ForeignKey(
        Evaluation,
        on_delete=models.CASCADE,
        related_name="answers",
        verbose_name=_("evaluation"),
        # The unique (evaluation, indicator, entry, phase) index starts with it.
        db_index=False,
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="answers", verbose_name=_("indicator")
    )
    entry = models.PositiveSmallIntegerField(_("entry"), default=1)
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices, default=Phase.SELF)
    service_name = models.CharField(_("service name"), max_length=255, blank=True)
    level = models.PositiveSmallIntegerField(
        _("level"), null=True, blank=True, validators=LEVEL_VALIDATORS
    )
    note = models.TextField(_("justification / explanation"), blank=True)
    # The assessor's explanation in the three parts of the evaluators' guide: the facts
    # found in the evidence, the analysis against the level's criteria, and the
    # justification of the level chosen.
    facts = models.TextField(_("facts"), blank=True)
    analysis = models.TextField(_("analysis"), blank=True)
    justification = models.TextField(_("justification"), blank=True)
    recommendation = models.TextField(_("recommendation"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "indicator", "entry", "phase"],
                name="evaluations_answer_one_per_indicator_entry_phase",
            ),
            models.CheckConstraint(
                condition=Q(level__isnull=True) | Q(level__gte=0, level__lte=5),
                name="evaluations_answer_level_on_scale",
            ),
            models.CheckConstraint(
                condition=Q(entry__gte=1), name="evaluations_answer_entry_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["evaluation", "phase"]),  # questionnaire / scoring page loads
        ]

    def __str__(self) -> str:
        return f"{self.evaluation} #{self.indicator.number}.{self.entry} ({self.phase})"


class AspectNote(VersionedRow):
    """An assessor's strengths and weaknesses for one aspect of one evaluation."""

    evaluation = models.ForeignKey(
        Evaluation,
        on_delete=models.CASCADE,
        related_name="aspect_notes",
        verbose_name=_("evaluation"),
    )
    aspect = models.ForeignKey(
        Aspect, on_delete=models.PROTECT, related_name="+", verbose_name=_("aspect")
    )
    phase = models.CharField(
        _("phase"), max_length=20, choices=Phase.choices, default=Phase.DOCUMENT
    )
    # Which indicators of the aspect are fulfilled (at levels 2-5, see evaluations.drafting).
    fulfilment = models.TextField(_("fulfilment"), blank=True)
    strengths = models.TextField(_("strengths"), blank=True)
    weaknesses = models.TextField(_("weaknesses"), blank=True)

    class Meta:
        verbose_name = _("aspect note")
        verbose_name_plural = _("aspect notes")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "aspect", "phase"],
                name="evaluations_aspectnote_one_per_phase",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation} {self.aspect.code}"


class GeneralRecommendation(models.Model):
    """The assessors' general recommendation to one institution, in the four parts of the
    evaluators' guide: a summary, the strongest aspect, the weakest aspect, and
    appreciation or advice for improvement."""

    evaluation = models.OneToOneField(
        Evaluation,
        on_delete=models.CASCADE,
        related_name="general_recommendation",
        verbose_name=_("evaluation"),
    )
    summary = models.TextField(_("summary"), blank=True)
    strongest = models.TextField(_("strongest aspect"), blank=True)
    weakest = models.TextField(_("weakest aspect"), blank=True)
    advice = models.TextField(_("appreciation or advice"), blank=True)
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    PARTS = ("summary", "strongest", "weakest", "advice")

    class Meta:
        verbose_name = _("general recommendation")
        verbose_name_plural = _("general recommendations")

    def __str__(self) -> str:
        return f"{self.evaluation}"


class Reopening(models.Model):
    """A return of a submitted evaluation to the institution: whole, or named indicators.

    Made by an admin (return) or an assessor (clarification request). While open,
    the institution may change only what it covers; `closed_at` is set on resubmission.
    """

    class Kind(models.TextChoices):
        RETURN = "return", _("Returned by the ministry")
        CLARIFICATION = "clarification", _("Clarification requested by the assessor")

    evaluation = models.ForeignKey(
        Evaluation,
        on_delete=models.CASCADE,
        related_name="reopenings",
        verbose_name=_("evaluation"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    whole = models.BooleanField(_("whole evaluation"), default=False)
    indicators = models.ManyToManyField(
        Indicator, blank=True, related_name="+", verbose_name=_("indicators")
    )
    reason = models.TextField(_("reason"))
    due_at = models.DateTimeField(_("answer due"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(auto_now_add=True, verbose_name=_("requested at"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("reopening")
        verbose_name_plural = _("reopenings")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation"],
                condition=Q(closed_at__isnull=True),
                name="evaluations_reopening_one_open_per_evaluation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.evaluation}"
