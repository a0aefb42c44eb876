"""The list filters of the evaluation screens, one FilterSet per list (django-filter).

Every list takes its search and filters from the query string the same way: the view
builds the scoped queryset (what the user may see at all, see `evaluations_visible_to`),
a FilterSet narrows it, and an unknown or malformed value is ignored rather than
answered with an error, so a stale bookmark still shows the list. Choices that come
from the database (provinces, universities, periods) are passed in by the view from
lists it has already loaded, so rendering a filter form runs no query of its own.
"""

from __future__ import annotations

import copy
import datetime as dt
from types import SimpleNamespace

import django_filters
from django import forms
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from evaluations.forms.dates import DATE_INPUT_FORMATS
from evaluations.models import AuditEvent, Evaluation, FollowUp
from evaluations.wib import WIB
from institutions.models import Institution, Role, User


def values(filterset: django_filters.FilterSet) -> SimpleNamespace:
    """The values that were understood, by filter name ("" or None when unset), for the
    templates that echo them in their inputs."""
    filterset.is_valid()  # a partly bad query string keeps its valid fields
    cleaned = getattr(filterset.form, "cleaned_data", {})
    return SimpleNamespace(
        **{
            name: "" if cleaned.get(name) in (None, False) else cleaned[name]
            for name in filterset.filters
        }
    )


def _blank(label):
    return [("", label)]


def _search_institution(queryset, name, value):
    """Name, short name or code of the evaluation's institution."""
    value = value.strip()
    if not value:
        return queryset
    return queryset.filter(
        Q(institution__name__icontains=value)
        | Q(institution__short_name__icontains=value)
        | Q(institution__code__icontains=value)
    )


def _province_and_regions(queryset, name, value):
    """A province (by its institution id) with its kabupaten and kota."""
    if not value:
        return queryset
    return queryset.filter(Q(institution__province_id=value) | Q(institution_id=value))


class PolledFilterSet(django_filters.FilterSet):
    """A FilterSet for the lists the dashboards poll every few seconds.

    django-filter deep-copies every filter and builds a new form class on each request
    (about a millisecond of CPU per poll of the dashboard's list, measured). These
    filters keep no per-request state: the choices that come from the database are set
    on the form instance, which Django copies from the class's fields anyway. So the
    filters are copied shallowly and the form class is built once per FilterSet class.
    """

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        base = type(self).base_filters
        self.base_filters = {}  # the parent's deep copy then has nothing to copy
        super().__init__(data, queryset, request=request, prefix=prefix)
        del self.base_filters
        self.filters = {name: copy.copy(filter_) for name, filter_ in base.items()}
        for filter_ in self.filters.values():
            filter_.model = self.queryset.model
            filter_.parent = self
            if filter_.method is not None:
                # The setter binds a new method wrapper to this copy (the shared one
                # would look for the method on the class's filter, which has no parent).
                filter_.method = filter_.method

    def get_form_class(self):
        cls = type(self)
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            cls._form_class = form_class
        return form_class


class EvaluationListFilter(PolledFilterSet):
    """Search, status and kind of institution: the assessor's queue, the coordinator's
    list, and the base of the other evaluation lists."""

    q = django_filters.CharFilter(method=_search_institution, label=_("Search"))
    status = django_filters.ChoiceFilter(choices=Evaluation.Status.choices, label=_("Status"))
    kind = django_filters.ChoiceFilter(
        field_name="institution__kind", choices=Institution.Kind.choices, label=_("Kind")
    )

    class Meta:
        model = Evaluation
        fields = ["q", "status", "kind"]


class UniversityAssignmentFilter(EvaluationListFilter):
    """The admin's institutions -> universities list: also by university code, or
    "none" for the evaluations no university has yet."""

    university = django_filters.CharFilter(method="filter_university", label=_("University"))

    class Meta(EvaluationListFilter.Meta):
        fields = ["q", "status", "kind", "university"]

    def filter_university(self, queryset, name, value):
        if value == "none":
            return queryset.filter(university__isnull=True)
        return queryset.filter(university__code=value) if value else queryset


