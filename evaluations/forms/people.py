"""Forms of the people pages: input validation only."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from institutions.models import INSTITUTION_ROLES, Institution, Role, University

MAX_IMPORT_BYTES = 2 * 1024 * 1024
FILE_TOO_LARGE = _("The file is larger than 2 MB; split it into several files.")
CODE_REQUIRED = _("Give the code of the institution or university.")
CODE_UNKNOWN = _("No active institution or university has this code for this role.")


class PeopleImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_("Columns: name, email, role, code, phone (optional)."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(FILE_TOO_LARGE)
        return upload


class InviteForm(forms.Form):
    """One person. The role and the code are asked only of a ministry admin; a supervisor
    invites operators of the own institution, a coordinator assessors of the own university."""

    name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(label=_("Email"))
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    role = forms.ChoiceField(label=_("Role"))
    code = forms.CharField(label=_("Institution or university code"), max_length=20, required=False)

    def __init__(self, *args, roles, ask_code: bool, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Role.choices)
        self.fields["role"].choices = [(r, labels[r]) for r in roles]
        if len(roles) == 1:
            self.fields["role"].initial = roles[0]
            self.fields["role"].widget = forms.HiddenInput()
        if not ask_code:
            del self.fields["code"]

    def clean(self):
        data = super().clean()
        data["institution"] = data["university"] = None
        if "code" not in self.fields or not data.get("role"):
            return data
        code = (data.get("code") or "").strip()
        if not code:
            self.add_error("code", CODE_REQUIRED)
        elif data["role"] in INSTITUTION_ROLES:
            data["institution"] = Institution.objects.active().filter(code=code).first()
            if data["institution"] is None:
                self.add_error("code", CODE_UNKNOWN)
        else:
            data["university"] = University.objects.filter(is_active=True, code=code).first()
            if data["university"] is None:
                self.add_error("code", CODE_UNKNOWN)
        return data


class DeactivateForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)
