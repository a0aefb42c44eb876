"""Per-request state in plain thread-locals when the portal is served over WSGI.

Django keeps the active language, the active time zone, the URL script prefix and the
urlconf override in asgiref `Local` objects, so that the values follow a request across
sync and async code. Each read takes a lock and goes through a context variable in
Python: sampled under the deadline-day load, these reads (mostly the active language,
asked for by every `{% translate %}` and every localized value) took about 8 % of the
application servers' interpreter time.

Under WSGI (gunicorn's threads) a request runs on one thread from start to end and no
async code runs, which is the case a `threading.local` serves exactly, at the cost of
an attribute lookup. `spbe_portal/wsgi.py` makes the swap before the first request;
the ASGI entry point, the Celery workers and the tests keep Django's own.
"""

from __future__ import annotations

import importlib
import threading

from asgiref.local import Local

# (module, attribute) of the asgiref Locals that hold per-request state in Django.
REQUEST_LOCALS = (
    ("django.utils.translation.trans_real", "_active"),
    ("django.utils.timezone", "_active"),
    ("django.urls.base", "_prefixes"),
    ("django.urls.base", "_urlconfs"),
)


def use_thread_locals() -> list[str]:
    """Swap each of Django's request Locals for a `threading.local`; returns the names
    swapped. Call before the first request (the old objects' values are not copied: at
    start-up they hold none). An attribute that is missing or is no longer an asgiref
    Local (a Django upgrade) is left alone; a test names every one."""
    swapped = []
    for module_name, attribute in REQUEST_LOCALS:
        module = importlib.import_module(module_name)
        if isinstance(getattr(module, attribute, None), Local):
            setattr(module, attribute, threading.local())
            swapped.append(f"{module_name}.{attribute}")
    return swapped
