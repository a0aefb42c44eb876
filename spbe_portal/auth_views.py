"""Sign-in with limits that an attacker cannot turn against a real user.

Two limits, both keyed on the client's address as the trusted proxies saw it
(spbe_portal.client_ip):
- django-axes locks a *username from one address* after AXES_FAILURE_LIMIT failures;
  the same person signing in from any other address is not affected;
- this view stops an *address* after LOGIN_FAILURES_PER_ADDRESS failures in 15 minutes,
  whatever the usernames tried (password spraying). The limit is high because a whole
  government office often shares one address.
Both answer 429 with the time left to wait.

Password reset answers the same, in the same time, for every address: the view only
queues a task (institutions.tasks) that looks the address up and sends the mail. It is
limited per client address and per email address typed.
"""

from __future__ import annotations

import logging
import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import LoginView, PasswordResetView
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from spbe_portal.client_ip import client_ip
from spbe_portal.throttle import Limit

log = logging.getLogger(__name__)

LOCKOUT_TEMPLATE = "registration/lockout.html"


def _address_limit() -> Limit:
    return Limit("login-address", settings.LOGIN_FAILURES_PER_ADDRESS, 15 * 60)


def _reset_client_limit() -> Limit:
    return Limit("reset-client", settings.PASSWORD_RESETS_PER_CLIENT, 60 * 60)


def _reset_email_limit() -> Limit:
    return Limit("reset-email", settings.PASSWORD_RESETS_PER_EMAIL, 60 * 60)


def locked_out(request, *, wait_seconds: int, reason: str):
    """The lockout page: what is limited ("account", "address" or "reset"), minutes left."""
    minutes = max(1, math.ceil(wait_seconds / 60))
    response = render(
        request,
        LOCKOUT_TEMPLATE,
        {"reason": reason, "wait_minutes": minutes},
        status=429,
    )
    response["Retry-After"] = str(max(1, int(wait_seconds)))
    return response


def axes_lockout(request, original_response=None, credentials=None):
    """django-axes' lockout response (AXES_LOCKOUT_CALLABLE): the time left, not the total."""
    from axes.helpers import get_client_username, get_cool_off
    from axes.models import AccessAttempt

    cool_off = get_cool_off(request)
    last = (
        AccessAttempt.objects.filter(
            username=get_client_username(request, credentials), ip_address=client_ip(request)
        )
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    left = cool_off - (timezone.now() - last) if last else cool_off
    return locked_out(request, wait_seconds=int(left.total_seconds()), reason="account")


class ThrottledLoginView(LoginView):
    def post(self, request, *args, **kwargs):
        wait = _address_limit().wait_seconds(client_ip(request))
        if wait:
            return locked_out(request, wait_seconds=wait, reason="address")
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        _address_limit().hit(client_ip(self.request))
        return super().form_invalid(form)


class QueuedPasswordResetView(PasswordResetView):
    def post(self, request, *args, **kwargs):
        wait = _reset_client_limit().hit(client_ip(request))
        if wait:
            return locked_out(request, wait_seconds=wait, reason="reset")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        from institutions.tasks import send_password_reset_task

        email = form.cleaned_data["email"]
        if _reset_email_limit().hit(email):
            # Enough links went to this address this hour; the answer stays the same as
            # for any other address, so it tells nothing about whether an account exists.
            log.info("password reset: hourly limit reached for one address, no mail queued")
            return HttpResponseRedirect(self.get_success_url())
        try:
            send_password_reset_task.delay(
                email=email,
                domain=self.request.get_host(),
                use_https=self.request.is_secure(),
                language=translation.get_language(),
            )
        except Exception:
            log.exception("password reset: the task could not be queued")
            messages.error(
                self.request,
                _("The reset email could not be sent just now. Please try again in a few minutes."),
            )
            return self.render_to_response(self.get_context_data(form=form), status=503)
        return HttpResponseRedirect(self.get_success_url())
