from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from .models import Institution


@login_required
def institution_list(request):
    """The roster (ministry admins): search by name or code, filter by kind."""
    if not request.user.is_ministry_admin:
        raise PermissionDenied
    qs = Institution.objects.select_related("province")
    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(code__startswith=q)
    if kind in Institution.Kind.values:
        qs = qs.filter(kind=kind)
    page = Paginator(qs.order_by("code"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "institutions/institution_list.html",
        {"page": page, "q": q, "kind": kind, "kinds": Institution.Kind.choices},
    )
