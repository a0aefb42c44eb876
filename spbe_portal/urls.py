from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from . import views


def _admin_site_permission(request) -> bool:
    """Only ministry admins reach Django admin, even if a staff flag was set by mistake."""
    user = request.user
    return bool(user.is_active and user.is_staff and getattr(user, "is_ministry_admin", False))


admin.site.has_permission = _admin_site_permission
admin.site.site_header = _("SPBE Evaluation Portal — administration")
admin.site.site_title = _("SPBE Portal admin")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("institutions/", include("institutions.urls")),
    path("", include("evaluations.urls")),
]

if settings.BENCHMARK_ENDPOINTS:
    urlpatterns.append(path("bench/ceiling", views.bench_ceiling, name="bench-ceiling"))

handler400 = "spbe_portal.views.bad_request"
handler403 = "spbe_portal.views.permission_denied"
handler404 = "spbe_portal.views.page_not_found"
handler500 = "spbe_portal.views.server_error"
