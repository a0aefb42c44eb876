"""Writes to the roster: validating, planning and applying institution entries.

An import file (`parse_roster`) and the 2019 loader (institutions.roster_2019) both
produce a list of `RosterEntry`; `plan_roster` validates the entries and compares them
with the database (a `RosterPlan`: errors, and one `RosterChange` per entry), and
`apply_roster` writes a valid plan in one transaction. The management commands
`load_institutions` and `import_institutions` are thin interfaces over these.
`read_table` and the character checks serve the portal's other file imports too.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Institution

Kind = Institution.Kind

# --- messages (tests import these) --------------------------------------------------

ROW_ERROR = _("Row %(row)s, column “%(column)s”: %(message)s")
CODE_REQUIRED = _("a code is required.")
NAME_REQUIRED = _("a name is required.")
TOO_LONG = _("at most %(limit)d characters are allowed (this value has %(length)d).")
UNKNOWN_KIND = _("unknown kind “%(value)s”; use one of: %(choices)s.")
DUPLICATE_CODE = _("the code “%(code)s” already appears in row %(first)s.")
PROVINCE_REQUIRED = _("a %(kind)s needs the code of its province.")
PROVINCE_UNKNOWN = _("no province has the code “%(code)s”, neither in the portal nor in this file.")
PROVINCE_NOT_A_PROVINCE = _("“%(code)s” is not a province.")
PROVINCE_NOT_ALLOWED = _("only a kabupaten or kota has a province; leave it empty for a %(kind)s.")
PROVINCE_HAS_REGIONS = _(
    "this province still has regencies or cities; it cannot become a %(kind)s."
)
BAD_BOOLEAN = _("“%(value)s” is not a yes/no value (use 1/0, yes/no, true/false or ya/tidak).")
FILE_EXTENSION = _("Unsupported file type “%(ext)s”: use a .csv or .xlsx file.")
FILE_UNREADABLE = _("The file cannot be read: %(reason)s")
FILE_EMPTY = _("The file is empty: it has no header row.")
FILE_NO_ROWS = _("The file has a header but no institution rows.")
HEADER_MISSING = _("The header lacks the column(s) %(columns)s. Expected columns: %(expected)s.")
HEADER_UNKNOWN = _("The header has unknown column(s) %(columns)s. Expected columns: %(expected)s.")
HEADER_DUPLICATE = _("The header repeats the column(s) %(columns)s.")
PLAN_INVALID = _("The roster has errors; nothing was written.")
BAD_CHARACTER = _(
    "contains the invisible or control character %(char)s at position %(position)s; "
    "retype the value without it."
)
BAD_CODE = _("“%(code)s” is not a %(kind)s code: expected %(pattern)s.")
REGION_CODE_PROVINCE = _(
    "the code “%(code)s” does not start with its province's code “%(province)s”."
)
EXTRA_CELLS = _("a value in column %(position)s, which the header does not name: “%(value)s”.")

# --- import file format ------------------------------------------------------------

REQUIRED_COLUMNS = ("code", "name", "kind")
OPTIONAL_COLUMNS = ("short_name", "province_code", "is_active")
COLUMNS = ("code", "name", "short_name", "kind", "province_code", "is_active")
TRUE_VALUES = {"1", "true", "yes", "y", "ya", "aktif"}
FALSE_VALUES = {"0", "false", "no", "n", "tidak", "nonaktif"}
REGION_KINDS = (Kind.KABUPATEN, Kind.KOTA)
# NUL and the other C0/C1 controls, and the marks that reorder text on screen (bidi
# embeddings, overrides and isolates): a name must read the same everywhere it is shown.
FORBIDDEN_CHARACTERS = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
# Codes by kind: Kemendagri's two digits for a province and four for a regency or city;
# the project's own K and L numbering for ministries and agencies.
CODE_PATTERNS = {
    Kind.PROVINSI: (re.compile(r"\d{2}"), "NN"),
    Kind.KABUPATEN: (re.compile(r"\d{4}"), "NNNN"),
    Kind.KOTA: (re.compile(r"\d{4}"), "NNNN"),
    Kind.KEMENTERIAN: (re.compile(r"K\d{2,3}"), "K + 2-3 digits"),
    Kind.LEMBAGA: (re.compile(r"L\d{2,3}"), "L + 2-3 digits"),
}


@dataclass(frozen=True)
class RosterEntry:
    """One institution as a source describes it.

    `short_name` and `is_active` None mean "keep what the portal has" (new rows get
    "" and True); `row` is the spreadsheet row for messages (header = row 1).
    """

    code: str
    name: str
    kind: str
    short_name: str | None = None
    province_code: str = ""
    is_active: bool | None = None
    row: int = 0


@dataclass(frozen=True)
class RosterError:
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        return str(ROW_ERROR % {"row": self.row, "column": self.column, "message": self.message})


@dataclass
class RosterChange:
    """What applying an entry does: create, update (with field, old, new) or nothing."""

    CREATE = "created"
    UPDATE = "updated"
    UNCHANGED = "unchanged"

    entry: RosterEntry
    action: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class RosterPlan:
    entries: list[RosterEntry]
    errors: list[RosterError] = field(default_factory=list)
    changes: list[RosterChange] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def has_changes(self) -> bool:
        return any(c.action != RosterChange.UNCHANGED for c in self.changes)

    def counts(self) -> dict[str, Counter]:
        """kind -> Counter(created=…, updated=…, unchanged=…), kinds in Kind order."""
        by_kind: dict[str, Counter] = {k: Counter() for k in Kind.values}
        for change in self.changes:
            by_kind[change.entry.kind][change.action] += 1
        return {k: c for k, c in by_kind.items() if c}

    def totals(self) -> Counter:
        return Counter(c.action for c in self.changes)


# --- validation and planning -------------------------------------------------------


def _err(entry: RosterEntry, column: str, message) -> RosterError:
    return RosterError(row=entry.row, column=column, message=str(message))


def _length_errors(entry: RosterEntry) -> list[RosterError]:
    errors = []
    if not entry.code:
        errors.append(_err(entry, "code", CODE_REQUIRED))
    if not entry.name:
        errors.append(_err(entry, "name", NAME_REQUIRED))
    for column in ("code", "name", "short_name"):
        limit = Institution._meta.get_field(column).max_length
        value = getattr(entry, column) or ""
        if len(value) > limit:
            errors.append(_err(entry, column, TOO_LONG % {"limit": limit, "length": len(value)}))
    return errors


def _character_errors(entry: RosterEntry) -> list[RosterError]:
    errors = []
    for column in ("code", "name", "short_name", "kind", "province_code"):
        bad = FORBIDDEN_CHARACTERS.search(getattr(entry, column) or "")
        if bad:
            char = f"U+{ord(bad.group()):04X}"
            message = BAD_CHARACTER % {"char": char, "position": bad.start() + 1}
            errors.append(_err(entry, column, message))
    return errors


def _code_errors(entry: RosterEntry) -> list[RosterError]:
    """The code's shape for its kind; a regency's or city's code starts with its province's."""
    pattern = CODE_PATTERNS.get(entry.kind)
    if entry.code and pattern and not pattern[0].fullmatch(entry.code):
        message = BAD_CODE % {"code": entry.code, "kind": entry.kind, "pattern": pattern[1]}
        return [_err(entry, "code", message)]
    if (
        entry.kind in REGION_KINDS
        and entry.province_code
        and not entry.code.startswith(entry.province_code)
    ):
        message = REGION_CODE_PROVINCE % {"code": entry.code, "province": entry.province_code}
        return [_err(entry, "code", message)]
    return []


def _kind_errors(entry: RosterEntry) -> list[RosterError]:
    """A known kind, and a province code exactly when the kind is a regency or a city."""
    if entry.kind not in Kind.values:
        choices = ", ".join(Kind.values)
        return [_err(entry, "kind", UNKNOWN_KIND % {"value": entry.kind, "choices": choices})]
    if entry.kind in REGION_KINDS and not entry.province_code:
        return [_err(entry, "province_code", PROVINCE_REQUIRED % {"kind": entry.kind})]
    if entry.kind not in REGION_KINDS and entry.province_code:
        return [_err(entry, "province_code", PROVINCE_NOT_ALLOWED % {"kind": entry.kind})]
    return []


def _check_entry(entry: RosterEntry) -> list[RosterError]:
    """The errors an entry has on its own, without looking at the database or other rows."""
    return (
        _length_errors(entry) + _character_errors(entry) + _code_errors(entry) + _kind_errors(entry)
    )


def _diff(entry: RosterEntry, current: Institution | None, code_of: dict[int, str]) -> RosterChange:
    if current is None:
        return RosterChange(entry=entry, action=RosterChange.CREATE)
    old = {
        "name": current.name,
        "kind": current.kind,
        "province_code": code_of.get(current.province_id, ""),
        "short_name": current.short_name,
        "is_active": current.is_active,
    }
    new = {"name": entry.name, "kind": entry.kind, "province_code": entry.province_code}
    if entry.short_name is not None:
        new["short_name"] = entry.short_name
    if entry.is_active is not None:
        new["is_active"] = entry.is_active
    fields = [(f, str(old[f]), str(v)) for f, v in new.items() if old[f] != v]
    action = RosterChange.UPDATE if fields else RosterChange.UNCHANGED
    return RosterChange(entry=entry, action=action, fields=fields)


def _first_rows(entries: list[RosterEntry]) -> tuple[dict[str, int], dict[str, str]]:
    """Each code's first row in the file, and the kind that row gives it."""
    first_row: dict[str, int] = {}
    file_kind: dict[str, str] = {}
    for entry in entries:
        if entry.code and entry.code not in first_row:
            first_row[entry.code] = entry.row
            file_kind[entry.code] = entry.kind
    return first_row, file_kind


