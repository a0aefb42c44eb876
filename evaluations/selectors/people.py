"""Reads of the people pages: whom each role sees (and so may manage)."""

from __future__ import annotations

from django.db.models import QuerySet

from institutions import permissions as roles
from institutions.models import INSTITUTION_ROLES, User


def people_visible_to(user) -> QuerySet[User]:
    """The accounts a user's people page lists: everyone for a ministry admin, the own
    institution's staff for a supervisor, the own university's members for a coordinator."""
    qs = User.objects.select_related("institution", "university")
    if roles.is_admin(user):
        return qs
    if roles.is_supervisor(user):
        return qs.filter(institution_id=user.institution_id)
    if roles.is_coordinator(user):
        return qs.filter(university_id=user.university_id)
    return qs.none()


def people_list(user) -> QuerySet[User]:
    """The people page's rows, active first (filtered by filters.PeopleFilter)."""
    return people_visible_to(user).order_by(
        "-is_active", "institution__name", "university__name", "first_name", "pk"
    )


def institution_mail_recipients():
    """The accounts an institution's emails go to: its active operators and supervisors
    with an address. The one definition of "the institution's staff" for mail."""
    return User.objects.filter(role__in=INSTITUTION_ROLES, is_active=True).exclude(email="")


def staff_emails_by_institution(institution_ids) -> dict[int, list[str]]:
    """institution id -> its staff's addresses (one query, whatever the number)."""
    found: dict[int, list[str]] = {}
    for inst_id, email in (
        institution_mail_recipients()
        .filter(institution_id__in=list(institution_ids))
        .order_by("pk")
        .values_list("institution_id", "email")
    ):
        found.setdefault(inst_id, []).append(email)
    return found
