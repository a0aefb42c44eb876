"""Forms of the monitoring area: input validation only; the list filters are in
evaluations/filters.py."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from evaluations import text_limits
from evaluations.forms.dates import DATETIME_INPUT_FORMATS
from evaluations.models import Evaluation
from institutions.models import Institution


def _blank(label):
    return [("", label)]


class _InstitutionChoice(forms.ModelChoiceField):
    """Name and code, so either can be typed into the filter box."""

    def label_from_instance(self, obj) -> str:
        return f"{obj.name} ({obj.code})"


class ExtensionForm(forms.Form):
    """Grant or change an institution's extension."""

    institution = _InstitutionChoice(
        label=_("Institution"),
        queryset=Institution.objects.order_by("name"),
        # Some 620 institutions: static/js/select_filter.js adds a box that narrows them.
        widget=forms.Select(
            attrs={
                "data-filter": "",
                "data-filter-label": _("Find the institution (part of its name or code)"),
                "data-filter-count": _("{n} institutions match"),
                "data-filter-count-one": _("1 institution matches"),
            }
        ),
    )
    new_deadline = forms.DateTimeField(
        label=_("New deadline (WIB)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=DATETIME_INPUT_FORMATS,
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
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=_blank(_("All kinds")) + Institution.Kind.choices
    )
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
