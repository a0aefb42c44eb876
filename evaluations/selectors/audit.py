"""The audit trail as people read it: filtered pages of events, and each event's
action, status change and recorded changes in words, with times in WIB and ids as names.

Every screen that shows the trail (the ministry's audit page, an indicator's history,
the assessor's "changed since the clarification request") goes through
`describe_events`, so an event reads the same everywhere and no code is shown.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.utils.translation import gettext_lazy as _

from evaluations.models import (
    AuditEvent,
    Evaluation,
)
from evaluations.wib import format_wib
from institutions.models import University, User

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")
Status = Evaluation.Status

AUDIT_PAGE_SIZE = 50


def audit_queryset():
    """Every event with what its row shows, newest first (filtered by filters.AuditFilter)."""
    return AuditEvent.objects.select_related(
        "actor", "institution", "period", "indicator", "evaluation"
    ).order_by("-at", "-id")


def audit_events(qs, *, page) -> Page:
    """One page of (filtered) events, described in words (a count and a page query, and
    at most two for the names of universities and assessors)."""
    page_obj = Paginator(qs, AUDIT_PAGE_SIZE).get_page(page)
    describe_events(page_obj.object_list)
    return page_obj


def audit_actions() -> list[tuple[str, str]]:
    """(code, label) of the actions recorded so far, for the filter select (one query)."""
    labels = dict(AuditEvent.Action.choices)
    codes = AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()
    return sorted(((code, str(labels.get(code, code))) for code in codes), key=lambda c: c[1])


# --- Events in words ----------------------------------------------------------------------

# The keys the services record in `changes`, as column words.
FIELD_LABELS = {
    "level": _("Level"),
    "note": _("Justification / explanation"),
    "recommendation": _("Recommendation"),
    "service_name": _("Service name"),
    "entry": _("Entry"),
    "evidence": _("Evidence"),
    "file": _("File"),
    "page": _("Page"),
    "indicators": _("Indicators"),
    "whole": _("Whole evaluation"),
    "due_at": _("Answer due"),
    "deadline": _("Deadline"),
    "university": _("University"),
    "assessor": _("Assessor"),
    "kind": _("How"),
    "batch": _("Run"),
    "count": _("Count"),
    "language": _("Language"),
    "report": _("Document"),
    "recipients": _("Recipients"),
    "offset_days": _("Days before the deadline"),
    "aspect": _("Aspect"),
    "strengths": _("Strengths"),
    "weaknesses": _("Weaknesses"),
}
KIND_LABELS = {
    "auto": _("automatically"),
    "csv": _("from a CSV file"),
    "undo": _("by undoing a run"),
    "manual": _("by hand"),
}
LANGUAGE_LABELS = {"id": "Bahasa Indonesia", "en": "English"}
# A long text (a justification) is shown cut to this many characters in a table cell.
TEXT_PREVIEW = 300
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@dataclass
class ChangeRow:
    field: str
    old: str | None  # None: the change has no "before" (a plain recorded value)
    new: str


def _coded_text(value, key: str, names: dict) -> str | None:
    """The words for a value whose key says it is a code or an id; None for other keys."""
    if key in ("university", "assessor") and isinstance(value, int):
        return names[key].get(value, f"#{value}")
    if key == "kind":
        return str(KIND_LABELS.get(value, value))
    if key == "batch":
        return str(value)[:8]  # enough of the run's uuid to tell runs apart
    if key == "language":
        return LANGUAGE_LABELS.get(value, str(value))
    return None


def _moment_text(value: str) -> str:
    """A stored ISO moment in WIB; a string that only looks like one is shown as it is."""
    try:
        return format_wib(dt.datetime.fromisoformat(value))
    except ValueError:
        return value


def _preview(text: str) -> str:
    return text if len(text) <= TEXT_PREVIEW else text[: TEXT_PREVIEW - 1] + "…"


# Characters of the unchanged text kept before the first difference of a cut pair.
LEAD_IN = 40


def _preview_pair(old: str, new: str) -> tuple[str, str]:
    """Old and new text cut where they differ: a sentence added at the end of a long
    justification shows as "…last words. Added sentence", not as the same beginning twice."""
    if len(old) <= TEXT_PREVIEW and len(new) <= TEXT_PREVIEW:
        return old, new
    same = 0
    for a, b in zip(old, new, strict=False):
        if a != b:
            break
        same += 1
    start = max(0, same - LEAD_IN)

    def cut(text: str) -> str:
        part = text[start:]
        head = "…" if start else ""
        return head + (part if len(part) <= TEXT_PREVIEW else part[: TEXT_PREVIEW - 1] + "…")

    return cut(old), cut(new)


def _text(value, key: str, names: dict) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    coded = _coded_text(value, key, names)
    if coded is not None:
        return coded
    if isinstance(value, list):
        return ", ".join(_text(v, key, names) for v in value)
    if isinstance(value, str) and _ISO_MOMENT.match(value):
        return _moment_text(value)
    return _preview(str(value))


def _rows(changes, names: dict) -> list[ChangeRow]:
    if not isinstance(changes, dict):
        return []
    rows = []
    for key, value in changes.items():
        label = str(FIELD_LABELS.get(key, key.replace("_", " ")))
        if isinstance(value, list | tuple) and len(value) == 2 and key not in ("indicators",):
            old, new = value
            texts = isinstance(old, str) and isinstance(new, str)
            if texts and _coded_text(new, key, names) is None and not _ISO_MOMENT.match(new):
                old, new = _preview_pair(old, new)
                rows.append(ChangeRow(label, old or "—", new or "—"))
                continue
            rows.append(ChangeRow(label, _text(old, key, names), _text(new, key, names)))
        else:
            rows.append(ChangeRow(label, None, _text(value, key, names)))
    return rows


def _names(events) -> dict:
    """University and assessor names for the ids recorded in these events (two queries
    at most, whatever the number of events)."""
    ids = {"university": set(), "assessor": set()}
    for event in events:
        for key in ids:
            value = (event.changes or {}).get(key) if isinstance(event.changes, dict) else None
            for v in value if isinstance(value, list | tuple) else [value]:
                if isinstance(v, int) and not isinstance(v, bool):
                    ids[key].add(v)
    names = {"university": {}, "assessor": {}}
    if ids["university"]:
        names["university"] = {
            u.pk: u.short_name or u.name
            for u in University.objects.filter(pk__in=ids["university"])
        }
    if ids["assessor"]:
        names["assessor"] = {
            u.pk: u.get_full_name() or u.username
            for u in User.objects.filter(pk__in=ids["assessor"])
        }
    return names


def describe_events(events) -> list:
    """Give each event `label` (the action in words), `status_change` ("Submitted ->
    Under assessment", or "") and `change_rows` ([ChangeRow]). Returns the events."""
    events = list(events)
    if not events:  # the indicator page, opened for the first time: most of deadline day
        return events
    names = _names(events)
    status_labels = dict(Status.choices)
    action_labels = dict(AuditEvent.Action.choices)
    for event in events:
        event.label = str(action_labels.get(event.action, event.action))
        event.status_change = ""
        if event.from_status or event.to_status:
            before = status_labels.get(event.from_status, "—") if event.from_status else "—"
            event.status_change = (
                f"{before} → {status_labels.get(event.to_status, event.to_status)}"
            )
        event.change_rows = _rows(event.changes, names)
    return events
