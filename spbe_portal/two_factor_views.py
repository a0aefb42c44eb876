"""Two-factor pages: verify at sign-in, enrol (QR code), recovery codes, and the ministry
admin's reset of a person's factor. The rules and writes are in spbe_portal.two_factor."""

from __future__ import annotations

from base64 import b32encode
from urllib.parse import urlencode

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django_otp import DEVICE_ID_SESSION_KEY, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from evaluations.permissions import require_admin
from spbe_portal import two_factor as tf

WRONG_CODE = _lazy(
    "The code is not correct or has expired. Enter the current six-digit code from your "
    "authenticator app, or one of your recovery codes."
)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_lazy("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).lower()


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


@login_required
def verify(request):
    if tf.is_verified(request):
        return redirect(_next(request))
    if not tf.has_confirmed_device(request.user):
        return redirect(f"{reverse('two-factor-setup')}?{urlencode({'next': _next(request)})}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                remaining = device.token_set.count()
                tf.record_recovery_code_used(user=request.user, remaining=remaining)
                messages.warning(
                    request,
                    _("You signed in with a recovery code; %(n)s remain.") % {"n": remaining},
                )
            return redirect(_next(request))
        form.add_error("code", WRONG_CODE)
    return render(request, "two_factor/verify.html", {"form": form, "next": _next(request)})


@login_required
def setup(request):
    # Someone who has an authenticator proves it before replacing it.
    if tf.has_confirmed_device(request.user) and DEVICE_ID_SESSION_KEY not in request.session:
        return redirect("two-factor-verify")
    device = tf.start_enrolment(user=request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = tf.confirm_enrolment(
            request=request, device=device, token=form.cleaned_data["code"]
        )
        if codes is not None:
            return render(
                request, "two_factor/recovery_codes.html", {"codes": codes, "next": _next(request)}
            )
        form.add_error("code", WRONG_CODE)
    secret = b32encode(device.bin_key).decode()
    qr = segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)
    return render(
        request,
        "two_factor/setup.html",
        {
            "form": form,
            "qr": qr,
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "required": tf.requires_two_factor(request.user),
            "next": _next(request),
        },
    )


@login_required
def reset(request, user_pk: int):
    """A ministry admin removes a person's second factor (a lost phone); audited."""
    require_admin(request.user)
    person = get_object_or_404(get_user_model().objects.select_related("institution"), pk=user_pk)
    if request.method == "POST":
        tf.reset_second_factor(by=request.user, user=person)
        messages.success(
            request,
            _("The second factor of %(name)s was removed; they enrol again at their next sign-in.")
            % {"name": person.get_full_name() or person.get_username()},
        )
        return redirect("two-factor-reset", user_pk=person.pk)
    return render(
        request,
        "two_factor/reset.html",
        {"person": person, "enrolled": tf.has_confirmed_device(person)},
    )
