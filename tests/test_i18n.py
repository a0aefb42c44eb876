"""The Indonesian catalog is complete: no untranslated and no fuzzy entry.

Reads locale/id/LC_MESSAGES/django.po with a small parser (no polib, nothing
compiled). Marked `i18n`: other engineers keep adding strings, and the catalog
is brought up to date with `make messages` before a release.
"""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings

PO_FILE = Path(settings.BASE_DIR) / "locale" / "id" / "LC_MESSAGES" / "django.po"
KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (\".*\")$")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdrf]|%[sdf]|%\.\d+f")


def _unquote(literal: str) -> str:
    return ast.literal_eval(literal)


def parse_po(text: str) -> list[dict]:
    """Entries as dicts of keyword -> string, plus `flags`; obsolete entries skipped."""
    entries = []
    for block in text.split("\n\n"):
        entry: dict = {"flags": set()}
        current = None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry = {}
                break
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif match := KEYWORD.match(line):
                current = match.group(1)
                entry[current] = _unquote(match.group(2))
            elif line.startswith('"') and current:
                entry[current] += _unquote(line)
        if "msgid" in entry:
            entries.append(entry)
    return entries


def _label(entry: dict) -> str:
    return entry.get("msgctxt", "") + "|" + entry["msgid"]


@pytest.fixture(scope="module")
def catalog() -> list[dict]:
    assert PO_FILE.is_file(), f"{PO_FILE} is missing: run `make messages`"
    return parse_po(PO_FILE.read_text(encoding="utf-8"))


def test_i18n_parser_reads_wrapped_plural_and_fuzzy_entries():
    text = (
        'msgid ""\nmsgstr ""\n"Language: id\\n"\n\n'
        '#, fuzzy, python-format\nmsgid ""\n"Two "\n"lines"\nmsgstr "Dua baris"\n\n'
        'msgid "%(n)s file"\nmsgid_plural "%(n)s files"\nmsgstr[0] ""\n\n'
        '#~ msgid "Gone"\n#~ msgstr "Hilang"\n'
    )
    header, wrapped, plural = parse_po(text)
    assert header["msgstr"] == "Language: id\n"
    assert wrapped["msgid"] == "Two lines" and "fuzzy" in wrapped["flags"]
    assert plural["msgid_plural"] == "%(n)s files" and plural["msgstr[0]"] == ""


@pytest.mark.i18n
def test_i18n_catalog_is_indonesian_with_one_plural_form(catalog):
    header = catalog[0]
    assert header["msgid"] == ""
    assert "Language: id\n" in header["msgstr"]
    assert "Plural-Forms: nplurals=1; plural=0;" in header["msgstr"]
    assert "fuzzy" not in header["flags"]


@pytest.mark.i18n
def test_i18n_catalog_has_no_untranslated_entry(catalog):
    untranslated = [
        _label(e)
        for e in catalog[1:]
        if not any(v for k, v in e.items() if k.startswith("msgstr"))
        or any(v == "" for k, v in e.items() if k.startswith("msgstr["))
    ]
    assert untranslated == [], f"{len(untranslated)} untranslated: run `make messages`"


@pytest.mark.i18n
def test_i18n_catalog_has_no_fuzzy_entry(catalog):
    fuzzy = [_label(e) for e in catalog[1:] if "fuzzy" in e["flags"]]
    assert fuzzy == [], f"{len(fuzzy)} fuzzy: check and translate them"


@pytest.mark.i18n
def test_i18n_translations_keep_every_placeholder(catalog):
    broken = []
    for entry in catalog[1:]:
        wanted = sorted(PLACEHOLDER.findall(entry["msgid"]))
        for key, value in entry.items():
            if key.startswith("msgstr") and value and sorted(PLACEHOLDER.findall(value)) != wanted:
                broken.append(_label(entry))
    assert broken == []


@pytest.mark.i18n
def test_i18n_catalog_uses_the_ministry_terms(catalog):
    by_id = {e["msgid"]: e.get("msgstr") or e.get("msgstr[0]") for e in catalog[1:]}
    assert by_id["Self-evaluation"] == "Evaluasi Mandiri"
    assert by_id["SPBE index"] == "Indeks SPBE"
    assert by_id["Assessor"] == "Asesor"
    assert by_id["Institution supervisor"] == "Penanggung jawab instansi"
