"""Email notifications: render in the recipients' language and send after commit.

Templates: `templates/emails/<name>_subject.txt` and `<name>_body.txt`. Texts are
Indonesian first (the portal's language); English where `language="en"`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation


def queue_email(*, name: str, to: Iterable[str], context: dict, language: str = "id") -> None:
    """Render email `name` now and send it through Celery once the transaction commits.

    Safe to call inside a transaction: nothing is sent if it rolls back.
    """
    recipients = sorted({address for address in to if address})
    if not recipients:
        return
    context = {"site_url": settings.SITE_URL, **context}
    with translation.override(language):
        subject = " ".join(render_to_string(f"emails/{name}_subject.txt", context).split())
        body = render_to_string(f"emails/{name}_body.txt", context)

    from evaluations.tasks.mail import send_mail_task

    # robust: a broker that is down loses this email (logged), never the committed write
    # or the other emails queued after it.
    transaction.on_commit(
        lambda: send_mail_task.delay(subject=subject, body=body, to=recipients), robust=True
    )
