"""The ministry review's verdict on one entry: input validation only; the permission,
the window and the rule that a correction needs its reasons are in `services.review`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from evaluations import text_limits
from evaluations.forms.stages import ThreePartsForm
from evaluations.models import ReviewScope


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


class ReviewScopeForm(forms.Form):
    scope = forms.ChoiceField(label=_("Review scope"), choices=ReviewScope.choices)
    percent = forms.IntegerField(
        label=_("Sample share (%)"), min_value=1, max_value=100, required=False
    )


class TextDecisionForm(forms.Form):
    accept = forms.TypedChoiceField(
        label=_("Decision"),
        coerce=lambda value: value == "yes",
        choices=[("yes", _("Accept")), ("no", _("Send back"))],
    )
    note = forms.CharField(
        label=_("Review note"), required=False, max_length=text_limits.REASON, widget=forms.Textarea
    )


class GeneralRecommendationForm(forms.Form):
    """The four parts of the general recommendation (prefix "rec")."""

    summary = forms.CharField(
        label=_("Summary"), required=False, max_length=text_limits.RECOMMENDATION
    )
    strongest = forms.CharField(
        label=_("Strongest aspect"), required=False, max_length=text_limits.RECOMMENDATION
    )
    weakest = forms.CharField(
        label=_("Weakest aspect"), required=False, max_length=text_limits.RECOMMENDATION
    )
    advice = forms.CharField(
        label=_("Appreciation or advice"), required=False, max_length=text_limits.RECOMMENDATION
    )
    version = forms.IntegerField(required=False, min_value=0)


class AspectTextsForm(forms.Form):
    """Fulfilment, strengths and weaknesses of one aspect (prefix "a<aspect pk>")."""

    fulfilment = forms.CharField(
        label=_("Fulfilment"), required=False, max_length=text_limits.ASPECT_NOTE
    )
    strengths = forms.CharField(
        label=_("Strengths"), required=False, max_length=text_limits.ASPECT_NOTE
    )
    weaknesses = forms.CharField(
        label=_("Weaknesses"), required=False, max_length=text_limits.ASPECT_NOTE
    )
    version = forms.IntegerField(required=False, min_value=0)
