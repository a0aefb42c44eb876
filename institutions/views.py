"""The roster pages for ministry admins: list (search, filter, sort) and detail."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from .filters import InstitutionFilter
from .models import Institution
from .permissions import require_admin
from .selectors import (
    SORTS,
    institution_counts_by_kind,
    institution_for_detail,
    institutions_for_admin_list,
    provinces_for_filter,
)

PAGE_SIZE = 50


@login_required
def institution_list(request):
    """The roster: counts per kind, search by name or code, filter by kind and province."""
    require_admin(request.user)
    sort = request.GET.get("sort", "code")
    if sort.lstrip("-") not in SORTS:
        sort = "code"
    filterset = InstitutionFilter(
        request.GET or None, queryset=institutions_for_admin_list(sort=sort)
    )
    filterset.is_valid()
    chosen = getattr(filterset.form, "cleaned_data", {})
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = institution_counts_by_kind()
    context = {
        "page": page,
        "q": (chosen.get("q") or "").strip(),
        "kind": chosen.get("kind") or "",
        "province": (chosen.get("province") or "").strip(),
        "sort": sort,
        "kinds": [(value, label, counts[value]) for value, label in Institution.Kind.choices],
        "total": sum(counts.values()),
        "provinces": provinces_for_filter(),
    }
    return render(request, "institutions/institution_list.html", context)


@login_required
def institution_detail(request, pk: int):
    """One institution: its card, its regions (for a province) and its staff accounts."""
    require_admin(request.user)
    institution = get_object_or_404(institution_for_detail(pk=pk))
    regions = list(institution.regions.all())
    context = {
        "institution": institution,
        "regions": regions,
        "region_counts": {
            "kabupaten": sum(r.kind == Institution.Kind.KABUPATEN for r in regions),
            "kota": sum(r.kind == Institution.Kind.KOTA for r in regions),
        },
        "staff": institution.staff.all(),
    }
    return render(request, "institutions/institution_detail.html", context)
