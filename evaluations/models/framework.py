"""The framework as data: a regulation's domains, aspects and weighted indicators,
with the rules that differ between regulations (lowest level, evidence rule) as fields.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

LEVEL_VALIDATORS = [MinValueValidator(0), MaxValueValidator(5)]


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
    # Evidence recency: a level that needs a review or evaluation document accepts one
    # dated at most this many years before the period's self-assessment deadline
    # (empty: no such rule). Which indicators and levels: Indicator.recent_evidence_from_level.
    evidence_max_age_years = models.PositiveSmallIntegerField(
        _("maximum age of a recent document (years)"), null=True, blank=True
    )
    description = models.TextField(_("description"), blank=True)
    # Bumped whenever one of the framework's domains, aspects or indicators is saved or
    # deleted (evaluations.signals). Each application process caches a framework's
    # indicators under this number (selectors.framework), and the number arrives with
    # every evaluation loaded with its period's framework, so a process notices a change
    # made elsewhere without asking the database.
    revision = models.PositiveIntegerField(_("revision"), default=0, editable=False)

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
    # "1".."5" -> what evidence shows the level is reached, in this project's words from
    # the evaluators' guide: shown next to the level choice to both sides.
    level_criteria = models.JSONField(
        _("evidence criteria of each level"), default=dict, blank=True
    )
    recent_evidence_from_level = models.PositiveSmallIntegerField(
        _("recent document needed from level"),
        null=True,
        blank=True,
        validators=LEVEL_VALIDATORS,
        help_text=_(
            "From this level the evidence must include a document younger than the "
            "framework's maximum age."
        ),
    )
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

    def level_criterion(self, level: int) -> str:
        return (self.level_criteria or {}).get(str(level), "")
