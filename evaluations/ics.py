"""An iCalendar (RFC 5545) file for an interview or a site visit, written by hand.

Times are UTC ("Z"); the UID is stable per meeting so that a rescheduled meeting
replaces the calendar entry (its SEQUENCE is raised); lines end in CRLF and are folded
at 75 octets; text values escape backslash, semicolon, comma and newlines. Pure: the
caller passes the texts (already in the recipient's language) and the clock.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings

PRODID = "-//KemenPANRB//SPBE Evaluation Portal//ID"


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def escape_text(value: str) -> str:
    """TEXT escaping of RFC 5545 section 3.3.11."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line at 75 octets (section 3.1), never inside a UTF-8 character."""
    out, current = [], b""
    for char in line:
        encoded = char.encode()
        limit = 75 if not out else 74  # continuation lines start with one space
        if len(current) + len(encoded) > limit:
            out.append(current.decode())
            current = b""
        current += encoded
    out.append(current.decode())
    return "\r\n ".join(out)


def meeting_uid(meeting) -> str:
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "spbe"
    return f"meeting-{meeting.pk}@{host}"


def meeting_ics(
    meeting, *, summary: str, description: str, now: dt.datetime, organizer: str = ""
) -> str:
    """The VCALENDAR text of `meeting` (scheduled: starts_at, ends_at, location set)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{meeting_uid(meeting)}",
        f"SEQUENCE:{meeting.sequence}",
        f"DTSTAMP:{_utc(now)}",
        f"DTSTART:{_utc(meeting.starts_at)}",
        f"DTEND:{_utc(meeting.ends_at)}",
        f"SUMMARY:{escape_text(summary)}",
        f"DESCRIPTION:{escape_text(description)}",
        f"LOCATION:{escape_text(meeting.location)}",
    ]
    if meeting.location.startswith(("https://", "http://")):
        lines.append(f"URL:{meeting.location}")
    if organizer:
        lines.append(f"ORGANIZER:mailto:{organizer}")
    lines += ["STATUS:CONFIRMED", "END:VEVENT", "END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines)
