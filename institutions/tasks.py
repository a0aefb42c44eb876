"""Celery tasks of the accounts side. Thin: they delegate to Django's own forms."""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth.forms import PasswordResetForm
from django.utils import translation


@shared_task(name="institutions.send_password_reset")
def send_password_reset_task(*, email: str, domain: str, use_https: bool, language: str) -> None:
    """Mail a reset link to the active accounts with this address (none: nothing is sent).

    Runs in a worker so that the web request does the same work, in the same time, for
    every address typed, known or not.
    """
    form = PasswordResetForm({"email": email})
    if not form.is_valid():
        return
    with translation.override(language):
        form.save(domain_override=domain, use_https=use_https)
