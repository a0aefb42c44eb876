"""Session limits: signed out after SESSION_IDLE_TIMEOUT without activity, and
SESSION_ABSOLUTE_LIFETIME after signing in whatever the activity.

Activity is a page load or a write (a POST, including htmx autosaves); an htmx GET is
a poll or a partial that the page makes by itself, so it does not keep a session alive
(a dashboard left open still ends). The browser side (static/js/session.js) warns
before the end, offers to stay signed in, and keeps text being typed across a new
sign-in.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

LAST_SEEN = "_spbe_last_seen"
SIGNED_IN_AT = "_spbe_signed_in_at"
# The activity stamp is rewritten at most this often, not on every request.
STAMP_EVERY_SECONDS = 30


def _is_activity(request) -> bool:
    return request.method != "GET" or not request.htmx


class SessionLimitsMiddleware:
    """After AuthenticationMiddleware and MessageMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            expired = self._check(request)
            if expired is not None:
                return expired
        return self.get_response(request)

    def _check(self, request):
        session = request.session
        now = time.time()
        signed_in_at = session.setdefault(SIGNED_IN_AT, now)
        last_seen = session.get(LAST_SEEN, now)
        idle = now - last_seen > settings.SESSION_IDLE_TIMEOUT
        if idle or now - signed_in_at > settings.SESSION_ABSOLUTE_LIFETIME:
            logout(request)
            if request.htmx:
                # The page's script keeps what was typed and goes to the sign-in page.
                response = HttpResponse(status=401)
                response["X-Session-Expired"] = "1"
                return response
            if idle:
                minutes = settings.SESSION_IDLE_TIMEOUT // 60
                messages.info(
                    request,
                    _("You were signed out after %(minutes)s minutes without activity.")
                    % {"minutes": minutes},
                )
            else:
                messages.info(request, _("Your session ended; please sign in again."))
            query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
            return HttpResponseRedirect(reverse("login") + (f"?{query}" if query else ""))
        if _is_activity(request) and now - session.get(LAST_SEEN, 0) > STAMP_EVERY_SECONDS:
            session[LAST_SEEN] = now
        return None


def session_limits(request):
    """Template context: the idle limit and the warning, for static/js/session.js."""
    return {
        "session_limits": {
            "idle_seconds": settings.SESSION_IDLE_TIMEOUT,
            "warning_seconds": settings.SESSION_IDLE_WARNING,
            "warning_minutes": max(1, settings.SESSION_IDLE_WARNING // 60),
        }
    }


@receiver(user_logged_in)
def _stamp_sign_in(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return
    now = time.time()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN] = now


@require_POST
def keepalive(request):
    """ "Stay signed in": the middleware has checked the session; this stamps activity now."""
    if not request.user.is_authenticated:
        return HttpResponse(status=401)
    request.session[LAST_SEEN] = time.time()
    return HttpResponse(status=204)
