"""Ministry monitoring views (admin). PLACEHOLDER until issue 6."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render


@login_required
def admin_dashboard(request):
    if not request.user.is_ministry_admin:
        raise PermissionDenied
    return render(request, "evaluations/placeholder.html", {"title": "Ministry dashboard"})
