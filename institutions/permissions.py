"""The role predicates: who a signed-in person is, as pure functions of the user.

The one home of "which role is this"; everything that asks (the evaluation
permissions, views, the admin site, the User model's template properties) calls these.
They read only `user.role` and the user's own institution or university id, never the
database, and answer False for an anonymous user.

Object-level rules ("may this user score this evaluation") live in
`evaluations/permissions.py`, built on these. This app never imports `evaluations`.
"""

from __future__ import annotations

from institutions.models import INSTITUTION_ROLES, Role


def _signed_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def is_admin(user) -> bool:
    """A ministry admin (KemenPANRB): runs the cycle."""
    return _signed_in(user) and user.role == Role.ADMIN


def is_ministry_reviewer(user) -> bool:
    """The ministry's review team, which checks the external assessments: a permission
    every ministry admin holds (the team is drawn from the ministry's staff)."""
    return is_admin(user)


def is_coordinator(user) -> bool:
    """A university coordinator: assigns and reviews the university's assessments."""
    return _signed_in(user) and user.role == Role.COORDINATOR


def is_assessor(user) -> bool:
    return _signed_in(user) and user.role == Role.ASSESSOR


def is_institution_staff(user) -> bool:
    """An operator or supervisor of an institution."""
    return _signed_in(user) and user.role in INSTITUTION_ROLES


def is_operator(user) -> bool:
    """An institution's operator: fills in the self-evaluation, the supervisor submits."""
    return _signed_in(user) and user.role == Role.OPERATOR


def is_supervisor(user) -> bool:
    """The institution's supervisor (penanggung jawab): the one who submits."""
    return _signed_in(user) and user.role == Role.SUPERVISOR


def is_coordinator_of(user, university_id) -> bool:
    """The coordinator of that university (never of "no university")."""
    return (
        is_coordinator(user) and university_id is not None and user.university_id == university_id
    )


def can_monitor(user) -> bool:
    """The progress dashboards: ministry admins (all) and coordinators (their university)."""
    return is_admin(user) or is_coordinator(user)


def require_admin(user) -> None:
    """Raise PermissionDenied (403) unless the user is a ministry admin."""
    from django.core.exceptions import PermissionDenied

    if not is_admin(user):
        raise PermissionDenied