def _provinces_with_regions(code_of: dict[int, str]) -> set[str]:
    """The codes of the provinces that have regencies or cities in the portal (one query)."""
    return {
        code_of[pk]
        for pk in Institution.objects.filter(kind=Kind.PROVINSI)
        .annotate(n=Count("regions"))
        .filter(n__gt=0)
        .values_list("pk", flat=True)
        if pk in code_of
    }


def _province_errors(entry: RosterEntry, file_kind: dict, by_code: dict) -> list[RosterError]:
    """A regency's or city's province must be a province, in this file or in the portal."""
    if not (entry.province_code and entry.kind in REGION_KINDS):
        return []
    pc = entry.province_code
    kind = file_kind.get(pc) or getattr(by_code.get(pc), "kind", None)
    if kind is None:
        return [_err(entry, "province_code", PROVINCE_UNKNOWN % {"code": pc})]
    if kind != Kind.PROVINSI:
        return [_err(entry, "province_code", PROVINCE_NOT_A_PROVINCE % {"code": pc})]
    return []


def _plan(entries: list[RosterEntry], existing: list[Institution]) -> RosterPlan:
    plan = RosterPlan(entries=list(entries))
    by_code = {i.code: i for i in existing}
    code_of = {i.pk: i.code for i in existing}
    first_row, file_kind = _first_rows(entries)
    with_regions = _provinces_with_regions(code_of)
    for entry in entries:
        errors = _check_entry(entry)
        if entry.code and first_row[entry.code] != entry.row:
            message = DUPLICATE_CODE % {"code": entry.code, "first": first_row[entry.code]}
            errors.append(_err(entry, "code", message))
        errors += _province_errors(entry, file_kind, by_code)
        # A province that keeps its regions cannot become something else under them.
        if entry.code in with_regions and entry.kind in Kind.values and entry.kind != Kind.PROVINSI:
            errors.append(_err(entry, "kind", PROVINCE_HAS_REGIONS % {"kind": entry.kind}))
        plan.errors.extend(errors)
        if not errors:
            plan.changes.append(_diff(entry, by_code.get(entry.code), code_of))
    if plan.errors:
        plan.changes = []
    return plan


