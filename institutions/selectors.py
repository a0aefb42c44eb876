"""Reads for the institutions pages, one per screen."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet

from .models import Institution, User

# ?sort= value -> ordering; "-" reverses. The code is always the tie-breaker.
SORTS = {
    "code": ["code"],
    "name": ["name", "code"],
    "kind": ["kind", "code"],
    "province": ["province__name", "code"],
}


def institutions_for_admin_list(*, sort: str = "code") -> QuerySet[Institution]:
    """The roster in `sort` order (filtered by filters.InstitutionFilter)."""
    qs = Institution.objects.select_related("province")
    descending = sort.startswith("-")
    ordering = SORTS.get(sort.lstrip("-"), SORTS["code"])
    if descending:
        ordering = [f"-{ordering[0]}", *ordering[1:]]
    return qs.order_by(*ordering)


def institution_counts_by_kind() -> dict[str, int]:
    """kind -> number of institutions, every kind present (one grouped query)."""
    rows = Institution.objects.order_by().values("kind").annotate(n=Count("id"))
    counts = dict.fromkeys(Institution.Kind.values, 0)
    counts.update({row["kind"]: row["n"] for row in rows})
    return counts


def provinces_for_filter() -> list[tuple[str, str]]:
    """(code, name) of every province, by name, for the province filter."""
    return list(
        Institution.objects.filter(kind=Institution.Kind.PROVINSI)
        .order_by("name")
        .values_list("code", "short_name")
    )


def institution_for_detail(*, pk: int) -> QuerySet[Institution]:
    """One institution with its province, its regions (for a province) and its staff,
    loaded in a constant number of queries whatever their numbers."""
    return (
        Institution.objects.filter(pk=pk)
        .select_related("province")
        .prefetch_related(
            Prefetch("regions", queryset=Institution.objects.order_by("kind", "code")),
            Prefetch(
                "staff",
                queryset=User.objects.order_by("role", "last_name", "first_name", "username"),
            ),
        )
    )
