"""Forms for opening a period and changing its participants: input validation only.

Times are entered in WIB (the portal's time zone, so the datetime fields read them as WIB).
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from evaluations.forms.dates import DATETIME_INPUT_FORMATS
from evaluations.models import Framework, PeriodMode
from evaluations.selectors.periods import SCOPE_ALL, SCOPE_FILTER, SCOPE_LIST, Selection
from evaluations.services.periods import PeriodSettings, check_windows
from institutions.models import Institution
from institutions.services import read_table

CODES_FILE_NO_CODE_COLUMN = _("The file needs a column “code” with the institutions' codes.")
CODES_UNKNOWN = _("Row %(row)s: no institution has the code “%(code)s”.")
CODES_INACTIVE = _("Row %(row)s: %(name)s (%(code)s) is not active.")
CODES_EMPTY = _("Give at least one institution code, or upload a file.")
BAD_OFFSETS = _("Give whole numbers of days separated by commas, e.g. 14, 7, 3, 1.")


class WibDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def _when(label, required=False, help_text=""):
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=WibDateTimeInput(),
        help_text=help_text,
        input_formats=DATETIME_INPUT_FORMATS,
    )


class PeriodOpenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    year = forms.IntegerField(label=_("Year"), min_value=2018, max_value=2100)
    framework = forms.ModelChoiceField(
        label=_("Framework"), queryset=Framework.objects.order_by("-year")
    )
    mode = forms.ChoiceField(label=_("Mode"), choices=PeriodMode.choices, widget=forms.RadioSelect)
    opens_at = _when(_("Self-assessment opens (WIB)"), required=True)
    deadline = _when(_("Self-assessment deadline (WIB)"), required=True)
    grace_minutes = forms.IntegerField(
        label=_("Grace minutes after the deadline"), min_value=0, max_value=1440, initial=0
    )
    document_deadline = _when(_("Document assessment deadline (WIB)"))
    clarification_closes_at = _when(
        _("Clarification window closes (WIB)"),
        help_text=_("Empty: a week after the document assessment deadline."),
    )
    interview_opens_at = _when(_("Interviews open (WIB)"))
    interview_closes_at = _when(_("Interviews close (WIB)"))
    visit_opens_at = _when(_("Site visits open (WIB)"), help_text=_("Only where needed."))
    visit_closes_at = _when(_("Site visits close (WIB)"))
    review_opens_at = _when(_("Ministry review opens (WIB)"))
    review_closes_at = _when(_("Ministry review closes (WIB)"))
    reminder_offsets = forms.CharField(
        label=_("Reminders (days before the deadline)"), initial="14, 7, 3, 1", max_length=60
    )
    scope = forms.ChoiceField(
        label=_("Participating institutions"),
        widget=forms.RadioSelect,
        initial=SCOPE_ALL,
        choices=[
            (SCOPE_ALL, _("All active institutions")),
            (SCOPE_FILTER, _("By kind and/or province")),
            (SCOPE_LIST, _("From a list of codes or a file")),
        ],
    )
    kinds = forms.MultipleChoiceField(
        label=_("Kinds"),
        required=False,
        choices=Institution.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    provinces = forms.ModelMultipleChoiceField(
        label=_("Provinces"),
        required=False,
        queryset=Institution.objects.filter(kind=Institution.Kind.PROVINSI).order_by("name"),
        help_text=_("A province takes its own government and its regencies and cities."),
    )
    codes = forms.CharField(
        label=_("Institution codes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One code per line (or separated by commas)."),
    )
    codes_file = forms.FileField(label=_("or a CSV/XLSX file with a column “code”"), required=False)

    def clean_reminder_offsets(self):
        raw = self.cleaned_data["reminder_offsets"]
        try:
            days = sorted(
                {int(x) for x in raw.replace(";", ",").split(",") if x.strip()}, reverse=True
            )
        except ValueError:
            raise ValidationError(BAD_OFFSETS) from None
        if any(d <= 0 for d in days):
            raise ValidationError(BAD_OFFSETS)
        return tuple(days)

    def _codes_from_file(self, upload) -> list[tuple[int, str]]:
        try:
            rows = read_table(name=upload.name, data=upload.read())
        except ValidationError as exc:
            self.add_error("codes_file", exc)
            return []
        if not rows:
            self.add_error("codes_file", CODES_FILE_NO_CODE_COLUMN)
            return []
        header = [str(c).strip().lower() for c in rows[0]]
        if "code" not in header:
            self.add_error("codes_file", CODES_FILE_NO_CODE_COLUMN)
            return []
        col = header.index("code")
        return [
            (number, str(row[col]).strip())
            for number, row in enumerate(rows[1:], start=2)
            if col < len(row) and str(row[col]).strip()
        ]

    def _clean_codes(self) -> tuple[str, ...]:
        upload = self.cleaned_data.get("codes_file")
        if upload:
            numbered = self._codes_from_file(upload)
        else:
            raw = self.cleaned_data.get("codes", "").replace(",", "\n")
            numbered = [
                (n, c.strip()) for n, c in enumerate(raw.splitlines(), start=1) if c.strip()
            ]
        field = "codes_file" if upload else "codes"
        if not numbered:
            if not self.errors.get(field):
                self.add_error(field, CODES_EMPTY)
            return ()
        known = {i.code: i for i in Institution.objects.filter(code__in=[c for _n, c in numbered])}
        for number, code in numbered:
            institution = known.get(code)
            if institution is None:
                self.add_error(field, CODES_UNKNOWN % {"row": number, "code": code})
            elif not institution.is_active:
                self.add_error(
                    field,
                    CODES_INACTIVE % {"row": number, "name": institution.name, "code": code},
                )
        return tuple(dict.fromkeys(c for _n, c in numbered))

    def clean(self):
        data = super().clean()
        scope = data.get("scope")
        codes: tuple[str, ...] = ()
        if scope == SCOPE_LIST:
            codes = self._clean_codes()
        data["selection"] = Selection(
            scope=scope or SCOPE_ALL,
            kinds=tuple(data.get("kinds") or ()) if scope == SCOPE_FILTER else (),
            province_codes=tuple(p.code for p in data.get("provinces") or ())
            if scope == SCOPE_FILTER
            else (),
            codes=codes,
        )
        if self.errors:
            return data
        settings = PeriodSettings(
            name=data["name"].strip(),
            year=data["year"],
            framework=data["framework"],
            mode=data["mode"],
            opens_at=data["opens_at"],
            deadline=data["deadline"],
            grace_minutes=data["grace_minutes"],
            document_deadline=data.get("document_deadline"),
            clarification_closes_at=data.get("clarification_closes_at"),
            interview_opens_at=data.get("interview_opens_at"),
            interview_closes_at=data.get("interview_closes_at"),
            visit_opens_at=data.get("visit_opens_at"),
            visit_closes_at=data.get("visit_closes_at"),
            review_opens_at=data.get("review_opens_at"),
            review_closes_at=data.get("review_closes_at"),
            reminder_offsets_days=data["reminder_offsets"],
        )
        for field, messages in check_windows(settings).items():
            for message in messages:
                self.add_error(field, message)
        data["settings"] = settings
        return data


class ParticipantChangeForm(forms.Form):
    """Add or withdraw one institution, with the reason."""

    institution = forms.ModelChoiceField(
        label=_("Institution"), queryset=Institution.objects.none()
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = queryset
