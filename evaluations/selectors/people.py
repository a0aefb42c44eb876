"""Reads of the people pages: whom each role sees (and so may manage)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from institutions.models import Role, User


def people_visible_to(user) -> QuerySet[User]:
    """The accounts a user's people page lists: everyone for a ministry admin, the own
    institution's staff for a supervisor, the own university's members for a coordinator."""
    qs = User.objects.select_related("institution", "university")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if user.role == Role.ADMIN:
        return qs
    if user.role == Role.SUPERVISOR:
        return qs.filter(institution_id=user.institution_id)
    if user.role == Role.COORDINATOR:
        return qs.filter(university_id=user.university_id)
    return qs.none()


def people_list(user, *, q: str = "", role: str = "") -> QuerySet[User]:
    qs = people_visible_to(user)
    if q:
        qs = qs.filter(
            Q(first_name__icontains=q)
            | Q(last_name__icontains=q)
            | Q(email__icontains=q)
            | Q(institution__name__icontains=q)
            | Q(institution__code=q)
            | Q(university__code=q)
        )
    if role:
        qs = qs.filter(role=role)
    return qs.order_by("-is_active", "institution__name", "university__name", "first_name", "pk")
