"""The assessor's form at the interview and the site visit: input validation only; the
window, the status and the version are checked by `services.assessment`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from evaluations import text_limits


def _text(label, rows=3):
    return forms.CharField(
        label=label,
        required=False,
        max_length=text_limits.EXPLANATION,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class StageAnswerForm(forms.Form):
    level = forms.TypedChoiceField(label=_("Level at this stage"), coerce=int, choices=[])
    facts = _text(_("Facts"))
    analysis = _text(_("Analysis"))
    justification = _text(_("Justification"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, allow_zero: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        low = 0 if allow_zero else 1
        self.fields["level"].choices = [(i, str(i)) for i in range(low, 6)]
