"""The SPBE evaluation: the framework as data, periods, each institution's evaluation,
its answers per phase, evidence, assessment, reports and the audit trail.

Status changes and every multi-row write go only through the services in
`evaluations/services/` (STYLE A1, M4). Model methods change only their own row.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from institutions.models import Institution, University

LEVEL_VALIDATORS = [MinValueValidator(0), MaxValueValidator(5)]


# ---------------------------------------------------------------------------
# The framework
# ---------------------------------------------------------------------------


class Framework(models.Model):
    """An evaluation framework (a regulation), e.g. PermenPANRB 5/2018.

    Holds the rules that differ between regulations as data: the lowest level an
    institution may claim, whether a validated level may be 0, and from which
    level evidence is required.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    regulation = models.CharField(_("regulation"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    min_self_level = models.PositiveSmallIntegerField(
        _("lowest level an institution may claim"), default=0, validators=LEVEL_VALIDATORS
    )
    allow_zero_validated = models.BooleanField(
        _("a validated level may be 0"),
        default=False,
        help_text=_("Uncertain in the regulation, so kept as data."),
    )
    evidence_required_from_level = models.PositiveSmallIntegerField(
        _("evidence required from level"),
        default=1,
        validators=LEVEL_VALIDATORS,
        help_text=_("A claimed level at or above this needs at least one evidence file."),
    )

    class MultiEntryRule(models.TextChoices):
        SEPARATE = "separate", _("Each entry counts as an indicator of the indicator's weight")
        MEAN = "mean", _("Entries are averaged into one indicator value")

    multi_entry_rule = models.CharField(
        _("how multi-entry indicators count"),
        max_length=20,
        choices=MultiEntryRule.choices,
        default=MultiEntryRule.SEPARATE,
        help_text=_(
            "Uncertain in the regulation, so kept as data. 'Separate' reproduces the "
            "published 2018 city result (indicator 35 as three services)."
        ),
    )
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["year", "code"]
        verbose_name = _("framework")
        verbose_name_plural = _("frameworks")

    def __str__(self) -> str:
        return self.name


class PredicateBand(models.Model):
    """A predicate (e.g. "Baik") and its inclusive lower bound on the 0-5 index scale.

    The upper bound is the next band's lower bound (exclusive); the top band
    includes 5.00.
    """

    framework = models.ForeignKey(
        Framework,
        on_delete=models.CASCADE,
        related_name="predicate_bands",
        verbose_name=_("framework"),
    )
    name = models.CharField(_("predicate"), max_length=50)
    lower_bound = models.DecimalField(_("lower bound"), max_digits=4, decimal_places=2)

    class Meta:
        ordering = ["framework", "-lower_bound"]
        verbose_name = _("predicate band")
        verbose_name_plural = _("predicate bands")
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "lower_bound"],
                name="evaluations_predicateband_one_bound_per_framework",
            ),
            models.CheckConstraint(
                condition=Q(lower_bound__gte=0, lower_bound__lte=5),
                name="evaluations_predicateband_bound_on_scale",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (≥ {self.lower_bound})"


class Domain(models.Model):
    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="domains", verbose_name=_("framework")
    )
    code = models.CharField(_("code"), max_length=10)  # "D1"
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["framework", "order"]
        verbose_name = _("domain")
        verbose_name_plural = _("domains")
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "code"], name="evaluations_domain_code_per_framework"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Aspect(models.Model):
    domain = models.ForeignKey(
        Domain, on_delete=models.CASCADE, related_name="aspects", verbose_name=_("domain")
    )
    code = models.CharField(_("code"), max_length=10)  # "A1"
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["domain__framework", "order"]
        verbose_name = _("aspect")
        verbose_name_plural = _("aspects")
        constraints = [
            models.UniqueConstraint(
                fields=["domain", "code"], name="evaluations_aspect_code_per_domain"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Indicator(models.Model):
    """One indicator of a framework, with its weight and the meaning of each level.

    `level_descriptions` maps "0".."5" to this project's own description of the level.
    `max_entries` > 1 means the indicator takes several entries (e.g. indicator 35 of
    5/2018: up to three public services), each answered separately; how they count
    in the index is the framework's `multi_entry_rule` (see evaluations/scoring.py).
    """

    class Ladder(models.TextChoices):
        POLICY = "policy", _("Policy")
        GOVERNANCE = "governance", _("Governance")
        SERVICE = "service", _("Service")

    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("framework")
    )
    aspect = models.ForeignKey(
        Aspect, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("aspect")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=255)
    weight = models.DecimalField(
        _("weight"), max_digits=6, decimal_places=3, help_text=_("Percent of the whole index.")
    )
    ladder = models.CharField(_("ladder"), max_length=20, choices=Ladder.choices)
    description = models.TextField(_("description"), blank=True)
    level_descriptions = models.JSONField(_("meaning of each level"), default=dict)
    evidence_guidance = models.TextField(_("evidence guidance"), blank=True)
    max_entries = models.PositiveSmallIntegerField(
        _("maximum entries"), default=1, validators=[MinValueValidator(1)]
    )
    entry_label = models.CharField(
        _("entry label"), max_length=100, blank=True, help_text=_('e.g. "Public service"')
    )

    class Meta:
        ordering = ["framework", "number"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "number"], name="evaluations_indicator_number_per_framework"
            ),
            models.CheckConstraint(
                condition=Q(weight__gt=0), name="evaluations_indicator_weight_positive"
            ),
            models.CheckConstraint(
                condition=Q(max_entries__gte=1), name="evaluations_indicator_max_entries_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"

    def level_description(self, level: int) -> str:
        return self.level_descriptions.get(str(level), "")


# ---------------------------------------------------------------------------
# Periods and extensions
# ---------------------------------------------------------------------------


class EvaluationPeriodQuerySet(models.QuerySet):
    def open_at(self, now: dt.datetime) -> EvaluationPeriodQuerySet:
        return self.filter(opens_at__lte=now, deadline__gte=now - dt.timedelta(days=1))


class EvaluationPeriod(models.Model):
    """One evaluation campaign (e.g. SPBE 2019) on one framework.

    Deadlines are data and computed at read time (STYLE M5): an institution may
    write until `deadline` + `grace_minutes`, or its extension's deadline + grace.
    """

    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=200)
    framework = models.ForeignKey(
        Framework, on_delete=models.PROTECT, related_name="periods", verbose_name=_("framework")
    )
    opens_at = models.DateTimeField(_("opens at"))
    deadline = models.DateTimeField(_("self-evaluation deadline"))
    grace_minutes = models.PositiveIntegerField(_("grace minutes"), default=0)
    document_deadline = models.DateTimeField(
        _("document-evaluation deadline"), null=True, blank=True
    )
    results_released_at = models.DateTimeField(_("results released at"), null=True, blank=True)
    reminder_offsets_days = models.JSONField(
        _("reminder offsets (days before deadline)"), default=list, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = EvaluationPeriodQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-opens_at"]
        verbose_name = _("evaluation period")
        verbose_name_plural = _("evaluation periods")
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_at__lt=F("deadline")),
                name="evaluations_period_opens_before_deadline",
            ),
            models.CheckConstraint(
                condition=Q(document_deadline__isnull=True)
                | Q(document_deadline__gt=F("deadline")),
                name="evaluations_period_document_after_deadline",
            ),
            models.UniqueConstraint(fields=["name"], name="evaluations_period_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def closes_at(self, deadline: dt.datetime | None = None) -> dt.datetime:
        """The last moment a write is accepted for a given (possibly extended) deadline."""
        return (deadline or self.deadline) + dt.timedelta(minutes=self.grace_minutes)

    def is_open(self, now: dt.datetime, deadline: dt.datetime | None = None) -> bool:
        return self.opens_at <= now <= self.closes_at(deadline)

    @property
    def default_reminder_offsets(self) -> list[int]:
        return self.reminder_offsets_days or [14, 7, 3, 1]


class Extension(models.Model):
    """A per-institution extension of a period's self-evaluation deadline.

    At most one active (not revoked) extension per institution and period; every
    grant, change and revocation is written to the audit trail by the services.
    """

    period = models.ForeignKey(
        EvaluationPeriod,
        on_delete=models.CASCADE,
        related_name="extensions",
        verbose_name=_("period"),
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.CASCADE,
        related_name="extensions",
        verbose_name=_("institution"),
    )
    new_deadline = models.DateTimeField(_("new deadline"))
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("granted by"),
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "institution"],
                condition=Q(revoked_at__isnull=True),
                name="evaluations_extension_one_active_per_institution",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution} → {self.new_deadline:%Y-%m-%d %H:%M}"


