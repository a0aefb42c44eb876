"""Forms of the monitoring area: input validation only (STYLE F1, F3)."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from evaluations import text_limits
from evaluations.models import Evaluation
from evaluations.selectors.monitoring import SORTS
from institutions.models import Institution

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
assert {k for k, _l in SORT_CHOICES} == set(SORTS)  # noqa: S101 - keep the two in step


def _blank(label):
    return [("", label)]


class InstitutionFilterForm(forms.Form):
    """The dashboard list's search, filters and sorting (GET)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=_blank(_("All statuses")) + Evaluation.Status.choices,
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=_blank(_("All kinds")) + Institution.Kind.choices
    )
    # Choices come from lists the view loaded: validated without a query.
    province = forms.TypedChoiceField(
        label=_("Province"), required=False, coerce=int, empty_value=None
    )
    university = forms.TypedChoiceField(
        label=_("University"), required=False, coerce=int, empty_value=None
    )
    at_risk = forms.BooleanField(label=_("At risk only"), required=False)
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args, provinces=None, universities=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices from lists the view already loaded: no extra query when rendering.
        if provinces is not None:
            self.fields["province"].choices = _blank(_("All provinces")) + list(provinces)
        if universities is not None:
            self.fields["university"].choices = _blank(_("All universities")) + list(universities)
        self.helper = FormHelper()
        self.helper.form_tag = False


class HeatmapFilterForm(forms.Form):
    kind = InstitutionFilterForm.base_fields["kind"]
    province = forms.TypedChoiceField(
        label=_("Province"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, provinces=None, **kwargs):
        super().__init__(*args, **kwargs)
        if provinces is not None:
            self.fields["province"].choices = _blank(_("All provinces")) + list(provinces)
        self.helper = FormHelper()
        self.helper.form_tag = False


class ExtensionForm(forms.Form):
    """Grant or change an institution's extension."""

    institution = forms.ModelChoiceField(
        label=_("Institution"), queryset=Institution.objects.order_by("name")
    )
    new_deadline = forms.DateTimeField(
        label=_("New deadline (WIB)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=text_limits.REASON, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_deadline"].help_text = _(
            "A deadline is the last accepted second: 23:59 means until 23:59:59."
        )
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_new_deadline(self):
        # The input has minutes only; a deadline is the last accepted second
        # (evaluations.deadlines), so "23:59" means 23:59:59.
        value = self.cleaned_data["new_deadline"]
        return value.replace(second=59, microsecond=0) if value else value


class RevokeExtensionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=text_limits.REASON, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class ReminderForm(forms.Form):
    """Send a reminder now: to one evaluation, or to a filtered set of a period."""

    evaluation = forms.IntegerField(required=False, widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=_blank(_("Every status not submitted"))
        + [
            (s.value, s.label)
            for s in (
                Evaluation.Status.NOT_STARTED,
                Evaluation.Status.IN_PROGRESS,
                Evaluation.Status.RETURNED,
            )
        ],
    )
    kind = InstitutionFilterForm.base_fields["kind"]
    province = forms.ModelChoiceField(
        label=_("Province"),
        required=False,
        queryset=Institution.objects.filter(kind=Institution.Kind.PROVINSI),
        empty_label=_("All provinces"),
    )


class ExportForm(forms.Form):
    dataset = forms.ChoiceField(
        label=_("Data"),
        choices=[
            ("answers", _("Every answer (institution x indicator)")),
            ("results", _("Scores and results")),
            ("progress", _("Progress list")),
        ],
    )
    format = forms.ChoiceField(label=_("Format"), choices=[("xlsx", "XLSX"), ("csv", "CSV")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class AuditFilterForm(forms.Form):
    institution = forms.IntegerField(required=False, widget=forms.HiddenInput)
    institution_name = forms.CharField(label=_("Institution"), required=False, max_length=100)
    user = forms.CharField(label=_("User"), required=False, max_length=100)
    period = forms.TypedChoiceField(label=_("Period"), required=False, coerce=int, empty_value=None)
    action = forms.ChoiceField(label=_("Action"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, periods=(), actions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = _blank(_("All periods")) + [(p.pk, p.name) for p in periods]
        self.fields["action"].choices = _blank(_("All actions")) + [(a, a) for a in actions]
