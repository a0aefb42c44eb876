"""Input validation of the interview and visit forms; the windows, states and who may act
are the services'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from evaluations import text_limits
from evaluations.forms.periods import _when

SLOT_ROWS = 3


class ProposeForm(forms.Form):
    """Up to three times; a row left empty is skipped."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(1, SLOT_ROWS + 1):
            self.fields[f"starts_{i}"] = _when(_("Starts (WIB)"), required=i == 1)
            self.fields[f"ends_{i}"] = _when(_("Ends (WIB)"), required=i == 1)
            self.fields[f"location_{i}"] = forms.CharField(
                label=_("Meeting link or place"), max_length=500, required=i == 1
            )

    def slots(self) -> list[tuple]:
        data = self.cleaned_data
        return [
            (data[f"starts_{i}"], data[f"ends_{i}"], data[f"location_{i}"])
            for i in range(1, SLOT_ROWS + 1)
            if data.get(f"starts_{i}") and data.get(f"ends_{i}")
        ]


class RescheduleForm(forms.Form):
    starts_at = _when(_("New start (WIB)"), required=True)
    ends_at = _when(_("New end (WIB)"), required=True)
    location = forms.CharField(label=_("Meeting link or place"), max_length=500)
    reason = forms.CharField(
        label=_("Reason"), max_length=text_limits.REASON, widget=forms.Textarea(attrs={"rows": 2})
    )


class RecordForm(forms.Form):
    attendance = forms.CharField(
        label=_("Attendance (one person per line: name, role)"),
        max_length=text_limits.EXPLANATION,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    minutes = forms.CharField(
        label=_("Minutes"),
        max_length=text_limits.JUSTIFICATION,
        widget=forms.Textarea(attrs={"rows": 8}),
    )


class VisitSelectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the visit"),
        max_length=text_limits.REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