# ---------------------------------------------------------------------------
# The evaluation of one institution in one period
# ---------------------------------------------------------------------------


class EvaluationQuerySet(models.QuerySet):
    def for_period(self, period: EvaluationPeriod) -> EvaluationQuerySet:
        return self.filter(period=period)

    def submitted(self) -> EvaluationQuerySet:
        return self.filter(submitted_at__isnull=False)


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

    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="evaluations",
        verbose_name=_("institution"),
    )
    period = models.ForeignKey(
        EvaluationPeriod,
        on_delete=models.PROTECT,
        related_name="evaluations",
        verbose_name=_("period"),
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
    # Progress, denormalised by the answer services so the ministry dashboard reads
    # one row per institution instead of aggregating 35 answers each time.
    answered_count = models.PositiveSmallIntegerField(default=0, verbose_name=_("answered count"))
    evidenced_count = models.PositiveSmallIntegerField(default=0, verbose_name=_("evidenced count"))
    validated_count = models.PositiveSmallIntegerField(default=0, verbose_name=_("validated count"))
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = EvaluationQuerySet.as_manager()

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

    def mark_submitted(self, *, at: dt.datetime, by, content_hash: str) -> None:
        self.status = self.Status.SUBMITTED
        self.submitted_at = at
        self.submitted_by = by
        self.submission_hash = content_hash
        self.submission_count += 1

    mark_submitted.alters_data = True


class AssessorAssignment(models.Model):
    """An assessor of the evaluation's university assigned to check it."""

    evaluation = models.ForeignKey(
        Evaluation,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("evaluation"),
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assessor_assignments",
        verbose_name=_("assessor"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    assigned_at = models.DateTimeField(auto_now_add=True, verbose_name=_("assigned at"))
    notified_at = models.DateTimeField(null=True, blank=True, verbose_name=_("notified at"))

    class Meta:
        verbose_name = _("assessor assignment")
        verbose_name_plural = _("assessor assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "assessor"], name="evaluations_assignment_once_per_assessor"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessor} → {self.evaluation}"


class ConflictOfInterest(models.Model):
    """A university or one assessor barred from assessing a named institution."""

    institution = models.ForeignKey(
        Institution,
        on_delete=models.CASCADE,
        related_name="conflicts",
        verbose_name=_("institution"),
    )
    university = models.ForeignKey(
        University,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="conflicts",
        verbose_name=_("university"),
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="conflicts",
        verbose_name=_("assessor"),
    )
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(university__isnull=False, assessor__isnull=True)
                    | Q(university__isnull=True, assessor__isnull=False)
                ),
                name="evaluations_conflict_university_xor_assessor",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.university or self.assessor} ✕ {self.institution}"


class Phase(models.TextChoices):
    SELF = "self", pgettext_lazy("evaluation phase", "Self-evaluation")
    DOCUMENT = "document", pgettext_lazy("evaluation phase", "Document evaluation")
    INTERVIEW = "interview", pgettext_lazy("evaluation phase", "Interview")
    VISIT = "visit", pgettext_lazy("evaluation phase", "Site visit")
    FINAL = "final", pgettext_lazy("evaluation phase", "Final adjustment")


# Later phases override earlier ones: the final level is the latest phase's.
PHASE_ORDER = [Phase.SELF, Phase.DOCUMENT, Phase.INTERVIEW, Phase.VISIT, Phase.FINAL]


class Answer(models.Model):
    """A level for one indicator (entry) of one evaluation in one phase.

    Self phase: the institution's level and justification (`note`).
    Assessor phases: the validated level, explanation (`note`) and recommendation.
    `version` is bumped on every save; a save based on an older version is refused
    (optimistic concurrency, checked on the server).
    """

    Phase = Phase

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="answers", verbose_name=_("evaluation")
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
    recommendation = models.TextField(_("recommendation"), blank=True)
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


class AspectNote(models.Model):
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
    strengths = models.TextField(_("strengths"), blank=True)
    weaknesses = models.TextField(_("weaknesses"), blank=True)
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


def evidence_upload_to(instance: EvidenceFile, filename: str) -> str:
    # Unguessable storage name; the user's file name is kept only in `original_name`.
    return f"evidence/{instance.evaluation_id}/{uuid.uuid4().hex}.pdf"


class EvidenceFile(models.Model):
    """A supporting PDF (data dukung) in an institution's library for one evaluation.

    Uploaded once and linked to one or several indicator answers. Stored outside any
    public URL; served only through a permission-checked view.
    """

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("evaluation")
    )
    file = models.FileField(_("file"), upload_to=evidence_upload_to, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    title = models.CharField(_("title"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    page_count = models.PositiveIntegerField(_("pages"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(auto_now_add=True, verbose_name=_("uploaded at"))

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "sha256"], name="evaluations_evidence_same_file_once"
            ),
        ]

    def __str__(self) -> str:
        return self.original_name


class EvidenceLink(models.Model):
    """Links an evidence file to a self-phase answer (one indicator entry)."""

    evidence = models.ForeignKey(
        EvidenceFile, on_delete=models.CASCADE, related_name="links", verbose_name=_("evidence")
    )
    answer = models.ForeignKey(
        Answer, on_delete=models.CASCADE, related_name="evidence_links", verbose_name=_("answer")
    )
    page_ref = models.CharField(_("page reference"), max_length=50, blank=True)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("linked by"),
    )
    linked_at = models.DateTimeField(auto_now_add=True, verbose_name=_("linked at"))

    class Meta:
        verbose_name = _("evidence link")
        verbose_name_plural = _("evidence links")
        constraints = [
            models.UniqueConstraint(
                fields=["evidence", "answer"], name="evaluations_evidencelink_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evidence} → {self.answer_id}"


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


# ---------------------------------------------------------------------------
# Reports, exports, reminders, audit
# ---------------------------------------------------------------------------


def report_upload_to(instance: Report, filename: str) -> str:
    return f"reports/{instance.kind}/{uuid.uuid4().hex}{instance.extension}"


class Report(models.Model):
    """A generated document (PDF, ZIP, CSV, XLSX) and its rendering state.

    State lives here, not in a Celery result backend (STYLE C3). A task claims a
    QUEUED row (or a RENDERING one whose worker died) with a conditional update.
    `source_hash` is the hash of the data it was rendered from: a READY report whose
    source has not changed is reused rather than rendered again.
    """

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Submission receipt")
        INSTITUTION = "institution", _("Institution evaluation report")
        NATIONAL = "national", _("National report")
        ARCHIVE = "archive", _("ZIP of institution reports")
        EXPORT = "export", _("Data export")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RENDERING = "rendering", _("Rendering")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    evaluation = models.ForeignKey(
        Evaluation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("evaluation"),
    )
    period = models.ForeignKey(
        EvaluationPeriod,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("period"),
    )
    language = models.CharField(_("language"), max_length=10, default="id")
    format = models.CharField(_("format"), max_length=10, default="pdf")
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    file = models.FileField(
        upload_to=report_upload_to, max_length=255, blank=True, verbose_name=_("file")
    )
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    source_hash = models.CharField(max_length=64, blank=True, verbose_name=_("source hash"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    progress_done = models.PositiveIntegerField(default=0, verbose_name=_("progress done"))
    progress_total = models.PositiveIntegerField(default=0, verbose_name=_("progress total"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(auto_now_add=True, verbose_name=_("requested at"))
    claimed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        indexes = [
            models.Index(fields=["period", "kind", "status"]),  # bulk progress bar counts
            models.Index(fields=["evaluation", "kind", "language"]),  # reuse lookup
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"

    @property
    def extension(self) -> str:
        return "." + (self.format or "pdf")

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 100 if self.status == self.Status.READY else 0
        return round(100 * self.progress_done / self.progress_total)


class Reminder(models.Model):
    """A deadline reminder sent (or claimed for sending) to one institution.

    Unique per evaluation, offset and the deadline it was computed for: a moved
    deadline (extension) makes new reminders due, a re-run never sends twice.
    `offset_days` is null for a reminder an admin sent by hand.
    """

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("evaluation")
    )
    offset_days = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("offset days")
    )
    deadline = models.DateTimeField(verbose_name=_("deadline"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    recipients = models.JSONField(default=list, blank=True, verbose_name=_("recipients"))
    summary = models.TextField(blank=True, verbose_name=_("summary"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "offset_days", "deadline"],
                condition=Q(offset_days__isnull=False),
                name="evaluations_reminder_once_per_offset_and_deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation} −{self.offset_days}d"


class AuditEvent(models.Model):
    """One recorded write of the workflow: who, when, what, from which value to which.

    Written by the services in the same transaction as the change they record
    (STYLE M8). Status changes set from_status/to_status; other writes describe
    their change in `changes` as {"field": [old, new]}.
    """

    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=50)
    period = models.ForeignKey(
        EvaluationPeriod,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("period"),
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("institution"),
    )
    evaluation = models.ForeignKey(
        Evaluation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("evaluation"),
    )
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("indicator"),
    )
    from_status = models.CharField(max_length=20, blank=True, verbose_name=_("from status"))
    to_status = models.CharField(max_length=20, blank=True, verbose_name=_("to status"))
    changes = models.JSONField(default=dict, blank=True, verbose_name=_("changes"))
    note = models.TextField(blank=True, verbose_name=_("note"))

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(
                fields=["evaluation", "-at"]
            ),  # per-evaluation history, per-indicator history
            models.Index(fields=["institution", "-at"]),  # audit browser filtered by institution
            models.Index(fields=["actor", "-at"]),  # audit browser filtered by user
            models.Index(fields=["period", "-at"]),  # audit browser filtered by period
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"
