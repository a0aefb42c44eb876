"""The assessor's form at the interview and the site visit, and the base shared with the
ministry review: input validation only; the window, the status and the version are
checked by the services."""

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


class ThreePartsForm(forms.Form):
    """A level (declared by the subclass) explained by facts, analysis and justification."""

    facts = _text(_("Facts"))
    analysis = _text(_("Analysis"))
    justification = _text(_("Justification"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    level_optional = False

    def __init__(self, *args, allow_zero: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        low = 0 if allow_zero else 1
        choices = [(i, str(i)) for i in range(low, 6)]
        self.level_choices = choices
        self.fields["level"].choices = [("", "—"), *choices] if self.level_optional else choices


class StageAnswerForm(ThreePartsForm):
    level = forms.TypedChoiceField(label=_("Level at this stage"), coerce=int, choices=[])
