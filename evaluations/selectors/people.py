"""Reads of the people pages: whom each role sees (and so may manage)."""

from __future__ import annotations

from django.db.models import QuerySet

from institutions import permissions as roles
from institutions.models import User


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