# The monitoring list's orders; "deadline" needs the `annotate_deadline` annotation.
SORTS = {
    "name": ("institution__name",),
    "-name": ("-institution__name",),
    "status": ("status", "institution__name"),
    "progress": ("answered_count", "institution__name"),
    "-progress": ("-answered_count", "institution__name"),
    "activity": (F("last_activity_at").asc(nulls_first=True), "institution__name"),
    "-activity": (F("last_activity_at").desc(nulls_last=True), "institution__name"),
    "deadline": ("effective_deadline", "institution__name"),
}
DEFAULT_SORT = "name"
SORT_CHOICES = [
    ("name", _("Name (A-Z)")),
    ("-name", _("Name (Z-A)")),
    ("status", _("Status")),
    ("progress", _("Least progress first")),
    ("-progress", _("Most progress first")),
    ("-activity", _("Latest activity first")),
    ("activity", _("Oldest activity first")),
    ("deadline", _("Earliest deadline first")),
]


class MonitoringListFilter(EvaluationListFilter):
    """The dashboard's institution list: search, status, kind, province with its
    regions, university, at risk only, and the order. The queryset must carry the
    `annotate_deadline` and at-risk annotations (selectors.monitoring.list_queryset)."""

    province = django_filters.TypedChoiceFilter(
        method=_province_and_regions, coerce=int, empty_value=None, label=_("Province")
    )
    university = django_filters.TypedChoiceFilter(
        field_name="university_id", coerce=int, empty_value=None, label=_("University")
    )
    at_risk = django_filters.BooleanFilter(
        method="filter_at_risk", widget=forms.CheckboxInput, label=_("At risk only")
    )
    sort = django_filters.ChoiceFilter(
        method="filter_sort", choices=SORT_CHOICES, empty_label=None, label=_("Sort")
    )

    class Meta(EvaluationListFilter.Meta):
        fields = ["q", "status", "kind", "province", "university", "at_risk", "sort"]

    def __init__(self, data=None, *args, provinces=(), universities=(), **kwargs):
        super().__init__(data, *args, **kwargs)
        form_fields = self.form.fields
        form_fields["status"].choices = _blank(_("All statuses")) + Evaluation.Status.choices
        form_fields["kind"].choices = _blank(_("All kinds")) + Institution.Kind.choices
        form_fields["province"].choices = _blank(_("All provinces")) + list(provinces)
        form_fields["university"].choices = _blank(_("All universities")) + list(universities)

    @property
    def qs(self):
        # The default order applies when no (valid) sort was asked for.
        qs = super().qs
        return qs if qs.query.order_by else qs.order_by(*SORTS[DEFAULT_SORT])

    def filter_at_risk(self, queryset, name, value):
        return queryset.filter(at_risk=True) if value else queryset

    def filter_sort(self, queryset, name, value):
        return queryset.order_by(*SORTS.get(value, SORTS[DEFAULT_SORT]))


class HeatmapFilter(PolledFilterSet):
    """The heatmap's rows: a kind of institution, a province with its regions."""

    kind = EvaluationListFilter.base_filters["kind"]
    province = django_filters.TypedChoiceFilter(
        method=_province_and_regions, coerce=int, empty_value=None, label=_("Province")
    )

    class Meta:
        model = Evaluation
        fields = ["kind", "province"]

    def __init__(self, data=None, *args, provinces=(), **kwargs):
        super().__init__(data, *args, **kwargs)
        self.form.fields["kind"].choices = _blank(_("All kinds")) + Institution.Kind.choices
        self.form.fields["province"].choices = _blank(_("All provinces")) + list(provinces)


def _wib_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=WIB)


