"""Two-factor sign-in (TOTP with recovery codes, django-otp): who needs it, the gate that
holds a signed-in session until the second factor is given, and the audited writes.

Ministry admins, coordinators, assessors and anyone with staff access (the admin site)
must use it; institution staff may (TWO_FACTOR_FOR_INSTITUTIONS makes it required for
them too). A person who enrolled is always asked for the second factor.

After the password, the session is signed in but *pending*: every page but the
two-factor pages, sign-out and static files sends the user to enrol or verify. The
decision is read from the session (set at sign-in), so a page costs no extra query.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from evaluations.models import AuditEvent

PENDING = "_spbe_two_factor_pending"
RECOVERY_CODES = 10
RECOVERY_DEVICE = "recovery"
TOTP_DEVICE = "authenticator"


def requires_two_factor(user) -> bool:
    if user.is_staff or user.is_superuser:
        return True
    if user.is_institution_staff:
        return settings.TWO_FACTOR_FOR_INSTITUTIONS
    return True  # ministry admins, coordinators, assessors


def has_confirmed_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def is_verified(request) -> bool:
    """True when this session gave a second factor, or when none is asked of the user."""
    return not request.session.get(PENDING) or DEVICE_ID_SESSION_KEY in request.session


@receiver(user_logged_in)
def _mark_pending(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    if DEVICE_ID_SESSION_KEY in request.session:
        return  # the second factor was already given on this session
    if requires_two_factor(user) or has_confirmed_device(user):
        request.session[PENDING] = True


class TwoFactorMiddleware:
    """After AuthenticationMiddleware: a pending session reaches only the two-factor pages."""

    OPEN_PREFIXES = ("/static/", "/i18n/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.session.get(PENDING)
            and DEVICE_ID_SESSION_KEY not in request.session
            and not self._open(request.path)
        ):
            if request.htmx:
                return HttpResponse(status=401)
            query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
            target = reverse("two-factor-verify")
            return HttpResponseRedirect(target + (f"?{query}" if query else ""))
        return self.get_response(request)

    def _open(self, path: str) -> bool:
        exempt = (
            reverse("two-factor-verify"),
            reverse("two-factor-setup"),
            reverse("logout"),
            reverse("session-keepalive"),
        )
        return path in exempt or path.startswith(self.OPEN_PREFIXES)


# --- Writes -----------------------------------------------------------------------------


def _lock_user(user):
    return get_user_model().objects.select_for_update().get(pk=user.pk)


def _record(action: str, *, actor, subject, note: str = "") -> None:
    from evaluations.services.core import record_event

    record_event(
        action=action,
        actor=actor,
        institution=subject.institution,
        changes={"user": [None, subject.get_username()]},
        note=note,
    )


@transaction.atomic
def start_enrolment(*, user) -> TOTPDevice:
    """The user's unconfirmed authenticator (created once, kept until confirmed)."""
    _lock_user(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE, confirmed=False)
    return device


@transaction.atomic
def confirm_enrolment(*, request, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the authenticator with a first code; return new recovery codes, or None.

    The codes replace any earlier ones; the session counts as verified from now.
    """
    user = _lock_user(request.user)
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
    if device.confirmed or not device.verify_token(token):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    StaticDevice.objects.filter(user=user).delete()
    recovery = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=recovery, token=c) for c in codes)
    _record(AuditEvent.Action.TWO_FACTOR_ENROLLED, actor=user, subject=user)
    otp_login(request, device)
    return codes


@transaction.atomic
def reset_second_factor(*, by, user) -> None:
    """Remove a person's authenticator and recovery codes (a lost phone); audited.

    They enrol again at their next sign-in.
    """
    locked = _lock_user(user)
    TOTPDevice.objects.filter(user=locked).delete()
    StaticDevice.objects.filter(user=locked).delete()
    _record(AuditEvent.Action.TWO_FACTOR_RESET, actor=by, subject=locked)


@transaction.atomic
def record_recovery_code_used(*, user, remaining: int) -> None:
    _record(
        AuditEvent.Action.RECOVERY_CODE_USED,
        actor=user,
        subject=user,
        note=f"{remaining} recovery codes remain",
    )
