"""Email notifications: render in the recipients' language and send after commit.

Templates: `templates/emails/<name>_subject.txt` and `<name>_body.txt`. Texts are
Indonesian first (the portal's language); English where `language="en"`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation


def queue_email(
    *,
    name: str,
    to: Iterable[str],
    context: dict,
    language: str = "id",
    attachments: list[dict] | None = None,
) -> None:
    """Render email `name` now and send it through Celery once the transaction commits.

    `attachments`: text files as {"filename", "content", "mimetype"} (a calendar file).

    Safe to call inside a transaction: nothing is sent if it rolls back; with the broker
    down it is sent when the broker is back (evaluations.dispatch).
    """
    recipients = sorted({address for address in to if address})
    if not recipients:
        return
    context = {"site_url": settings.SITE_URL, **context}
    with translation.override(language):
        subject = " ".join(render_to_string(f"emails/{name}_subject.txt", context).split())
        body = render_to_string(f"emails/{name}_body.txt", context)

    from evaluations.dispatch import enqueue
    from evaluations.tasks.mail import send_mail_task

    if attachments:
        enqueue(send_mail_task, subject=subject, body=body, to=recipients, attachments=attachments)
    else:
        enqueue(send_mail_task, subject=subject, body=body, to=recipients)