class AuditFilter(django_filters.FilterSet):
    """The audit trail: institution (id or name), user, period, action, and days in WIB
    (from the first to the last day, both included)."""

    institution = django_filters.NumberFilter(field_name="institution_id", widget=forms.HiddenInput)
    institution_name = django_filters.CharFilter(
        method="filter_institution_name", label=_("Institution")
    )
    user = django_filters.CharFilter(method="filter_user", label=_("User"))
    period = django_filters.TypedChoiceFilter(
        field_name="period_id", coerce=int, empty_value=None, label=_("Period")
    )
    action = django_filters.ChoiceFilter(choices=AuditEvent.Action.choices, label=_("Action"))
    date_from = django_filters.DateFilter(
        method="filter_date_from",
        widget=forms.DateInput(attrs={"type": "date"}),
        label=_("From"),
        input_formats=DATE_INPUT_FORMATS,
    )
    date_to = django_filters.DateFilter(
        method="filter_date_to",
        widget=forms.DateInput(attrs={"type": "date"}),
        label=_("Until"),
        input_formats=DATE_INPUT_FORMATS,
    )

    class Meta:
        model = AuditEvent
        fields = [
            "institution",
            "institution_name",
            "user",
            "period",
            "action",
            "date_from",
            "date_to",
        ]

    def __init__(self, data=None, *args, periods=(), actions=(), **kwargs):
        super().__init__(data, *args, **kwargs)
        self.form.fields["period"].choices = _blank(_("All periods")) + [
            (p.pk, p.name) for p in periods
        ]
        # Only the actions recorded so far are offered; any known action is accepted.
        self.form.fields["action"].choices = _blank(_("All actions")) + list(actions)
        self.form.fields["action"].valid_value = lambda value: value in AuditEvent.Action.values

    def filter_institution_name(self, queryset, name, value):
        return queryset.filter(
            Q(institution__name__icontains=value) | Q(institution__short_name__icontains=value)
        )

    def filter_user(self, queryset, name, value):
        return queryset.filter(
            Q(actor__username__icontains=value)
            | Q(actor__first_name__icontains=value)
            | Q(actor__last_name__icontains=value)
            | Q(actor__email__icontains=value)
        )

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(at__gte=_wib_midnight(value))

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(at__lt=_wib_midnight(value + dt.timedelta(days=1)))


class PeopleFilter(django_filters.FilterSet):
    """The people page: a search (name, email, institution name, or an institution's or
    university's exact code) and a role."""

    q = django_filters.CharFilter(method="filter_search", label=_("Search"))
    role = django_filters.ChoiceFilter(choices=Role.choices, label=_("Role"))

    class Meta:
        model = User
        fields = ["q", "role"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
            | Q(email__icontains=value)
            | Q(institution__name__icontains=value)
            | Q(institution__code=value)
            | Q(university__code=value)
        )


class FollowUpFilter(django_filters.FilterSet):
    """The institution's follow-up page: by status, indicator number and the period the
    recommendation came from. The view passes the indicator numbers and periods it has
    already loaded as choices."""

    status = django_filters.ChoiceFilter(
        choices=FollowUp.Status.choices, label=_("Status"), empty_label=_("All statuses")
    )
    indicator = django_filters.TypedChoiceFilter(
        field_name="indicator__number", coerce=int, label=_("Indicator")
    )
    period = django_filters.TypedChoiceFilter(
        field_name="evaluation__period_id", coerce=int, label=_("Period")
    )
    mine = django_filters.BooleanFilter(
        method="filter_mine", widget=forms.CheckboxInput, label=_("Only mine")
    )

    class Meta:
        model = FollowUp
        fields = ["status", "indicator", "period", "mine"]

    def __init__(self, *args, indicator_numbers=(), periods=(), user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.filters["indicator"].extra["choices"] = [(n, n) for n in indicator_numbers]
        self.filters["period"].extra["choices"] = [(p.pk, p.name) for p in periods]

    def filter_mine(self, queryset, name, value):
        return queryset.filter(owner=self.user) if value else queryset
