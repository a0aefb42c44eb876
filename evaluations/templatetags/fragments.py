"""`{% language_fragment "includes/_autosave.html" %}`: a fragment that depends on nothing
but the active language (translated messages for the page's scripts, static file URLs),
rendered once per language in a process and then reused.

Why: the indicator page is the page opened most on deadline day (every institution opens
every indicator), and its scripts' message catalogues were about a tenth of its rendering
time although they are the same for every user and every request. A fragment given to this
tag is rendered with an empty context: it must not use the request, the user or the CSRF
token. With DEBUG on it is rendered every time, so that an edited template shows at once.
"""

from __future__ import annotations

from django import template
from django.conf import settings
from django.template.loader import render_to_string
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
