from collections import Counter

import pytest
from django.core.management import call_command

from institutions.models import Institution, University
from institutions.roster_2019 import regional_roster_2019


@pytest.fixture
def loaded(db, capsys):
    call_command("load_institutions")
    return capsys.readouterr().out


def test_load_institutions_creates_exactly_623(loaded):
    assert Institution.objects.count() == 623
    assert "total         623   created 623  updated   0  unchanged   0" in loaded


def test_load_institutions_counts_per_kind(loaded):
    counts = Counter(Institution.objects.values_list("kind", flat=True))
    assert counts == {
        "kementerian": 34,
        "lembaga": 41,
        "provinsi": 34,
        "kabupaten": 416,
        "kota": 98,
    }


def test_load_institutions_regions_belong_to_the_province_of_their_code(loaded):
    regions = Institution.objects.local_governments().exclude(kind="provinsi")
    for region in regions.select_related("province"):
        assert region.province.kind == "provinsi"
        assert region.code.startswith(region.province.code), region.code
        assert len(region.code) == 4


def test_load_institutions_names_are_well_cased(loaded):
    names = dict(Institution.objects.values_list("code", "name"))
    assert names["11"] == "Provinsi Aceh"
    assert names["31"] == "Provinsi DKI Jakarta"
    assert names["34"] == "Provinsi Daerah Istimewa Yogyakarta"
    assert names["21"] == "Provinsi Kepulauan Riau"
    assert names["1101"] == "Kabupaten Simeulue"
    assert names["3171"] == "Kota Jakarta Selatan"
    assert names["7472"] == "Kota Baubau"
    assert names["1405"] == "Kabupaten Siak"
    assert names["7309"] == "Kabupaten Pangkajene dan Kepulauan"
    assert names["K23"] == ("Kementerian Pendayagunaan Aparatur Negara dan Reformasi Birokrasi")


def test_load_institutions_kind_follows_the_prefix_not_the_word_kota(loaded):
    kinds = dict(Institution.objects.values_list("code", "kind"))
    assert kinds["6302"] == "kabupaten"  # KABUPATEN KOTA BARU -> Kotabaru
    assert kinds["1308"] == "kabupaten"  # Lima Puluh Kota
    assert kinds["6201"] == "kabupaten"  # Kotawaringin Barat
    assert kinds["7174"] == "kota"  # Kota Kotamobagu


def test_load_institutions_short_names(loaded):
    short = dict(Institution.objects.values_list("code", "short_name"))
    assert short["11"] == "Aceh"
    assert short["3204"] == "Kab. Bandung"
    assert short["3273"] == "Kota Bandung"
    assert short["L01"] == "BPS"


def test_load_institutions_second_run_changes_nothing_and_says_so(loaded, capsys):
    before = dict(Institution.objects.values_list("code", "updated_at"))
    call_command("load_institutions")
    out = capsys.readouterr().out
    assert "total         623   created   0  updated   0  unchanged 623" in out
    assert "Nothing changed" in out
    assert dict(Institution.objects.values_list("code", "updated_at")) == before
    assert University.objects.count() == 5


def test_load_institutions_repairs_an_edited_name(loaded, capsys):
    Institution.objects.filter(code="1101").update(name="Kab Simeulue (typo)")
    call_command("load_institutions")
    out = capsys.readouterr().out
    assert "updated   1" in out
    assert Institution.objects.get(code="1101").name == "Kabupaten Simeulue"


def test_load_institutions_keeps_a_deactivated_institution_inactive(loaded):
    Institution.objects.filter(code="L41").update(is_active=False)
    call_command("load_institutions", verbosity=0)
    assert Institution.objects.get(code="L41").is_active is False


def test_load_institutions_creates_the_five_universities(loaded):
    assert dict(University.objects.values_list("code", "name")) == {
        "ui": "Universitas Indonesia",
        "ugm": "Universitas Gadjah Mada",
        "pens": "Politeknik Elektronika Negeri Surabaya",
        "telkom": "Universitas Telkom",
        "gunadarma": "Universitas Gunadarma",
    }


def test_regional_roster_reads_the_package_csv_files(tmp_path):
    (tmp_path / "provinces.csv").write_text("11,ACEH\n", encoding="utf-8")
    (tmp_path / "regencies.csv").write_text(
        "1101,11,KABUPATEN SIMEULUE\n1171,11,KOTA BANDA ACEH\n", encoding="utf-8"
    )
    entries = regional_roster_2019(csv_dir=tmp_path)
    assert [(e.code, e.name, e.kind, e.province_code) for e in entries] == [
        ("11", "Provinsi Aceh", "provinsi", ""),
        ("1101", "Kabupaten Simeulue", "kabupaten", "11"),
        ("1171", "Kota Banda Aceh", "kota", "11"),
    ]
