"""The URL x role permission matrix, one module per area.

Each module defines `ROWS`, a list of `Row`. `tests/test_permissions.py` runs every
row for every role of the cast and fails when a URL of the portal has no row.

A row's `setup(cast)` returns the URL kwargs (and may create objects with the
factories); `expect` maps every role in ROLES to the expected status code. Use
`LOGIN` for "redirects to the login page". Rows for another institution's or
another university's object must expect 404 for the roles that may not see it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ROLES = (
    "anonymous",
    "operator",
    "supervisor",
    "other_operator",
    "assessor",
    "unassigned_assessor",
    "coordinator",
    "other_coordinator",
    "admin",
)
LOGIN = "login"  # expected: 302 to the login page


@dataclass
class Row:
    url_name: str
    expect: dict[str, int | str]
    setup: Callable[[Any], dict] = lambda cast: {}
    method: str = "get"
    data: Callable[[Any], dict] | None = None
    # Extra request headers, e.g. {"HTTP_HX_REQUEST": "true"}
    headers: dict[str, str] = field(default_factory=dict)
    id: str = ""

    def __post_init__(self):
        missing = set(ROLES) - set(self.expect)
        if missing:
            raise ValueError(f"{self.url_name}: no expectation for {sorted(missing)}")


def everyone(status: int | str, **overrides: int | str) -> dict[str, int | str]:
    """Expect `status` for every logged-in role and LOGIN for anonymous, with overrides."""
    expect: dict[str, int | str] = dict.fromkeys(ROLES, status)
    expect["anonymous"] = LOGIN
    expect.update(overrides)
    return expect


def only(allowed: dict[str, int | str], others: int | str = 403) -> dict[str, int | str]:
    """Expect `others` for every logged-in role not in `allowed`, LOGIN for anonymous."""
    return everyone(others, **allowed)
