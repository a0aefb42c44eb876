"""Forms of the follow-up pages: input validation only; the rules are in the service."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from evaluations import text_limits
from evaluations.forms.dates import DATE_INPUT_FORMATS
from evaluations.models import FollowUp


class FollowUpAssignForm(forms.Form):
    owner_unit = forms.CharField(label=_("Responsible unit"), max_length=255, required=False)
    owner = forms.ModelChoiceField(
        label=_("Responsible person"), queryset=None, required=False, empty_label=_("Nobody yet")
    )
    due_date = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=DATE_INPUT_FORMATS,
    )

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username


class FollowUpUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=FollowUp.Status.choices)
    reason = forms.CharField(
        label=_("Reason (when not applicable)"),
        required=False,
        max_length=text_limits.REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note = forms.CharField(
        label=_("Progress note"),
        required=False,
        max_length=text_limits.EXPLANATION,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FollowUpEvidenceUploadForm(forms.Form):
    # Empty files reach the service, whose message names the file (evaluations.evidence).
    file = forms.FileField(
        label=_("PDF file"),
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )
    title = forms.CharField(label=_("Title (optional)"), max_length=255, required=False)


class FollowUpEvidenceLinkForm(forms.Form):
    evidence = forms.ModelChoiceField(label=_("File from the library"), queryset=None)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].queryset = choices
        self.fields["evidence"].label_from_instance = lambda e: (
            f"{e.title or e.original_name} ({e.evaluation.period.name})"
        )