def plan_roster(*, entries: list[RosterEntry]) -> RosterPlan:
    """Validate `entries` and say what applying them would change. Writes nothing.

    A kabupaten/kota may name a province that is in the portal or in `entries`.
    """
    return _plan(entries, list(Institution.objects.all()))


def _cell(value) -> str | bool:
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_rows(path: Path) -> list[list]:
    """The file's rows as lists of cells (header first). Raises ValidationError."""
    ext = path.suffix.lower()
    if ext not in (".csv", ".xlsx"):
        raise ValidationError(FILE_EXTENSION % {"ext": ext or path.name})
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError(FILE_UNREADABLE % {"reason": exc}) from exc
    return read_table(name=path.name, data=data)


def read_table(*, name: str, data: bytes) -> list[list]:
    """The rows of a CSV or XLSX file's content as lists of cells (header first).

    Used for files on disk and for uploads alike. Raises ValidationError with a message
    for the user when the type is not supported or the content cannot be read.
    """
    ext = Path(name).suffix.lower()
    if ext not in (".csv", ".xlsx"):
        raise ValidationError(FILE_EXTENSION % {"ext": ext or name})
    try:
        if ext == ".csv":
            text = data.decode("utf-8-sig")
            first = text.split("\n", 1)[0]
            delimiter = ";" if ";" in first and "," not in first else ","
            return [
                [_cell(c) for c in row]
                for row in csv.reader(text.splitlines(), delimiter=delimiter)
            ]
        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            return [[_cell(c) for c in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            workbook.close()
    except (
        OSError,
        UnicodeDecodeError,
        csv.Error,
        zipfile.BadZipFile,
        KeyError,
        IndexError,
    ) as exc:
        raise ValidationError(FILE_UNREADABLE % {"reason": exc}) from exc
    except Exception as exc:  # openpyxl raises its own InvalidFileException and others
        if type(exc).__module__.startswith("openpyxl"):
            raise ValidationError(FILE_UNREADABLE % {"reason": exc}) from exc
        raise


def _header(cells: list) -> list[str]:
    names = [str(c).strip().lower().replace(" ", "_") for c in cells]
    while names and not names[-1]:
        names.pop()
    expected = ", ".join(COLUMNS)
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    unknown = [c or "(empty)" for c in names if c not in COLUMNS]
    repeated = sorted(c for c, n in Counter(names).items() if n > 1)
    if missing:
        raise ValidationError(
            HEADER_MISSING % {"columns": ", ".join(missing), "expected": expected}
        )
    if unknown:
        raise ValidationError(
            HEADER_UNKNOWN % {"columns": ", ".join(unknown), "expected": expected}
        )
    if repeated:
        raise ValidationError(HEADER_DUPLICATE % {"columns": ", ".join(repeated)})
    return names


def _boolean(value: str | bool) -> bool | None:
    if isinstance(value, bool):
        return value
    lowered = value.lower()
    if lowered in TRUE_VALUES:
        return True
    if lowered in FALSE_VALUES:
        return False
    return None


def _extra_cell_errors(number: int, cells: list, width: int) -> list[RosterError]:
    """A value beyond the named columns would be lost without a word: it is an error."""
    errors = []
    for position, extra in enumerate(cells[width:], start=width + 1):
        if extra != "":
            shown = FORBIDDEN_CHARACTERS.sub("?", str(extra))[:40]
            message = EXTRA_CELLS % {"position": position, "value": shown}
            errors.append(RosterError(number, f"#{position}", str(message)))
    return errors


def _is_active_cell(number: int, values: dict) -> tuple[bool | None, list[RosterError]]:
    """The is_active cell as a boolean; None (keep what the portal has) when empty."""
    if values.get("is_active", "") == "":
        return None, []
    is_active = _boolean(values["is_active"])
    if is_active is None:
        message = BAD_BOOLEAN % {"value": values["is_active"]}
        return None, [RosterError(number, "is_active", str(message))]
    return is_active, []


def _row_entry(number: int, cells: list, names: list[str]) -> tuple[RosterEntry, list]:
    """One file row as an entry, with the errors only the file shows (extra cells, is_active)."""
    errors = _extra_cell_errors(number, cells, len(names))
    values = dict(zip(names, [*cells, *[""] * len(names)], strict=False))
    values = {k: (v if isinstance(v, bool) else str(v).strip()) for k, v in values.items()}
    is_active, active_errors = _is_active_cell(number, values)
    entry = RosterEntry(
        code=values["code"],
        name=values["name"],
        kind=values["kind"].lower(),
        short_name=values["short_name"] if "short_name" in names else None,
        province_code=values.get("province_code", ""),
        is_active=is_active,
        row=number,
    )
    return entry, errors + active_errors


def parse_roster(*, path: Path | str) -> RosterPlan:
    """Read a roster file (CSV or XLSX), validate every row and plan the changes.

    Columns: code, name, kind (required) and short_name, province_code, is_active
    (optional; an absent short_name or is_active column, or an empty is_active cell,
    keeps what the portal has). Writes nothing. A problem with the file as a whole
    comes back as one error without a row; otherwise one error per bad cell.
    """
    path = Path(path)
    try:
        rows = _read_rows(path)
        if not rows or not any(rows[0]):
            raise ValidationError(FILE_EMPTY)
        names = _header(rows[0])
    except ValidationError as exc:
        return RosterPlan(entries=[], errors=[RosterError(None, None, m) for m in exc.messages])
    entries, errors = [], []
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c != "" for c in cells):
            continue  # blank line (spreadsheets keep many)
        entry, row_errors = _row_entry(number, cells, names)
        entries.append(entry)
        errors.extend(row_errors)
    if not entries:
        return RosterPlan(entries=[], errors=[RosterError(None, None, str(FILE_NO_ROWS))])
    plan = plan_roster(entries=entries)
    if errors:
        plan.errors = sorted(errors + plan.errors, key=lambda e: e.row or 0)
        plan.changes = []
    return plan


# --- writing -----------------------------------------------------------------------


def _apply_fields(obj: Institution, entry: RosterEntry, province_ids: dict[str, int]) -> None:
    obj.name = entry.name
    obj.kind = entry.kind
    obj.province_id = province_ids[entry.province_code] if entry.province_code else None
    if entry.short_name is not None:
        obj.short_name = entry.short_name
    if entry.is_active is not None:
        obj.is_active = entry.is_active


def _write_stage(
    stage: list[RosterChange], by_code: dict, province_ids: dict[str, int], now
) -> None:
    """Create and update one stage's institutions (two bulk writes); the provinces it
    writes join `province_ids`, so that the next stage's regions can point to them."""
    created, updated = [], []
    for change in stage:
        if change.action == RosterChange.CREATE:
            obj = Institution(code=change.entry.code, short_name="", is_active=True)
            _apply_fields(obj, change.entry, province_ids)
            created.append(obj)
        elif change.action == RosterChange.UPDATE:
            obj = by_code[change.entry.code]
            _apply_fields(obj, change.entry, province_ids)
            obj.updated_at = now
            updated.append(obj)
    Institution.objects.bulk_create(created, batch_size=500)
    Institution.objects.bulk_update(
        updated,
        ["name", "short_name", "kind", "province", "is_active", "updated_at"],
        batch_size=500,
    )
    province_ids.update({o.code: o.pk for o in created + updated if o.kind == Kind.PROVINSI})


@transaction.atomic
def apply_roster(*, plan: RosterPlan) -> RosterPlan:
    """Write a valid plan: create and update its institutions, provinces first.

    Re-plans inside the transaction against the locked rows, so what it writes is
    what the database holds now; returns that plan (its changes are what was done).
    Raises ValidationError (PLAN_INVALID) if the plan, or the re-plan, has errors.
    No audit event: the roster is reference data with no workflow.
    """
    if not plan.is_valid:
        raise ValidationError(PLAN_INVALID)
    existing = list(Institution.objects.select_for_update().order_by("pk"))
    fresh = _plan(plan.entries, existing)
    if not fresh.is_valid:
        raise ValidationError([str(e) for e in fresh.errors])
    by_code = {i.code: i for i in existing}
    now = timezone.now()
    province_ids = {i.code: i.pk for i in existing if i.kind == Kind.PROVINSI}
    # Provinces (and the central institutions) first: a new region needs its province's id.
    _write_stage(
        [c for c in fresh.changes if c.entry.kind not in REGION_KINDS], by_code, province_ids, now
    )
    _write_stage(
        [c for c in fresh.changes if c.entry.kind in REGION_KINDS], by_code, province_ids, now
    )
    return fresh
