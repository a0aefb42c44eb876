"""Institutions -> universities from a CSV file (ministry admin): preview, then apply.

The file has the columns institution_code and university_code. The preview only reads
and says, row by row, what would change or why the row cannot be used; applying re-reads
the same content and writes it as one undoable batch of `services.assignment`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from evaluations.models import Evaluation, EvaluationPeriod
from evaluations.permissions import require_admin
from evaluations.services.assignment import (
    ASSIGNABLE,
    ASSIGNMENT_LOCKED,
    UNIVERSITY_CONFLICT,
    AssignmentRun,
    _apply_university_batch,
    _university_conflicts,
)
from institutions.models import Institution, University
from institutions.services import BAD_CHARACTER, FORBIDDEN_CHARACTERS

# --- messages (tests import these) ------------------------------------------------

CSV_EMPTY = _("The file has no rows.")
CSV_BAD_HEADER = _("The file needs the columns institution_code and university_code.")
CSV_UNKNOWN_INSTITUTION = _("Unknown institution code “%(code)s”.")
CSV_NO_EVALUATION = _("%(institution)s has no evaluation in this period.")
CSV_UNKNOWN_UNIVERSITY = _("Unknown university code “%(code)s”.")
CSV_DUPLICATE = _("The institution appears more than once in the file.")
CSV_HAS_ERRORS = _("Fix the rows with errors before applying the file.")
CSV_UNKNOWN_COLUMNS = _(
    "The file has unknown column(s) %(columns)s; it takes only institution_code and "
    "university_code."
)

CSV_COLUMNS = ("institution_code", "university_code")
REQUIRED_COLUMNS = frozenset(CSV_COLUMNS)


@dataclass
class CsvRow:
    line: int
    institution_code: str
    university_code: str
    evaluation: Evaluation | None = None
    university: University | None = None
    current: University | None = None
    error: str = ""
    # A problem found while reading the line (a forbidden character, a value in a
    # column the header does not name); it wins over the checks against the database.
    read_error: str = ""

    @property
    def changes(self) -> bool:
        return not self.error and self.evaluation.university_id != self.university.pk


@dataclass
class CsvPreview:
    rows: list[CsvRow]
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and not any(r.error for r in self.rows)

    @property
    def changing(self) -> list[CsvRow]:
        return [r for r in self.rows if r.changes]

    @property
    def errors(self) -> list[CsvRow]:
        return [r for r in self.rows if r.error]


@dataclass
class _Lookups:
    """What the rows refer to, fetched once for the whole file."""

    evaluations: dict[str, Evaluation]  # institution code -> evaluation of the period
    institutions: set[str]  # institution codes that exist at all
    universities: dict[str, University]  # code -> active university
    conflicts: set[tuple[int, int]]  # (institution id, university id)


def _read_rows(content: str) -> tuple[list[CsvRow], str]:
    """The non-blank rows of the file, or a file-level error (header, no rows).

    Column names are matched case-insensitively and a spreadsheet's byte order mark is
    dropped; line numbers count the header as line 1, as a spreadsheet shows them.
    """
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")))
    header = {(h or "").strip().lower() for h in (reader.fieldnames or [])}
    if not header >= REQUIRED_COLUMNS:
        return [], str(CSV_BAD_HEADER)
    unknown = sorted(h or "(empty)" for h in header - REQUIRED_COLUMNS)
    if unknown:
        return [], str(CSV_UNKNOWN_COLUMNS % {"columns": ", ".join(unknown)})
    rows = []
    for line, record in enumerate(reader, start=2):
        # A value in a column the header does not name comes under the key None.
        extra = record.pop(None, None)
        record = {(k or "").strip().lower(): (v or "").strip() for k, v in record.items()}
        if any(record.values()) or extra:
            row = CsvRow(line, record["institution_code"], record["university_code"])
            row.read_error = _read_error(record, extra)
            rows.append(row)
    if not rows:
        return [], str(CSV_EMPTY)
    return rows, ""


def _read_error(record: dict, extra) -> str:
    """A value beyond the named columns, or a control, NUL or bidi character in a cell."""
    if extra:
        return str(CSV_UNKNOWN_COLUMNS % {"columns": f"#{len(CSV_COLUMNS) + 1}"})
    for column in CSV_COLUMNS:
        found = FORBIDDEN_CHARACTERS.search(record[column])
        if found:
            char = f"U+{ord(found.group()):04X}"
            return f"{column}: " + str(
                BAD_CHARACTER % {"char": char, "position": found.start() + 1}
            )
    return ""


def _lookups(period: EvaluationPeriod, rows: list[CsvRow]) -> _Lookups:
    codes = {r.institution_code for r in rows}
    evaluations = {
        ev.institution.code: ev
        for ev in Evaluation.objects.filter(
            period=period, institution__code__in=codes
        ).select_related("institution", "university")
    }
    return _Lookups(
        evaluations=evaluations,
        institutions=set(Institution.objects.filter(code__in=codes).values_list("code", flat=True)),
        universities={u.code: u for u in University.objects.filter(is_active=True)},
        conflicts=_university_conflicts([ev.institution_id for ev in evaluations.values()]),
    )


def _row_error(row: CsvRow, found: _Lookups, seen: set[str]) -> str:
    """Why the row cannot be applied ("" when it can); the first reason wins."""
    if row.read_error:
        return row.read_error
    if row.institution_code in seen:
        return str(CSV_DUPLICATE)
    if row.institution_code not in found.institutions:
        return str(CSV_UNKNOWN_INSTITUTION % {"code": row.institution_code})
    if row.evaluation is None:
        return str(CSV_NO_EVALUATION % {"institution": row.institution_code})
    if row.university is None:
        return str(CSV_UNKNOWN_UNIVERSITY % {"code": row.university_code})
    if (row.evaluation.institution_id, row.university.pk) in found.conflicts:
        return str(
            UNIVERSITY_CONFLICT
            % {"university": row.university, "institution": row.evaluation.institution}
        )
    # A finished assessment only blocks a row that would change its university.
    if row.evaluation.status not in ASSIGNABLE and row.changes:
        return str(ASSIGNMENT_LOCKED)
    return ""


def preview_university_csv(*, period: EvaluationPeriod, content: str) -> CsvPreview:
    """Parse a CSV (institution_code, university_code) and say what it would change.

    Reads only; each row gets its evaluation, target university, current university or
    an error (unknown code, no evaluation, duplicate, conflict, finished assessment).
    """
    rows, error = _read_rows(content)
    if error:
        return CsvPreview(rows=[], error=error)
    found = _lookups(period, rows)
    seen: set[str] = set()
    for row in rows:
        row.evaluation = found.evaluations.get(row.institution_code)
        row.university = found.universities.get(row.university_code)
        row.error = _row_error(row, found, seen)
        if row.evaluation is not None:
            row.current = row.evaluation.university
        seen.add(row.institution_code)
    return CsvPreview(rows=rows)


@transaction.atomic
def apply_university_csv(*, period: EvaluationPeriod, content: str, by) -> AssignmentRun:
    """Apply a CSV previewed with `preview_university_csv`, as one undoable batch.

    Re-parses the content (the preview is not trusted) and refuses the whole file when
    any row has an error (CSV_HAS_ERRORS, CSV_BAD_HEADER, CSV_EMPTY).
    """
    require_admin(by)
    preview = preview_university_csv(period=period, content=content)
    if preview.error:
        raise ValidationError(preview.error, code="csv")
    if not preview.ok:
        raise ValidationError(CSV_HAS_ERRORS, code="csv")
    targets = {r.evaluation.pk: r.university.pk for r in preview.changing}
    return _apply_university_batch(period=period, targets=targets, by=by, kind="csv")
