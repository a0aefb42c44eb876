"""load_framework and its service: the bundled frameworks, idempotency, --dry-run and
refused files (nothing written)."""

import copy
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from evaluations.models import Aspect, Domain, Framework, Indicator, PredicateBand
from evaluations.services.framework import (
    WEIGHTS_NOT_100,
    load_framework_data,
    validate_framework_data,
)

FIXTURES = Path(__file__).resolve().parents[2] / "evaluations" / "fixtures" / "frameworks"
FILE_2018 = FIXTURES / "permenpanrb-5-2018.json"
FILE_2020 = FIXTURES / "permenpanrb-59-2020.json"


def run(*args, **options):
    out = StringIO()
    call_command("load_framework", *args, stdout=out, **options)
    return out.getvalue()


def read(path):
    return json.loads(path.read_text(encoding="utf-8"))


def write(tmp_path, data, name="fw.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def all_indicators(data):
    return [i for d in data["domains"] for a in d["aspects"] for i in a["indicators"]]


def row_counts():
    return (
        Framework.objects.count(),
        Domain.objects.count(),
        Aspect.objects.count(),
        Indicator.objects.count(),
        PredicateBand.objects.count(),
    )


# --- The bundled files -----------------------------------------------------------------


@pytest.mark.django_db
def test_load_framework_first_run_creates_both_frameworks():
    out = run()

    assert out.splitlines() == [
        "PermenPANRB 5/2018 [permenpanrb-5-2018]: created 1 framework, 5 predicate bands, "
        "3 domains, 7 aspects, 35 indicators.",
        "PermenPANRB 59/2020 [permenpanrb-59-2020]: created 1 framework, 5 predicate bands, "
        "4 domains, 8 aspects, 47 indicators.",
    ]
    assert row_counts() == (2, 7, 15, 82, 10)


@pytest.mark.django_db
def test_load_framework_second_run_changes_nothing_and_says_so():
    run()
    before = list(Indicator.objects.values_list("pk", "name", "weight").order_by("pk"))

    out = run()

    assert out.splitlines() == [
        "PermenPANRB 5/2018 [permenpanrb-5-2018]: nothing changed (1 framework, "
        "5 predicate bands, 3 domains, 7 aspects, 35 indicators unchanged).",
        "PermenPANRB 59/2020 [permenpanrb-59-2020]: nothing changed (1 framework, "
        "5 predicate bands, 4 domains, 8 aspects, 47 indicators unchanged).",
    ]
    assert list(Indicator.objects.values_list("pk", "name", "weight").order_by("pk")) == before


@pytest.mark.django_db
def test_load_framework_restores_changed_fields_and_reports_updates():
    run()
    indicator = Indicator.objects.get(framework__code="permenpanrb-5-2018", number=35)
    original = indicator.name
    Indicator.objects.filter(pk=indicator.pk).update(name="Edited", max_entries=1)
    PredicateBand.objects.filter(name="Baik").update(lower_bound=Decimal("2.50"))

    out = run(str(FILE_2018))

    assert out == (
        "PermenPANRB 5/2018 [permenpanrb-5-2018]: updated 1 predicate bands, 1 indicators; "
        "left 1 framework, 4 predicate bands, 3 domains, 7 aspects, 34 indicators unchanged.\n"
    )
    indicator.refresh_from_db()
    assert (indicator.pk, indicator.name, indicator.max_entries) == (indicator.pk, original, 3)
    assert PredicateBand.objects.get(
        framework__code="permenpanrb-5-2018", name="Baik"
    ).lower_bound == Decimal("2.60")


@pytest.mark.django_db
def test_load_framework_dry_run_writes_nothing():
    out = run(dry_run=True)

    assert "created 1 framework, 5 predicate bands, 3 domains, 7 aspects, 35 indicators" in out
    assert out.splitlines()[-1] == "Dry run: nothing was written."
    assert row_counts() == (0, 0, 0, 0, 0)


@pytest.mark.django_db
def test_load_framework_dry_run_after_edit_reports_but_keeps_edit():
    run()
    Indicator.objects.filter(number=1).update(name="Edited")

    out = run(dry_run=True)

    assert out.count("updated 1 indicators;") == 2  # number 1 of each framework
    assert set(Indicator.objects.filter(number=1).values_list("name", flat=True)) == {"Edited"}


@pytest.mark.django_db
def test_load_framework_verbosity_zero_prints_nothing():
    assert run(verbosity=0) == ""
    assert row_counts() == (2, 7, 15, 82, 10)


# --- The content of the frameworks -----------------------------------------------------


def test_fixture_2018_weights_ladders_and_entries():
    data = read(FILE_2018)
    indicators = all_indicators(data)

    assert [i["number"] for i in indicators] == list(range(1, 36))
    assert sum(Decimal(i["weight"]) for i in indicators) == 100
    assert {i["number"]: i["ladder"] for i in indicators} == {
        n: "policy" if n <= 17 else "governance" if n <= 24 else "service" for n in range(1, 36)
    }
    assert {
        (i["number"], i["max_entries"], i["entry_label"])
        for i in indicators
        if i["max_entries"] != 1
    } == {(35, 3, "Layanan publik")}
    assert data["framework"]["min_self_level"] == 0
    assert data["framework"]["allow_zero_validated"] is False
    assert data["framework"]["multi_entry_rule"] == "separate"


def test_fixture_2020_weights_ladders_and_entries():
    data = read(FILE_2020)
    indicators = all_indicators(data)
    weights = {i["number"]: Decimal(i["weight"]) for i in indicators}

    assert sorted(weights) == list(range(1, 48))
    assert sum(weights.values()) == 100
    assert {weights[n] for n in range(1, 11)} == {Decimal("1.3")}
    assert {weights[n] for n in range(11, 21)} == {Decimal("2.5")}
    assert {weights[n] for n in range(21, 32)} == {Decimal("1.5")}
    assert {weights[n] for n in range(32, 42)} == {Decimal("2.75")}
    assert {weights[n] for n in range(42, 48)} == {Decimal("3.0")}
    assert [i["name"] for i in indicators[44:]] == [
        "Layanan Publik Sektor 1",
        "Layanan Publik Sektor 2",
        "Layanan Publik Sektor 3",
    ]
    assert {i["max_entries"] for i in indicators} == {1}
    assert data["framework"]["min_self_level"] == 1
    assert {i["level_descriptions"]["0"] for i in indicators} == {""}


@pytest.mark.parametrize("path", [FILE_2018, FILE_2020], ids=["2018", "2020"])
def test_fixture_texts_are_specific_to_each_indicator(path):
    indicators = all_indicators(read(path))

    for level in "12345":
        texts = [i["level_descriptions"][level] for i in indicators]
        assert all(texts), f"empty level {level}"
        assert len(set(texts)) == len(texts), f"level {level} repeats between indicators"
    assert all(i["evidence_guidance"] and i["description"] for i in indicators)


@pytest.mark.django_db
def test_loaded_2018_framework_names_and_bands(framework_2018):
    names = dict(framework_2018.indicators.values_list("number", "name"))

    assert names[1] == "Kebijakan Internal Tim Pengarah SPBE Instansi Pemerintah"
    assert names[16] == "Kebijakan Internal Layanan Whistle Blowing System (WBS)"
    assert names[34] == "Layanan Whistle-Blowing System"
    assert names[35] == "Layanan Publik Instansi Pemerintah"
    assert list(framework_2018.predicate_bands.values_list("name", "lower_bound")) == [
        ("Memuaskan", Decimal("4.20")),
        ("Sangat Baik", Decimal("3.50")),
        ("Baik", Decimal("2.60")),
        ("Cukup", Decimal("1.80")),
        ("Kurang", Decimal("0.00")),
    ]
    assert Indicator.objects.get(framework=framework_2018, number=18).level_description(0)


# --- Refused files ---------------------------------------------------------------------


@pytest.mark.django_db
def test_load_framework_refuses_bad_weights_and_writes_nothing(tmp_path):
    data = read(FILE_2020)
    all_indicators(data)[0]["weight"] = "0.3"
    bad = write(tmp_path, data)

    with pytest.raises(CommandError) as exc:
        run(str(FILE_2018), str(bad))

    assert str(exc.value) == (
        "fw.json refused, nothing was written: "
        "The indicator weights of permenpanrb-59-2020 sum to 99, not 100."
    )
    assert row_counts() == (0, 0, 0, 0, 0)


@pytest.mark.django_db
def test_load_framework_refuses_invalid_json(tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text('{"framework": ', encoding="utf-8")

    with pytest.raises(CommandError, match=r"broken.json refused, nothing was written: not valid"):
        run(str(FILE_2018), str(bad))

    assert row_counts() == (0, 0, 0, 0, 0)


@pytest.mark.django_db
def test_load_framework_refuses_missing_file(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run(str(tmp_path / "nope.json"))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("domains"), "file: missing key 'domains'"),
        (lambda d: d["framework"].pop("code"), "framework: missing key 'code'"),
        (
            lambda d: d["framework"].update(multi_entry_rule="median"),
            "'multi_entry_rule' must be one of separate, mean, not 'median'",
        ),
        (
            lambda d: all_indicators(d)[3].update(ladder="other"),
            "indicator 4: 'ladder' must be one of policy, governance, service",
        ),
        (
            lambda d: all_indicators(d)[3]["level_descriptions"].pop("5"),
            "indicator 4: level_descriptions must map each of '0'..'5' to a text",
        ),
        (
            lambda d: all_indicators(d)[3].update(number=3),
            "indicator number 3 appears more than once",
        ),
        (
            lambda d: all_indicators(d)[3].update(weight="-1"),
            "'weight' must be a positive number",
        ),
        (lambda d: all_indicators(d)[3].update(max_entries=0), "'max_entries' must be an integer"),
        (
            lambda d: all_indicators(d)[3].update(level_criteria={"9": "x"}),
            "level_criteria must map levels '0'..'5' to texts",
        ),
        (lambda d: d["domains"][1].update(code="D1"), "domain code 'D1' appears more than once"),
        (lambda d: d.update(predicate_bands=[]), "at least one predicate band is needed"),
        (
            lambda d: d["predicate_bands"][0].update(lower_bound="6"),
            "'lower_bound' must be a number from 0 to 5",
        ),
    ],
)
@pytest.mark.django_db
def test_load_framework_refuses_malformed_file_with_clear_message(tmp_path, mutate, message):
    data = read(FILE_2018)
    mutate(data)
    bad = write(tmp_path, data)

    with pytest.raises(CommandError) as exc:
        run(str(bad))

    assert message in str(exc.value)
    assert row_counts() == (0, 0, 0, 0, 0)


