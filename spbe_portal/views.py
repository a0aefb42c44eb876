from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

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
    """Database, cache, broker, media storage and worker heartbeats (spbe_portal.health)."""
    from spbe_portal import health

    status, body = health.report()
    return JsonResponse(body, status=status)


@login_required
@require_POST
def bench_ceiling(request: HttpRequest) -> HttpResponse:
    """The benchmark's ceiling: the least a write request can do on this stack.

    Authenticated, CSRF-checked, one row SELECT ... FOR UPDATE and one UPDATE of the
    user's own evaluation in the given period, a tiny response. Mounted only when
    settings.BENCHMARK_ENDPOINTS is on.
    """
    from evaluations.models import Evaluation

    period_id = request.POST.get("period", "")
    with transaction.atomic():
        evaluation = get_object_or_404(
            Evaluation.objects.select_for_update().only("pk"),
            institution_id=request.user.institution_id,
            period_id=period_id if period_id.isdigit() else 0,
        )
        Evaluation.objects.filter(pk=evaluation.pk).update(last_activity_at=timezone.now())
    return HttpResponse("ok", content_type="text/plain")


def bad_request(request, exception=None):
    # Mostly a body over DATA_UPLOAD_MAX_MEMORY_SIZE: say so instead of a bare 400.
    from evaluations.text_limits import JUSTIFICATION

    return render(request, "400.html", {"justification_limit": JUSTIFICATION}, status=400)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)
