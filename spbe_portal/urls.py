from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from evaluations.views.people import invitation_accept
from institutions.permissions import is_admin

from . import auth_views, sessions, two_factor, two_factor_views, views


def _admin_site_permission(request) -> bool:
    """Only ministry admins reach Django admin, even if a staff flag was set by mistake,
    and only once they gave their second factor on this session."""
    user = request.user
    return bool(
        user.is_active
        and user.is_staff
        and is_admin(user)
        and two_factor.DEVICE_ID_SESSION_KEY in request.session
    )


admin.site.has_permission = _admin_site_permission
# Factors are removed only through the audited reset page (two-factor-reset).
for _device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device_model):  # this module may be imported again
        admin.site.unregister(_device_model)
admin.site.site_header = _("SPBE Evaluation Portal — administration")
admin.site.site_title = _("SPBE Portal admin")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.ThrottledLoginView.as_view(), name="login"),
    path(
        "accounts/password_reset/",
        auth_views.QueuedPasswordResetView.as_view(),
        name="password_reset",
    ),
    path("accounts/session/keepalive/", sessions.keepalive, name="session-keepalive"),
    path("accounts/two-factor/", two_factor_views.verify, name="two-factor-verify"),
    path("accounts/two-factor/setup/", two_factor_views.setup, name="two-factor-setup"),
    path(
        "accounts/two-factor/reset/<int:user_pk>/",
        two_factor_views.reset,
        name="two-factor-reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    # The link of an invitation email: public, the token is the credential.
    path("accounts/invitation/<str:token>/", invitation_accept, name="invitation-accept"),
    path("i18n/", include("django.conf.urls.i18n")),
    path(settings.ADMIN_URL, admin.site.urls),
    path("institutions/", include("institutions.urls")),
    path("", include("evaluations.urls")),
]

if settings.BENCHMARK_ENDPOINTS:
    # First: Django tries patterns in order, and at the end this one would pay for every
    # pattern of the evaluations list tried before it, which no real page does (the
    # autosave's pattern is among the first); the ceiling would not be the least a
    # request can do.
    urlpatterns.insert(0, path("bench/ceiling", views.bench_ceiling, name="bench-ceiling"))

handler400 = "spbe_portal.views.bad_request"
handler403 = "spbe_portal.views.permission_denied"
handler404 = "spbe_portal.views.page_not_found"
handler500 = "spbe_portal.views.server_error"