# --- The service -----------------------------------------------------------------------


@pytest.mark.django_db
def test_load_framework_data_dry_run_counts_and_rolls_back():
    summary = load_framework_data(data=read(FILE_2018), dry_run=True)

    assert summary.created == {
        "framework": 1,
        "predicate bands": 5,
        "domains": 3,
        "aspects": 7,
        "indicators": 35,
    }
    assert summary.changed is True
    assert row_counts() == (0, 0, 0, 0, 0)


@pytest.mark.django_db
def test_load_framework_data_deletes_dropped_bands_and_lists_stale_indicators():
    load_framework_data(data=read(FILE_2018))
    data = read(FILE_2018)
    data["predicate_bands"] = [b for b in data["predicate_bands"] if b["name"] != "Kurang"]
    data["predicate_bands"][-1]["lower_bound"] = "0.00"  # Cukup now starts at 0
    last_aspect = data["domains"][-1]["aspects"][-1]
    dropped = last_aspect["indicators"].pop()
    data["domains"][-1]["aspects"][0]["indicators"][0]["weight"] = str(
        Decimal(data["domains"][-1]["aspects"][0]["indicators"][0]["weight"])
        + Decimal(dropped["weight"])
    )

    summary = load_framework_data(data=data)

    assert summary.deleted == {"predicate bands": 1}
    assert summary.updated == {"predicate bands": 1, "indicators": 1}
    assert summary.stale == [35]
    assert Indicator.objects.filter(number=35).exists()  # kept: answers may refer to it
    assert not PredicateBand.objects.filter(name="Kurang").exists()


def test_validate_framework_data_reports_weight_total():
    data = copy.deepcopy(read(FILE_2018))
    all_indicators(data)[0]["weight"] = "2"

    with pytest.raises(ValidationError) as exc:
        validate_framework_data(data)

    assert exc.value.message == WEIGHTS_NOT_100
    assert exc.value.messages == [
        "The indicator weights of permenpanrb-5-2018 sum to 101, not 100."
    ]
