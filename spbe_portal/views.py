from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from institutions.models import Role

# Where each role starts: its own dashboard.
ROLE_HOME = {
    Role.OPERATOR: "evaluations:institution-dashboard",
    Role.SUPERVISOR: "evaluations:institution-dashboard",
    Role.ASSESSOR: "evaluations:assessor-queue",
    Role.COORDINATOR: "evaluations:coordinator-dashboard",
    Role.ADMIN: "evaluations:admin-dashboard",
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect(ROLE_HOME[request.user.role])


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness and database check for the container orchestrator."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)
