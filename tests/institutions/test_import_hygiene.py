"""The roster import refuses what would break a page or the database later: control
characters, NUL and bidi overrides (with row and column), values outside the header's
columns, and codes that do not follow their kind's pattern. Nothing is written unless
the whole file is valid, in a dry run and in the real run alike."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from institutions import services as s
from institutions.models import Institution
from tests import factories as f

from .test_import import HEADER, row_error, write_csv, write_xlsx


@pytest.fixture
def province(db):
    return f.ProvinceFactory(code="51", name="Provinsi Bali", short_name="Bali")


def _both_runs_refuse(path, capsys):
    for args in ((str(path), "--dry-run"), (str(path),)):
        with pytest.raises(CommandError, match=r"problem\(s\) found; nothing was written"):
            call_command("import_institutions", *args)
    assert not Institution.objects.filter(code__in=["L90", "L91", "5172"]).exists()
    return capsys.readouterr().err


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("bad", "char", "position"),
    [
        ("Badan\x00Contoh", "U+0000", 6),
        ("Badan\x07Contoh", "U+0007", 6),
        ("Badan \u202eHotnoc", "U+202E", 7),
        ("\u2066Badan Contoh", "U+2066", 1),
    ],
)
def test_control_nul_and_bidi_characters_are_refused_with_row_and_column(
    tmp_path, capsys, bad, char, position
):
    path = write_csv(
        tmp_path,
        [
            ["L90", "Badan Baik", "", "lembaga", "", ""],
            ["L91", bad, "", "lembaga", "", ""],
        ],
    )
    err = _both_runs_refuse(path, capsys)
    expected = s.BAD_CHARACTER % {"char": char, "position": position}
    assert row_error(3, "name", expected) in err
    assert "row 2" not in err.lower().replace("row 2,", "")  # the good row has no error


@pytest.mark.django_db
def test_values_beyond_the_header_are_reported(tmp_path, capsys):
    path = write_csv(
        tmp_path,
        [["L90", "Badan Contoh", "", "lembaga", "", "", "catatan lepas"]],
    )
    err = _both_runs_refuse(path, capsys)
    message = s.EXTRA_CELLS % {"position": len(HEADER) + 1, "value": "catatan lepas"}
    assert row_error(2, f"#{len(HEADER) + 1}", message) in err


@pytest.mark.django_db
def test_codes_must_follow_their_kind(tmp_path, capsys, province):
    path = write_xlsx(
        tmp_path,
        [
            [9993.5, "Kota Contoh", "", "kota", 51, ""],
            ["5272", "Kota Lain", "", "kota", "51", ""],
            ["L9", "Badan Contoh", "", "lembaga", "", ""],
            ["511", "Provinsi Contoh", "", "provinsi", "", ""],
        ],
    )
    err = _both_runs_refuse(path, capsys)
    assert (
        row_error(2, "code", s.BAD_CODE % {"code": "9993.5", "kind": "kota", "pattern": "NNNN"})
        in err
    )
    assert row_error(3, "code", s.REGION_CODE_PROVINCE % {"code": "5272", "province": "51"}) in err
    assert (
        row_error(
            4, "code", s.BAD_CODE % {"code": "L9", "kind": "lembaga", "pattern": "L + 2-3 digits"}
        )
        in err
    )
    assert (
        row_error(5, "code", s.BAD_CODE % {"code": "511", "kind": "provinsi", "pattern": "NN"})
        in err
    )


@pytest.mark.django_db
def test_a_clean_file_still_imports(tmp_path, province):
    path = write_csv(tmp_path, [["5172", "Kota Contoh", "", "kota", "51", ""]])
    call_command("import_institutions", str(path))
    assert Institution.objects.get(code="5172").province == province
