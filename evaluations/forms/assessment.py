"""Forms of the document evaluation: input validation only; rules that need
other rows or the clock are in `evaluations.services.assessment`."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from evaluations import text_limits
from evaluations.models import Evaluation, Indicator
from institutions.models import University

CSV_TOO_LARGE = _("The file is too large (at most 1 MB).")
CSV_NOT_TEXT = _("The file is not a UTF-8 CSV file.")
CSV_MAX_BYTES = 1024 * 1024


class _Helper:
    def _helper(self):
        self.helper = FormHelper()
        self.helper.form_tag = False


class ValidatedAnswerForm(_Helper, forms.Form):
    """The assessor's level, explanation and recommendation for one indicator entry."""

    level = forms.TypedChoiceField(
        label=_("Validated level"), coerce=int, choices=[], empty_value=None
    )
    # Optional here: a level may be saved first as a draft; completing the assessment
    # requires the explanation (services.assessment.missing_entries).
    note = forms.CharField(
        label=_("Explanation"),
        required=False,
        max_length=text_limits.EXPLANATION,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    recommendation = forms.CharField(
        label=_("Recommendation"),
        required=False,
        max_length=text_limits.RECOMMENDATION,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, allow_zero: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        low = 0 if allow_zero else 1
        self.fields["level"].choices = [("", "—")] + [(i, str(i)) for i in range(low, 6)]
        self._helper()


class AspectNoteForm(_Helper, forms.Form):
    strengths = forms.CharField(
        label=_("Strengths"),
        required=False,
        max_length=text_limits.ASPECT_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    weaknesses = forms.CharField(
        label=_("Weaknesses"),
        required=False,
        max_length=text_limits.ASPECT_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._helper()


class ClarificationForm(_Helper, forms.Form):
    indicators = forms.ModelMultipleChoiceField(
        label=_("Indicators to clarify"),
        queryset=Indicator.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(
        label=_("What should the institution clarify?"),
        max_length=text_limits.REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, framework=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicators"].queryset = Indicator.objects.filter(framework=framework)
        self._helper()


class SendBackForm(_Helper, forms.Form):
    comment = forms.CharField(
        label=_("What must change?"),
        max_length=text_limits.REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._helper()


class UniversityChoiceForm(_Helper, forms.Form):
    """Assign one evaluation of the period to a university (empty: unassign)."""

    evaluation = forms.ModelChoiceField(
        queryset=Evaluation.objects.none(), widget=forms.HiddenInput
    )
    university = forms.ModelChoiceField(
        label=_("University"),
        queryset=University.objects.filter(is_active=True),
        required=False,
        to_field_name="code",
    )

    def __init__(self, *args, period=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evaluation"].queryset = Evaluation.objects.filter(period=period)
        self._helper()


class AutoUniversityForm(_Helper, forms.Form):
    avoid_previous = forms.BooleanField(
        label=_("Not the same university as last period"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._helper()


class CsvUploadForm(_Helper, forms.Form):
    """Either an uploaded file (preview) or the previewed content sent back (apply)."""

    file = forms.FileField(label=_("CSV file (institution_code, university_code)"), required=False)
    content = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._helper()

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload:
            if upload.size > CSV_MAX_BYTES:
                raise forms.ValidationError(CSV_TOO_LARGE)
            try:
                cleaned["content"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise forms.ValidationError(CSV_NOT_TEXT) from exc
        if not cleaned.get("content"):
            raise forms.ValidationError(_("Choose a CSV file."))
        return cleaned


class AssessorChoiceForm(_Helper, forms.Form):
    evaluation = forms.ModelChoiceField(
        queryset=Evaluation.objects.none(), widget=forms.HiddenInput
    )
    assessor = forms.ModelChoiceField(label=_("Assessor"), queryset=None)

    def __init__(self, *args, evaluations=None, assessors=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evaluation"].queryset = evaluations
        self.fields["assessor"].queryset = assessors
        self._helper()


class AutoAssessorForm(_Helper, forms.Form):
    cap = forms.IntegerField(
        label=_("At most per assessor"), required=False, min_value=1, max_value=1000
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._helper()


class ReleaseForm(_Helper, forms.Form):
    evaluations = forms.ModelMultipleChoiceField(
        label=_("Release only these"), queryset=Evaluation.objects.none(), required=False
    )
    everything = forms.BooleanField(label=_("Release every approved result"), required=False)

    def __init__(self, *args, period=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evaluations"].queryset = Evaluation.objects.filter(
            period=period, status=Evaluation.Status.APPROVED
        )
        self._helper()

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("everything") and not cleaned.get("evaluations"):
            raise forms.ValidationError(_("Choose the results to release, or release all."))
        return cleaned
