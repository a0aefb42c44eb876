"""The interview and what leads to it: the agenda the assessor marks during the
document stage, the institution's responses in the clarification window with the
assessor's decision, and the meetings (interview or site visit) with their slots,
attendance and minutes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from evaluations.models.evaluation import Evaluation
from evaluations.models.framework import Indicator

QUESTION_LENGTH = 500


class AgendaItem(models.Model):
    """An indicator the assessor will raise at the interview, with a short question.

    Marked during the document stage; the items of an evaluation are the interview's
    agenda, shown to the assessor at the interview and to the institution with its
    provisional result. One item per indicator.
    """

    evaluation = models.ForeignKey(
        Evaluation,
        on_delete=models.CASCADE,
        related_name="agenda_items",
        verbose_name=_("evaluation"),
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="+", verbose_name=_("indicator")
    )
    question = models.CharField(_("question"), max_length=QUESTION_LENGTH, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("marked by"),
    )
    created_at = models.DateTimeField(_("marked at"), auto_now_add=True)

    class Meta:
        verbose_name = _("interview agenda item")
        verbose_name_plural = _("interview agenda items")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "indicator"], name="evaluations_agenda_one_per_indicator"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation} #{self.indicator_id}"


class ClarificationResponse(models.Model):
    """The institution's response to its provisional result for one indicator entry,
    written in the clarification window, with evidence, and the assessor's decision.

    Accepted: `new_level` is recorded as an answer of the clarification phase (the
    level that counts from then on, until a later stage changes it). Not accepted:
    `reason` says why. A decided response is final.
    """

    class Decision(models.TextChoices):
        PENDING = "pending", _("Awaiting the assessor's decision")
        ACCEPTED = "accepted", _("Accepted")
        NOT_ACCEPTED = "not_accepted", _("Not accepted")

    evaluation = models.ForeignKey(
        Evaluation,
        on_delete=models.CASCADE,
        related_name="clarification_responses",
        verbose_name=_("evaluation"),
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="+", verbose_name=_("indicator")
    )
    entry = models.PositiveSmallIntegerField(_("entry"), default=1)
    text = models.TextField(_("response"))
    evidence = models.ManyToManyField(
        "evaluations.EvidenceFile", blank=True, related_name="+", verbose_name=_("evidence")
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("written by"),
    )
    written_at = models.DateTimeField(_("written at"))
    decision = models.CharField(
        _("decision"), max_length=20, choices=Decision.choices, default=Decision.PENDING
    )
    new_level = models.PositiveSmallIntegerField(_("new level"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("clarification response")
        verbose_name_plural = _("clarification responses")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "indicator", "entry"],
                name="evaluations_response_one_per_entry",
            ),
            models.CheckConstraint(
                condition=~Q(decision="accepted") | Q(new_level__isnull=False),
                name="evaluations_response_accepted_has_level",
            ),
            models.CheckConstraint(
                condition=~Q(decision="not_accepted") | ~Q(reason=""),
                name="evaluations_response_refusal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation} #{self.indicator_id}.{self.entry}"


class Meeting(models.Model):
    """The interview, or a site visit, of one evaluation: the slots the assessor
    proposes, the one the institution picks, the record of attendance and minutes.

    A site visit starts as `selected` (the admin or coordinator chose the institution,
    with a reason); both kinds then go proposed -> scheduled -> held. `sequence` is the
    calendar file's revision, raised at each reschedule so calendars update the event;
    `reminded_for` is the start time the day-before reminder was sent for (claimed once).
    """

    class Kind(models.TextChoices):
        INTERVIEW = "interview", _("Interview")
        VISIT = "visit", _("Site visit")

    class Status(models.TextChoices):
        SELECTED = "selected", _("Selected for a visit")
        PROPOSED = "proposed", _("Times proposed")
        SCHEDULED = "scheduled", _("Scheduled")
        HELD = "held", _("Held")

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="meetings", verbose_name=_("evaluation")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    selection_reason = models.TextField(_("reason for the visit"), blank=True)
    selected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("selected by"),
    )
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    location = models.CharField(_("meeting link or place"), max_length=500, blank=True)
    sequence = models.PositiveIntegerField(_("calendar revision"), default=0)
    reminded_for = models.DateTimeField(_("reminder sent for"), null=True, blank=True)
    attendance = models.TextField(_("attendance"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    held_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("interview or visit")
        verbose_name_plural = _("interviews and visits")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "kind"], name="evaluations_meeting_one_per_kind"
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True) | Q(starts_at__lt=models.F("ends_at")),
                name="evaluations_meeting_starts_before_end",
            ),
        ]
        indexes = [models.Index(fields=["status", "starts_at"])]  # the reminder scan

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.evaluation}"


class MeetingSlot(models.Model):
    """A time the assessor offers for the meeting."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="slots", verbose_name=_("meeting")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    location = models.CharField(_("meeting link or place"), max_length=500)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("proposed time")
        verbose_name_plural = _("proposed times")
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=models.F("ends_at")),
                name="evaluations_slot_starts_before_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} {self.starts_at:%Y-%m-%d %H:%M}"
