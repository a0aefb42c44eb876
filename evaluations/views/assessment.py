"""Document-evaluation views (assessor, coordinator). PLACEHOLDER until issue 4."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render


@login_required
def assessor_queue(request):
    if not request.user.is_assessor:
        raise PermissionDenied
    return render(request, "evaluations/placeholder.html", {"title": "Assessor queue"})


@login_required
def coordinator_dashboard(request):
    if not request.user.is_coordinator:
        raise PermissionDenied
    return render(request, "evaluations/placeholder.html", {"title": "Coordinator dashboard"})
