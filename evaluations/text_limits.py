"""How long each free-text field may be, and how long text goes into the audit trail.

The limits follow each field's use: a justification explains a level with references to
the evidence (a few paragraphs: 10,000 characters is about four printed pages), an
assessor's explanation or recommendation is shorter, a reason is a
message to another person. They are far above real use and far below what
makes a page or an audit row heavy. Forms carry them as max_length (the message is
Django's, translated); the services that take text from elsewhere call `check`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

JUSTIFICATION = 10_000
EXPLANATION = 5_000
RECOMMENDATION = 5_000
ASPECT_NOTE = 5_000  # strengths, weaknesses
REASON = 2_000  # return, clarification, extension and its revocation, send-back

TOO_LONG = _("%(field)s is too long: %(length)s characters, at most %(limit)s.")

# An audit row keeps the start of a long text and its length, never the whole text twice.
AUDIT_TEXT = 500


def check(value: str, limit: int, field) -> str:
    if value is not None and len(value) > limit:
        raise ValidationError(
            TOO_LONG,
            code="too_long",
            params={"field": field, "length": f"{len(value):,}", "limit": f"{limit:,}"},
        )
    return value


def for_audit(value):
    """A text as the audit trail keeps it: whole when short, else its start and length."""
    if isinstance(value, str) and len(value) > AUDIT_TEXT:
        return f"{value[:AUDIT_TEXT]}… [{len(value):,}]"
    return value


def audit_changes(changes: dict) -> dict:
    """{field: [old, new]} with long texts shortened by `for_audit`."""
    return {
        key: [for_audit(v) for v in value] if isinstance(value, list) else for_audit(value)
        for key, value in changes.items()
    }
