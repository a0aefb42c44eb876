"""The client's address, as the configured number of trusted proxies saw it.

Behind a TLS proxy every request comes from the proxy's address, so a limit keyed on
REMOTE_ADDR would treat all users as one. Each proxy appends the address it received
the request from to X-Forwarded-For; with TRUSTED_PROXY_COUNT proxies in front of the
portal, the client is the entry the outermost of them appended (counted from the right).
Entries further left were written by the client and are ignored: they can be forged.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"  # noqa: S104 - unknown peer
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [a for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if len(forwarded) < proxies:
        # The proxies did not all append an address: trust only the connection itself.
        return remote
    return _valid(forwarded[-proxies]) or remote
