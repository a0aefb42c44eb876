"""The ministry review's verdict on one entry: input validation only; the permission,
the window and the rule that a correction needs its reasons are in `services.review`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from evaluations.forms.stages import ThreePartsForm


class VerdictForm(ThreePartsForm):
    valid = forms.TypedChoiceField(
        label=_("Verdict"),
        coerce=lambda value: value == "yes",
        choices=[("yes", _("Valid")), ("no", _("Not valid"))],
        widget=forms.RadioSelect,
    )
    level = forms.TypedChoiceField(
        label=_("Corrected level"), coerce=int, choices=[], required=False, empty_value=None
    )
    level_optional = True
