"""Self-evaluation forms: one answer entry, evidence upload/link, the admin's return."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from evaluations import text_limits
from evaluations.forms.dates import DATETIME_INPUT_FORMATS
from evaluations.models import Indicator
from evaluations.selectors.selfeval import library_file

JUSTIFICATION_REQUIRED = _("A justification is required for a level above 0.")


class AnswerForm(forms.Form):
    """One entry of one indicator. `base_version` is the version the page was loaded with."""

    entry = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    service_name = forms.CharField(label=_("Service name"), max_length=255, required=False)
    level = forms.TypedChoiceField(
        label=_("Level"),
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    note = forms.CharField(
        label=_("Justification"),
        required=False,
        max_length=text_limits.JUSTIFICATION,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Required for a level above 0: what exists and where the evidence shows it."),
    )

    def __init__(self, *args, indicator: Indicator, min_level: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        self.fields["level"].choices = [
            (lvl, f"{lvl} — {indicator.level_description(lvl)}") for lvl in range(min_level, 6)
        ]
        if indicator.max_entries == 1:
            del self.fields["service_name"]
        else:
            self.fields["service_name"].label = indicator.entry_label or _("Service name")
        entry = self.initial.get("entry") or (
            self.data.get(self.add_prefix("entry")) if self.is_bound else 1
        )
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("id", f"id_{name}_{entry}")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def level_rows(self) -> list[dict]:
        """The level choices as the indicator page writes them: each radio input's name, id
        and state with the evidence the level needs. Built here rather than by iterating the
        RadioSelect widget, whose per-option contexts were a sixth of the page's rendering,
        and the indicator page is the one opened most on deadline day. The ids are the
        widget's own (``id_level_<entry>_<index>``), so labels and scripts keep finding them."""
        field = self["level"]
        value = field.value()
        chosen = "" if value is None else str(value)
        base_id = field.field.widget.attrs.get("id") or field.auto_id
        invalid = bool(field.errors)
        return [
            {
                "name": field.html_name,
                "value": level,
                "label": label,
                "id": f"{base_id}_{index}",
                "checked": str(level) == chosen,
                "invalid": invalid,
                "criterion": self.indicator.level_criterion(level),
            }
            for index, (level, label) in enumerate(field.field.choices)
        ]

    @property
    def justification_missing(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return bool(data.get("level")) and not (data.get("note") or "").strip()


class EvidenceUploadForm(forms.Form):
    # Empty files reach the service, whose message names the file (evaluations.evidence).
    file = forms.FileField(
        label=_("PDF file"),
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    title = forms.CharField(label=_("Title (optional)"), max_length=255, required=False)
    # Optional: link the new file to an indicator entry right away.
    indicator = forms.IntegerField(widget=forms.HiddenInput, required=False)
    entry = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    page_ref = forms.CharField(label=_("Page (optional)"), max_length=50, required=False)
    document_date = forms.DateField(
        label=_("Document date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_document_date(self):
        return not_in_future(self.cleaned_data.get("document_date"))


def not_in_future(day):
    """A document's date has come: not after today (WIB). The service checks it again."""
    from django.utils import timezone

    from evaluations.wib import WIB

    today = timezone.now().astimezone(WIB).date()
    if day is not None and day > today:
        raise forms.ValidationError(
            _("The document date cannot be in the future (today is %(today)s)."),
            params={"today": today.strftime("%d-%m-%Y")},
            code="future",
        )
    return day


class EvidenceDateForm(forms.Form):
    document_date = forms.DateField(
        label=_("Document date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean_document_date(self):
        return not_in_future(self.cleaned_data.get("document_date"))


class EvidenceLinkForm(forms.Form):
    # The file's id, looked up in the evaluation's library by a prepared query (a
    # ModelChoiceField would compile its queryset on every link). Bounded as the ids are
    # (a bigint), so that no posted number reaches the database out of its range.
    evidence = forms.IntegerField(
        label=_("File from the library"), widget=forms.Select, min_value=1, max_value=2**63 - 1
    )
    entry = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    page_ref = forms.CharField(
        label=_("Page (optional)"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 3-5")}),
    )

    def __init__(self, *args, evaluation, **kwargs):
        super().__init__(*args, **kwargs)
        self.evaluation = evaluation
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_evidence(self):
        file = library_file(self.evaluation, self.cleaned_data["evidence"])
        if file is None:
            raise forms.ValidationError(
                _("Select a valid choice. That choice is not one of the available choices."),
                code="invalid_choice",
            )
        return file


class ReturnForm(forms.Form):
    whole = forms.BooleanField(label=_("Return the whole evaluation"), required=False)
    indicators = forms.ModelMultipleChoiceField(
        label=_("Or only these indicators"),
        queryset=Indicator.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=text_limits.REASON,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    due_at = forms.DateTimeField(
        label=_("Answer by (WIB, optional)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=DATETIME_INPUT_FORMATS,
        help_text=_("Required when the deadline has passed."),
    )

    def __init__(self, *args, framework, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicators"].queryset = Indicator.objects.filter(framework=framework).order_by(
            "number"
        )
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self):
        data = super().clean()
        if not data.get("whole") and not data.get("indicators"):
            raise forms.ValidationError(
                _("Name the indicators to return, or return the whole evaluation.")
            )
        return data
