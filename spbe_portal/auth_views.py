"""Sign-in with limits that an attacker cannot turn against a real user.

Two limits, both keyed on the client's address as the trusted proxies saw it
(spbe_portal.client_ip):
- django-axes locks a *username from one address* after AXES_FAILURE_LIMIT failures;
  the same person signing in from any other address is not affected;
- this view stops an *address* after LOGIN_FAILURES_PER_ADDRESS failures in 15 minutes,
  whatever the usernames tried (password spraying). The limit is high because a whole
  government office often shares one address.
Both answer 429 with the time left to wait.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.contrib.auth.views import LoginView
from django.shortcuts import render
from django.utils import timezone

from spbe_portal.client_ip import client_ip
from spbe_portal.throttle import Limit

LOCKOUT_TEMPLATE = "registration/lockout.html"


def _address_limit() -> Limit:
    return Limit("login-address", settings.LOGIN_FAILURES_PER_ADDRESS, 15 * 60)


def locked_out(request, *, wait_seconds: int, reason: str):
    """The lockout page: who is limited ("account" or "address") and the minutes left."""
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
