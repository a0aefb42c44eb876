"""Django admin for the evaluation models, for ministry admins (is_staff) only.

Two kinds of model live here:

- Reference data (frameworks with their predicate bands, domains, aspects,
  indicators, evaluation periods, conflicts of interest) is edited here, with
  search and filters on every list.
- Workflow records (answers, evidence, assignments, extensions, reopenings,
  reports, reminders) are written by the portal's services, which lock the
  evaluation, re-check the deadline and write the audit trail in the same
  transaction. Writing them here would skip all three, so their
  admins are view-only: for looking things up when supporting a user.
  The evaluation itself is read-mostly: its status and results change only in the
  portal. The audit trail is fully read-only.
"""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import (
    Answer,
    Aspect,
    AspectNote,
    AssessorAssignment,
    AuditEvent,
    ConflictOfInterest,
    Domain,
    Evaluation,
    EvaluationPeriod,
    EvidenceFile,
    EvidenceLink,
    Extension,
    Framework,
    Indicator,
    PredicateBand,
    Reminder,
    Reopening,
    Report,
    TaskOutbox,
    WorkerHeartbeat,
)


class ViewOnlyAdmin(admin.ModelAdmin):
    """Workflow records: visible to the ministry, written only by the portal's services."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- Reference data ----------------------------------------------------------------


class PredicateBandInline(admin.TabularInline):
    model = PredicateBand
    extra = 0
    ordering = ["-lower_bound"]


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "code",
        "regulation",
        "year",
        "min_self_level",
        "allow_zero_validated",
        "multi_entry_rule",
        "indicator_count",
    ]
    list_filter = ["year", "allow_zero_validated", "multi_entry_rule"]
    search_fields = ["name", "code", "regulation"]
    inlines = [PredicateBandInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_indicators=models.Count("indicators"))

    @admin.display(description=_("indicators"), ordering="_indicators")
    def indicator_count(self, obj: Framework) -> int:
        return obj._indicators


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "framework", "order"]
    list_filter = ["framework"]
    search_fields = ["code", "name"]
    list_select_related = ["framework"]
    autocomplete_fields = ("framework",)


@admin.register(Aspect)
class AspectAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "domain", "framework_name", "order"]
    list_filter = ["domain__framework", "domain"]
    search_fields = ["code", "name", "domain__name"]
    list_select_related = ["domain__framework"]
    autocomplete_fields = ("domain",)

    @admin.display(description=_("framework"), ordering="domain__framework__name")
    def framework_name(self, obj: Aspect) -> str:
        return obj.domain.framework.name


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "framework", "aspect", "weight", "ladder", "max_entries"]
    list_display_links = ["number", "name"]
    list_filter = ["framework", "ladder", "aspect__domain"]
    search_fields = ["name", "description", "=number"]
    list_select_related = ["framework", "aspect"]
    autocomplete_fields = ("framework", "aspect")


@admin.register(EvaluationPeriod)
class EvaluationPeriodAdmin(admin.ModelAdmin):
    list_display = ["name", "year", "framework", "opens_at", "deadline", "grace_minutes"]
    list_filter = ["framework", "year"]
    search_fields = ["name", "=year"]
    list_select_related = ["framework"]
    date_hierarchy = "deadline"
    autocomplete_fields = ("framework",)


@admin.register(ConflictOfInterest)
class ConflictOfInterestAdmin(admin.ModelAdmin):
    list_display = ["institution", "university", "assessor", "reason", "created_at"]
    list_filter = ["university", "institution__kind"]
    search_fields = [
        "institution__name",
        "institution__code",
        "university__name",
        "assessor__username",
        "assessor__first_name",
        "assessor__last_name",
        "reason",
    ]
    list_select_related = ["institution", "university", "assessor"]
    autocomplete_fields = ("institution", "university", "assessor")


# --- The evaluation (read-mostly) ----------------------------------------------------

EVALUATION_RESULT_FIELDS = [
    "status",
    "submitted_at",
    "submitted_by",
    "submission_hash",
    "submission_count",
    "assessed_at",
    "approved_at",
    "approved_by",
    "released_at",
    "self_index",
    "self_predicate",
    "final_index",
    "final_predicate",
    "answered_count",
    "evidenced_count",
    "validated_count",
    "last_activity_at",
    "created_at",
    "updated_at",
]


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    """Status and results change only in the portal (through `_transition`)."""

    list_display = [
        "institution",
        "period",
        "status",
        "university",
        "answered_count",
        "submitted_at",
        "self_index",
        "final_index",
        "final_predicate",
    ]
    list_filter = ["status", "period", "university", "institution__kind"]
    search_fields = ["institution__name", "institution__short_name", "institution__code"]
    list_select_related = ["institution", "period", "university"]
    date_hierarchy = "submitted_at"
    readonly_fields = EVALUATION_RESULT_FIELDS
    autocomplete_fields = ("institution", "period", "university")

    def get_readonly_fields(self, request, obj=None):
        # The institution and period are fixed once the evaluation exists.
        if obj is not None:
            return ["institution", "period", *EVALUATION_RESULT_FIELDS]
        return EVALUATION_RESULT_FIELDS

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- Workflow records (view-only) ----------------------------------------------------


@admin.register(Extension)
class ExtensionAdmin(ViewOnlyAdmin):
    list_display = [
        "institution",
        "period",
        "new_deadline",
        "granted_by",
        "granted_at",
        "revoked_at",
    ]
    list_filter = ["period", "institution__kind"]
    search_fields = ["institution__name", "institution__code", "reason"]
    list_select_related = ["institution", "period", "granted_by"]
    date_hierarchy = "granted_at"
    autocomplete_fields = ("period", "institution", "granted_by")


@admin.register(AssessorAssignment)
class AssessorAssignmentAdmin(ViewOnlyAdmin):
    list_display = ["assessor", "evaluation", "assigned_by", "assigned_at", "notified_at"]
    list_filter = ["evaluation__period", "assessor__university"]
    search_fields = [
        "assessor__username",
        "assessor__first_name",
        "assessor__last_name",
        "evaluation__institution__name",
    ]
    list_select_related = [
        "assessor",
        "assigned_by",
        "evaluation__institution",
        "evaluation__period",
    ]
    date_hierarchy = "assigned_at"
    autocomplete_fields = ("evaluation", "assessor", "assigned_by")


@admin.register(Answer)
class AnswerAdmin(ViewOnlyAdmin):
    list_display = [
        "evaluation",
        "indicator_number",
        "entry",
        "phase",
        "level",
        "version",
        "updated_by",
        "updated_at",
    ]
    list_filter = ["phase", "level", "evaluation__period"]
    search_fields = [
        "evaluation__institution__name",
        "evaluation__institution__code",
        "indicator__name",
        "service_name",
        "note",
    ]
    list_select_related = [
        "evaluation__institution",
        "evaluation__period",
        "indicator",
        "updated_by",
    ]
    date_hierarchy = "updated_at"
    autocomplete_fields = ("evaluation", "indicator", "updated_by")

    @admin.display(description=_("indicator"), ordering="indicator__number")
    def indicator_number(self, obj: Answer) -> int:
        return obj.indicator.number


@admin.register(AspectNote)
class AspectNoteAdmin(ViewOnlyAdmin):
    list_display = ["evaluation", "aspect", "phase", "version", "updated_by", "updated_at"]
    list_filter = ["phase", "evaluation__period"]
    search_fields = ["evaluation__institution__name", "aspect__name", "strengths", "weaknesses"]
    list_select_related = [
        "evaluation__institution",
        "evaluation__period",
        "aspect",
        "updated_by",
    ]
    autocomplete_fields = ("evaluation", "aspect", "updated_by")


class EvidenceLinkInline(admin.TabularInline):
    model = EvidenceLink
    extra = 0
    fields = ["answer", "page_ref", "linked_by", "linked_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("answer__indicator", "answer__evaluation__institution", "linked_by")
        )


@admin.register(EvidenceFile)
class EvidenceFileAdmin(ViewOnlyAdmin):
    """No upload here: evidence is checked (PDF parsing, size, sha256) by the portal."""

    list_display = [
        "original_name",
        "evaluation",
        "size",
        "page_count",
        "uploaded_by",
        "uploaded_at",
    ]
    list_filter = ["evaluation__period", "evaluation__institution__kind"]
    search_fields = ["original_name", "title", "=sha256", "evaluation__institution__name"]
    list_select_related = ["evaluation__institution", "evaluation__period", "uploaded_by"]
    date_hierarchy = "uploaded_at"
    # The stored file name is not shown: the file goes out only through the
    # portal's permission-checked view.
    exclude = ["file"]
    inlines = [EvidenceLinkInline]
    autocomplete_fields = ("evaluation", "uploaded_by")


@admin.register(EvidenceLink)
class EvidenceLinkAdmin(ViewOnlyAdmin):
    list_display = ["evidence", "answer", "page_ref", "linked_by", "linked_at"]
    list_filter = ["answer__phase", "evidence__evaluation__period"]
    search_fields = ["evidence__original_name", "answer__indicator__name", "page_ref"]
    list_select_related = [
        "evidence",
        "answer__indicator",
        "answer__evaluation__institution",
        "answer__evaluation__period",
        "linked_by",
    ]
    autocomplete_fields = ("evidence", "answer", "linked_by")


@admin.register(Reopening)
class ReopeningAdmin(ViewOnlyAdmin):
    list_display = ["evaluation", "kind", "whole", "requested_by", "requested_at", "closed_at"]
    list_filter = ["kind", "whole", "evaluation__period"]
    search_fields = ["evaluation__institution__name", "reason"]
    list_select_related = ["evaluation__institution", "evaluation__period", "requested_by"]
    date_hierarchy = "requested_at"
    autocomplete_fields = ("evaluation", "requested_by")
    filter_horizontal = ["indicators"]


@admin.register(Report)
class ReportAdmin(ViewOnlyAdmin):
    """Reports are requested and downloaded in the portal (permission-checked)."""

    list_display = [
        "kind",
        "evaluation",
        "period",
        "status",
        "language",
        "format",
        "attempts",
        "requested_at",
        "finished_at",
    ]
    list_filter = ["kind", "status", "language", "period"]
    search_fields = ["filename", "evaluation__institution__name", "error"]
    list_select_related = ["evaluation__institution", "evaluation__period", "period"]
    date_hierarchy = "requested_at"
    exclude = ["file"]
    autocomplete_fields = ("evaluation", "period", "requested_by")


@admin.register(Reminder)
class ReminderAdmin(ViewOnlyAdmin):
    list_display = ["evaluation", "offset_days", "deadline", "sent_at", "sent_by", "created_at"]
    list_filter = ["offset_days", "evaluation__period"]
    search_fields = ["evaluation__institution__name", "summary"]
    list_select_related = ["evaluation__institution", "evaluation__period", "sent_by"]
    date_hierarchy = "created_at"
    autocomplete_fields = ("evaluation", "sent_by")


@admin.register(AuditEvent)
class AuditEventAdmin(ViewOnlyAdmin):
    """The audit trail: fully read-only, never edited or deleted."""

    list_display = ["at", "action", "actor", "institution", "from_status", "to_status"]
    list_filter = ["action", "period", "to_status"]
    search_fields = [
        "action",
        "note",
        "actor__username",
        "actor__last_name",
        "institution__name",
        "institution__code",
    ]
    list_select_related = ["actor", "institution"]
    date_hierarchy = "at"
    autocomplete_fields = ("actor", "period", "institution", "evaluation", "indicator")


# --- Upkeep ------------------------------------------------------------------------


@admin.register(TaskOutbox)
class TaskOutboxAdmin(ViewOnlyAdmin):
    """Tasks the broker has not taken yet (it was down); the dispatcher sends them."""

    list_display = ["created_at", "task", "queue", "attempts", "last_error"]
    list_filter = ["task", "queue"]
    search_fields = ["task", "last_error"]
    ordering = ["created_at"]


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ViewOnlyAdmin):
    list_display = ["name", "seen_at", "hostname"]
    list_filter = ["hostname"]
    search_fields = ["name", "hostname"]
    ordering = ["name"]
