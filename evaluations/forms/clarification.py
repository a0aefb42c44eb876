"""Input validation of the clarification window's forms; the window, the status and who
may act are the services'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from evaluations import text_limits


class ResponseForm(forms.Form):
    text = forms.CharField(
        label=_("Your response"),
        max_length=text_limits.JUSTIFICATION,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    evidence = forms.ModelMultipleChoiceField(
        label=_("Evidence from your library"), queryset=None, required=False
    )
    upload = forms.FileField(label=_("Or upload a new PDF"), required=False)

    def __init__(self, *args, evaluation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].queryset = evaluation.evidence.all()


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("accepted", _("Accepted")), ("not_accepted", _("Not accepted"))]
    )
    level = forms.TypedChoiceField(
        label=_("New level"), coerce=int, required=False, empty_value=None, choices=[]
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=text_limits.REASON,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, allow_zero: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        low = 0 if allow_zero else 1
        self.fields["level"].choices = [("", "—"), *((i, str(i)) for i in range(low, 6))]
