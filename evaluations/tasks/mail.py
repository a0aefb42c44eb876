"""Sending email in the background. The message is rendered by the service that
queues it (in the recipient's language), so the task takes only strings."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, send_mail

logger = logging.getLogger(__name__)


@shared_task(
    name="evaluations.send_mail",
    autoretry_for=(OSError,),  # SMTP outages are transient
    retry_backoff=10,
    max_retries=3,
)
def send_mail_task(
    *, subject: str, body: str, to: list[str], attachments: list[dict] | None = None
) -> int:
    recipients = [address for address in to if address]
    if not recipients:
        logger.info("send_mail_task: no recipients for %r", subject)
        return 0
    if not attachments:
        return send_mail(subject, body, None, recipients)
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    for item in attachments:
        message.attach(item["filename"], item["content"], item["mimetype"])
    return message.send()
