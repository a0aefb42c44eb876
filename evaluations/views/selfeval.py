"""Self-evaluation views (institution operator and supervisor). PLACEHOLDER until issue 3."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render


@login_required
def institution_dashboard(request):
    if not request.user.is_institution_staff:
        raise PermissionDenied
    return render(request, "evaluations/placeholder.html", {"title": "Institution dashboard"})
