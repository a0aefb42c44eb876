"""Fragments that every page repeats, rendered once and reused.

`{% language_fragment "includes/_autosave.html" %}`: a fragment that depends on nothing
but the active language (translated messages for the page's scripts, static file URLs),
rendered once per language in a process. It is rendered with an empty context: it must
not use the request, the user or the CSRF token.

`{% navbar %}`: the site's header (role badge, language switch, the role's navigation,
the user menu), rendered once per language, page and what the header shows of the user,
then reused with the request's CSRF token and path put in.

Why: the indicator page is the page opened most on deadline day (every institution
opens every indicator), and sampled under that load its rendering was about a quarter
of the application servers' time; the header was a sixth of the page and the scripts'
message catalogues a tenth, although neither changes from one request to the next.
With DEBUG on both are rendered every time, so that an edited template shows at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from types import SimpleNamespace
from typing import NamedTuple

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

# (template name, language) -> the rendered fragment; filled as pages ask, never stale
# while the process runs (templates, catalogues and static file names are fixed then).
_rendered: dict[tuple[str, str], SafeString] = {}


@register.simple_tag
def language_fragment(name: str) -> SafeString:
    key = (name, get_language())
    html = _rendered.get(key)
    if html is None:
        html = mark_safe(render_to_string(name))
        if not settings.DEBUG:
            _rendered[key] = html
    return html


NAVBAR_TEMPLATE = "includes/_navbar.html"
# A worker serves a few thousand users on deadline day; a header is about 4 KB, so the
# bound keeps the cache under 10 MB and the least recently used header leaves first.
NAVBAR_ENTRIES = 2048
# Stand-ins rendered into a cached header and replaced for each request. Private-use
# characters: a token is alphanumeric and a request's path arrives percent-encoded, so
# neither can contain them.
_CSRF_HOLE = "\ue000csrf\ue000"
_PATH_HOLE = "\ue000path\ue000"
_CSRF_INPUT = format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', _CSRF_HOLE)

_navbars: OrderedDict[tuple, str] = OrderedDict()
_navbars_lock = threading.Lock()


class _Shown(NamedTuple):
    """All the header shows of a user or branches on: the cache key's user part, and the
    only user the cached header is rendered with (so nothing outside the key can leak
    into it)."""

    role: str
    full_name: str
    username: str
    institution: str
    university: str
    is_institution_staff: bool
    is_supervisor: bool
    is_assessor: bool
    is_coordinator: bool
    is_ministry_admin: bool


def _shown_user(user) -> _Shown | None:
    if user is None or not user.is_authenticated:
        return None
    return _Shown(
        role=user.get_role_display(),
        full_name=user.get_full_name(),
        username=user.username,
        institution=user.institution.display_name if user.institution_id else "",
        university=user.university.short_name if user.university_id else "",
        is_institution_staff=user.is_institution_staff,
        is_supervisor=user.is_supervisor,
        is_assessor=user.is_assessor,
        is_coordinator=user.is_coordinator,
        is_ministry_admin=user.is_ministry_admin,
    )


def _header_user(shown: _Shown | None) -> SimpleNamespace:
    """A stand-in with the attributes the header template reads of `user`."""
    if shown is None:
        return SimpleNamespace(is_authenticated=False)
    return SimpleNamespace(
        is_authenticated=True,
        get_role_display=shown.role,
        get_full_name=shown.full_name,
        username=shown.username,
        institution_id=bool(shown.institution),
        institution=SimpleNamespace(display_name=shown.institution),
        university_id=bool(shown.university),
        university=SimpleNamespace(short_name=shown.university),
        is_institution_staff=shown.is_institution_staff,
        is_supervisor=shown.is_supervisor,
        is_assessor=shown.is_assessor,
        is_coordinator=shown.is_coordinator,
        is_ministry_admin=shown.is_ministry_admin,
    )


def _render_header(shown, view_name: str, url_name: str) -> str:
    request = SimpleNamespace(
        resolver_match=SimpleNamespace(view_name=view_name, url_name=url_name),
        get_full_path=_PATH_HOLE,
    )
    context = {"user": _header_user(shown), "request": request, "csrf_token": _CSRF_HOLE}
    return render_to_string(NAVBAR_TEMPLATE, context)


@register.simple_tag(takes_context=True)
def navbar(context) -> SafeString:
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    view_name = (match.view_name or "") if match else ""
    url_name = (match.url_name or "") if match else ""
    shown = _shown_user(context.get("user"))
    key = (get_language(), view_name, url_name, shown)
    with _navbars_lock:
        html = _navbars.get(key)
        if html is not None:
            _navbars.move_to_end(key)
    if html is None:
        html = _render_header(shown, view_name, url_name)
        if not settings.DEBUG:
            with _navbars_lock:
                _navbars[key] = html
                if len(_navbars) > NAVBAR_ENTRIES:
                    _navbars.popitem(last=False)
    # As the {% csrf_token %} tag writes it: no field without a token.
    token = str(context.get("csrf_token") or "")
    field = "" if token in ("", "NOTPROVIDED") else _CSRF_INPUT.replace(_CSRF_HOLE, token)
    path = conditional_escape(request.get_full_path()) if request is not None else ""
    return mark_safe(html.replace(_CSRF_INPUT, field).replace(_PATH_HOLE, path))
