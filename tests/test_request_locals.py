"""Django's per-request state in thread-locals under WSGI (spbe_portal.request_locals):
each thread keeps its own language, time zone and script prefix, as with Django's own."""

import subprocess
import sys
import threading
from zoneinfo import ZoneInfo

import pytest
from django.urls import get_script_prefix, set_script_prefix
from django.utils import timezone, translation

from spbe_portal import request_locals


@pytest.fixture
def thread_locals():
    import importlib

    saved = [
        (importlib.import_module(m), a, getattr(importlib.import_module(m), a))
        for m, a in request_locals.REQUEST_LOCALS
    ]
    swapped = request_locals.use_thread_locals()
    yield swapped
    for module, attribute, value in saved:
        setattr(module, attribute, value)


def test_every_request_local_of_django_is_swapped(thread_locals):
    # A Django upgrade that renames or changes one of them fails here, not silently.
    assert thread_locals == [f"{m}.{a}" for m, a in request_locals.REQUEST_LOCALS]
    assert request_locals.use_thread_locals() == []  # already plain thread-locals


def test_each_thread_keeps_its_own_state(thread_locals):
    seen = {}
    ready, done = threading.Barrier(2), threading.Barrier(2)

    def request(name, language, zone, prefix):
        translation.activate(language)
        timezone.activate(ZoneInfo(zone))
        set_script_prefix(prefix)
        ready.wait()  # both threads have set their state
        seen[name] = (
            translation.get_language(),
            str(timezone.get_current_timezone()),
            get_script_prefix(),
            translation.gettext("Saved at %(time)s by %(name)s"),
        )
        done.wait()
        translation.deactivate()
        timezone.deactivate()

    threads = [
        threading.Thread(target=request, args=("a", "id", "Asia/Jakarta", "/a/")),
        threading.Thread(target=request, args=("b", "en", "Asia/Makassar", "/b/")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen["a"][:3] == ("id", "Asia/Jakarta", "/a/")
    assert seen["b"][:3] == ("en", "Asia/Makassar", "/b/")
    # The catalog follows the thread's language: Indonesian in one, English in the other.
    assert seen["b"][3] == "Saved at %(time)s by %(name)s" != seen["a"][3]
    with translation.override("id"):
        assert translation.get_language() == "id"


def test_the_wsgi_application_runs_with_thread_locals():
    code = (
        "import threading, spbe_portal.wsgi\n"
        "from django.utils.translation import trans_real\n"
        "print(type(trans_real._active) is threading.local)\n"
    )
    result = subprocess.run(  # noqa: S603 (this interpreter, fixed code)
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.strip() == "True", result.stderr
