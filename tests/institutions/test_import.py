import csv

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from institutions import services as s
from institutions.models import Institution
from tests import factories as f

HEADER = ["code", "name", "short_name", "kind", "province_code", "is_active"]


def write_csv(tmp_path, rows, header=HEADER, name="roster.csv"):
    path = tmp_path / name
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        if header is not None:
            writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(tmp_path, rows, header=HEADER, name="roster.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def run_bad(path, capsys):
    """Run the import on a bad file: it must fail and write nothing; returns stderr."""
    before = Institution.objects.count()
    with pytest.raises(CommandError, match=r"problem\(s\) found; nothing was written"):
        call_command("import_institutions", str(path))
    assert Institution.objects.count() == before
    return capsys.readouterr().err


def row_error(row, column, message):
    return str(s.ROW_ERROR % {"row": row, "column": column, "message": message})


@pytest.fixture
def province(db):
    return f.ProvinceFactory(code="51", name="Provinsi Bali", short_name="Bali")


# --- valid files ---------------------------------------------------------------------


@pytest.mark.django_db
def test_import_csv_creates_institutions_with_province_from_file_and_db(tmp_path, province):
    path = write_csv(
        tmp_path,
        [
            ["52", "Provinsi Nusa Tenggara Barat", "NTB", "provinsi", "", "1"],
            ["5271", "Kota Mataram", "Kota Mataram", "kota", "52", ""],
            ["5171", "Kota Denpasar", "Kota Denpasar", "KOTA", "51", "ya"],
            ["L99", "Badan Contoh", "BC", "lembaga", "", "tidak"],
        ],
    )
    call_command("import_institutions", str(path))
    mataram = Institution.objects.select_related("province").get(code="5271")
    assert mataram.province.code == "52"
    assert mataram.province.kind == "provinsi"
    assert Institution.objects.get(code="5171").province == province
    assert Institution.objects.get(code="L99").is_active is False


@pytest.mark.django_db
def test_import_xlsx_applies_numeric_codes_and_boolean_cells(tmp_path, province):
    path = write_xlsx(
        tmp_path,
        [
            [5171, "Kota Denpasar", "Kota Denpasar", "kota", 51, True],
            [5103, "Kabupaten Badung", "Kab. Badung", "kabupaten", 51, False],
            [None, None, None, None, None, None],  # blank line
        ],
    )
    call_command("import_institutions", str(path))
    badung = Institution.objects.get(code="5103")
    assert badung.name == "Kabupaten Badung"
    assert badung.province == province
    assert badung.is_active is False
    assert Institution.objects.get(code="5171").is_active is True


@pytest.mark.django_db
def test_import_updates_and_reports_old_and_new_values(tmp_path, province, capsys):
    f.InstitutionFactory(code="5171", name="Kota Denpasar Lama", province=province)
    path = write_csv(tmp_path, [["5171", "Kota Denpasar", "Kota Denpasar", "kota", "51", ""]])
    call_command("import_institutions", str(path))
    out = capsys.readouterr().out
    assert "name: 'Kota Denpasar Lama' -> 'Kota Denpasar'" in out
    assert "0 created, 1 updated, 0 unchanged." in out
    assert Institution.objects.get(code="5171").name == "Kota Denpasar"


@pytest.mark.django_db
def test_import_second_run_is_unchanged(tmp_path, province, capsys):
    path = write_csv(tmp_path, [["5171", "Kota Denpasar", "Kota Denpasar", "kota", "51", "1"]])
    call_command("import_institutions", str(path))
    call_command("import_institutions", str(path))
    assert "0 created, 0 updated, 1 unchanged." in capsys.readouterr().out


@pytest.mark.django_db
def test_import_without_optional_columns_keeps_short_name_and_active(tmp_path, province):
    f.InstitutionFactory(code="5171", short_name="Denpasar", is_active=False, province=province)
    path = write_csv(
        tmp_path,
        [["5171", "Kota Denpasar", "kota", "51"]],
        header=["code", "name", "kind", "province_code"],
    )
    call_command("import_institutions", str(path))
    denpasar = Institution.objects.get(code="5171")
    assert (denpasar.name, denpasar.short_name, denpasar.is_active) == (
        "Kota Denpasar",
        "Denpasar",
        False,
    )


@pytest.mark.django_db
def test_import_semicolon_csv_from_spreadsheet_software(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("\ufeffcode;name;kind\nK99;Kementerian Contoh;kementerian\n", encoding="utf-8")
    call_command("import_institutions", str(path))
    assert Institution.objects.get(code="K99").kind == "kementerian"


# --- dry run ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_dry_run_writes_nothing_and_lists_the_changes(tmp_path, province, capsys):
    f.InstitutionFactory(code="5171", name="Kota Denpasar Lama", province=province)
    f.InstitutionFactory(code="5103", name="Kabupaten Badung", kind="kabupaten", province=province)
    path = write_csv(
        tmp_path,
        [
            ["5171", "Kota Denpasar", "", "kota", "51", ""],
            ["5103", "Kabupaten Badung", "", "kabupaten", "51", ""],
            ["5108", "Kabupaten Buleleng", "Kab. Buleleng", "kabupaten", "51", ""],
        ],
        header=["code", "name", "short_name", "kind", "province_code", "is_active"],
    )
    Institution.objects.filter(code="5103").update(short_name="")
    call_command("import_institutions", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "+ 5108  Kabupaten Buleleng (kabupaten)" in out
    assert "~ 5171  Kota Denpasar" in out
    assert "name: 'Kota Denpasar Lama' -> 'Kota Denpasar'" in out
    assert "Dry run, nothing written: 1 created, 1 updated, 1 unchanged." in out
    assert not Institution.objects.filter(code="5108").exists()
    assert Institution.objects.get(code="5171").name == "Kota Denpasar Lama"


# --- bad files: one message per bad row, nothing written --------------------------------


@pytest.mark.django_db
def test_import_unknown_kind(tmp_path, capsys):
    path = write_csv(
        tmp_path,
        [
            ["K99", "Kementerian Contoh", "", "kementerian", "", ""],
            ["X1", "Dinas", "", "dinas", "", ""],
        ],
    )
    err = run_bad(path, capsys)
    choices = "kementerian, lembaga, provinsi, kabupaten, kota"
    assert row_error(3, "kind", s.UNKNOWN_KIND % {"value": "dinas", "choices": choices}) in err
    assert not Institution.objects.filter(code="K99").exists()


@pytest.mark.django_db
def test_import_missing_code_and_name(tmp_path, capsys):
    path = write_csv(
        tmp_path,
        [["", "Badan Tanpa Kode", "", "lembaga", "", ""], ["L98", "", "", "lembaga", "", ""]],
    )
    err = run_bad(path, capsys)
    assert row_error(2, "code", s.CODE_REQUIRED) in err
    assert row_error(3, "name", s.NAME_REQUIRED) in err


@pytest.mark.django_db
def test_import_duplicate_code_in_file(tmp_path, capsys):
    path = write_csv(
        tmp_path,
        [
            ["L98", "Badan Satu", "", "lembaga", "", ""],
            ["L97", "Badan Dua", "", "lembaga", "", ""],
            ["L98", "Badan Tiga", "", "lembaga", "", ""],
        ],
    )
    err = run_bad(path, capsys)
    assert row_error(4, "code", s.DUPLICATE_CODE % {"code": "L98", "first": 2}) in err


@pytest.mark.django_db
def test_import_regency_without_province(tmp_path, capsys):
    path = write_csv(tmp_path, [["5103", "Kabupaten Badung", "", "kabupaten", "", ""]])
    err = run_bad(path, capsys)
    assert row_error(2, "province_code", s.PROVINCE_REQUIRED % {"kind": "kabupaten"}) in err


@pytest.mark.django_db
def test_import_city_with_unknown_province(tmp_path, capsys):
    path = write_csv(tmp_path, [["5171", "Kota Denpasar", "", "kota", "51", ""]])
    err = run_bad(path, capsys)
    assert row_error(2, "province_code", s.PROVINCE_UNKNOWN % {"code": "51"}) in err


@pytest.mark.django_db
def test_import_city_whose_province_code_is_not_a_province(tmp_path, capsys):
    f.MinistryFactory(code="K01")
    path = write_csv(tmp_path, [["5171", "Kota Denpasar", "", "kota", "K01", ""]])
    err = run_bad(path, capsys)
    assert row_error(2, "province_code", s.PROVINCE_NOT_A_PROVINCE % {"code": "K01"}) in err


@pytest.mark.django_db
def test_import_province_code_on_a_ministry(tmp_path, province, capsys):
    path = write_csv(tmp_path, [["K99", "Kementerian Contoh", "", "kementerian", "51", ""]])
    err = run_bad(path, capsys)
    message = s.PROVINCE_NOT_ALLOWED % {"kind": "kementerian"}
    assert row_error(2, "province_code", message) in err


@pytest.mark.django_db
def test_import_bad_is_active(tmp_path, capsys):
    path = write_csv(tmp_path, [["K99", "Kementerian Contoh", "", "kementerian", "", "maybe"]])
    err = run_bad(path, capsys)
    assert row_error(2, "is_active", s.BAD_BOOLEAN % {"value": "maybe"}) in err


@pytest.mark.django_db
def test_import_too_long_name(tmp_path, capsys):
    path = write_csv(tmp_path, [["K99", "X" * 300, "", "kementerian", "", ""]])
    err = run_bad(path, capsys)
    assert row_error(2, "name", s.TOO_LONG % {"limit": 255, "length": 300}) in err


@pytest.mark.django_db
def test_import_province_with_regions_cannot_change_kind(tmp_path, province, capsys):
    f.InstitutionFactory(code="5171", province=province)
    path = write_csv(tmp_path, [["51", "Badan Bali", "", "lembaga", "", ""]])
    err = run_bad(path, capsys)
    assert row_error(2, "kind", s.PROVINCE_HAS_REGIONS % {"kind": "lembaga"}) in err
    assert Institution.objects.get(code="51").kind == "provinsi"


@pytest.mark.django_db
def test_import_reports_every_bad_row_and_keeps_the_good_ones_out(tmp_path, capsys):
    path = write_csv(
        tmp_path,
        [
            ["K99", "Kementerian Contoh", "", "kementerian", "", ""],
            ["X1", "Dinas", "", "dinas", "", ""],
            ["5171", "Kota Denpasar", "", "kota", "", ""],
        ],
    )
    err = run_bad(path, capsys)
    assert "Row 3" in err
    assert "Row 4" in err
    assert "Row 2" not in err
    assert Institution.objects.count() == 0


@pytest.mark.django_db
def test_import_wrong_extension(tmp_path, capsys):
    path = tmp_path / "roster.txt"
    path.write_text("code,name,kind\n", encoding="utf-8")
    err = run_bad(path, capsys)
    assert str(s.FILE_EXTENSION % {"ext": ".txt"}) in err


@pytest.mark.django_db
def test_import_empty_file(tmp_path, capsys):
    path = tmp_path / "roster.csv"
    path.write_text("", encoding="utf-8")
    assert str(s.FILE_EMPTY) in run_bad(path, capsys)


@pytest.mark.django_db
def test_import_header_without_rows(tmp_path, capsys):
    path = write_csv(tmp_path, [])
    assert str(s.FILE_NO_ROWS) in run_bad(path, capsys)


@pytest.mark.django_db
def test_import_unreadable_xlsx(tmp_path, capsys):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(b"this is not a spreadsheet")
    assert "The file cannot be read" in run_bad(path, capsys)


@pytest.mark.django_db
def test_import_missing_file(tmp_path, capsys):
    assert "The file cannot be read" in run_bad(tmp_path / "nope.csv", capsys)


@pytest.mark.django_db
def test_import_non_utf8_csv(tmp_path, capsys):
    path = tmp_path / "roster.csv"
    path.write_bytes("code,name,kind\nK99,Kementerian Sé,kementerian\n".encode("utf-16"))
    assert "The file cannot be read" in run_bad(path, capsys)


@pytest.mark.django_db
def test_import_wrong_header(tmp_path, capsys):
    path = write_csv(
        tmp_path, [["K99", "Kementerian Contoh", "kementerian"]], header=["kode", "name", "kind"]
    )
    err = run_bad(path, capsys)
    expected = ", ".join(s.COLUMNS)
    assert str(s.HEADER_MISSING % {"columns": "code", "expected": expected}) in err


@pytest.mark.django_db
def test_import_header_with_unknown_column(tmp_path, capsys):
    path = write_csv(
        tmp_path,
        [["K99", "Kementerian Contoh", "kementerian", "x"]],
        header=["code", "name", "kind", "alamat"],
    )
    err = run_bad(path, capsys)
    expected = ", ".join(s.COLUMNS)
    assert str(s.HEADER_UNKNOWN % {"columns": "alamat", "expected": expected}) in err


# --- services ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_parse_roster_returns_row_and_column_of_each_error(tmp_path):
    path = write_xlsx(tmp_path, [["5171", "Kota Denpasar", "", "kota", "", ""]])
    plan = s.parse_roster(path=path)
    assert [(e.row, e.column) for e in plan.errors] == [(2, "province_code")]
    assert plan.changes == []


@pytest.mark.django_db
def test_apply_roster_refuses_an_invalid_plan(tmp_path):
    path = write_csv(tmp_path, [["X1", "Dinas", "", "dinas", "", ""]])
    plan = s.parse_roster(path=path)
    with pytest.raises(s.ValidationError):
        s.apply_roster(plan=plan)
    assert Institution.objects.count() == 0
