from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstitutionsConfig(AppConfig):
    name = "institutions"
    verbose_name = _("Institutions")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The session limits stamp every sign-in (a user_logged_in receiver). Imported
        # here, not only with the middleware at the first request, so that a sign-in
        # made before any request (a management command, a test's force_login) is
        # stamped too.
        from spbe_portal import sessions  # noqa: F401
