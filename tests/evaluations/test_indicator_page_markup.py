"""The indicator page's level choices and script messages, as the browser receives them.

The level radios are written from plain rows (not the RadioSelect widget) and the script
message catalogues come from a per-language fragment rendered once per process: these tests
hold the markup those shortcuts must keep (ids the labels and scripts use, the chosen level,
the invalid state, the texts in the user's language).
"""

from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import translation

from evaluations.templatetags import fragments
from tests.conftest import logged_in

from .selfeval_helpers import small_framework

pytestmark = pytest.mark.django_db


class _Inputs(HTMLParser):
    """The attributes of every <input> and <label>, and the text of script-data blocks."""

    def __init__(self):
        super().__init__()
        self.inputs: list[dict] = []
        self.labels: list[str] = []
        self.scripts: dict[str, str] = {}
        self._script = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input":
            self.inputs.append(attrs)
        elif tag == "label" and attrs.get("for"):
            self.labels.append(attrs["for"])
        elif tag == "script" and attrs.get("type") == "application/json":
            self._script = attrs.get("id")
            self.scripts[self._script] = ""

    def handle_data(self, data):
        if self._script:
            self.scripts[self._script] += data

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def _page(client, evaluation, indicator, **kwargs):
    url = reverse("evaluations:answer-edit", args=[evaluation.pk, indicator.pk])
    return client.get(url, **kwargs)


def _parse(response) -> _Inputs:
    parser = _Inputs()
    parser.feed(response.content.decode())
    return parser


def _radios(parser, entry=1):
    return [i for i in parser.inputs if i.get("type") == "radio" and i["name"] == f"e{entry}-level"]


@pytest.fixture
def indicators(period):
    items = small_framework(period)
    items[0].level_criteria = {"3": "SK Kepala Daerah tentang SPBE"}
    items[0].save()
    return items


def test_saved_level_is_checked_with_its_label_and_criterion(
    client, evaluation, indicators, operator
):
    logged_in(client, operator)
    url = reverse("evaluations:answer-edit", args=[evaluation.pk, indicators[0].pk])
    client.post(
        url,
        {"entry": 1, "e1-entry": 1, "e1-base_version": 0, "e1-level": 3, "e1-note": "Ada SK"},
    )
    response = _page(client, evaluation, indicators[0])
    parser = _parse(response)
    radios = _radios(parser)
    assert [r["value"] for r in radios] == ["0", "1", "2", "3", "4", "5"]
    assert [r["id"] for r in radios] == [f"id_level_1_{n}" for n in range(6)]
    assert [r["id"] for r in radios if "checked" in r] == ["id_level_1_3"]
    assert all(r["id"] in parser.labels for r in radios)
    assert not any("aria-invalid" in r for r in radios)
    html = response.content.decode()
    assert "3 — Level 3" in html
    assert 'id="criterion-1-3"' in html and "SK Kepala Daerah tentang SPBE" in html
    # Only the level with a criterion gets one.
    assert 'id="criterion-1-2"' not in html


def test_refused_level_marks_the_choices_invalid_and_keeps_the_saved_answer(
    client, evaluation, indicators, operator
):
    logged_in(client, operator)
    url = reverse("evaluations:answer-edit", args=[evaluation.pk, indicators[0].pk])
    response = client.post(
        url,
        {"entry": 1, "e1-entry": 1, "e1-base_version": 0, "e1-level": 9, "e1-note": "x"},
    )
    assert response.status_code == 400
    radios = _radios(_parse(response))
    assert len(radios) == 6
    assert all(r.get("aria-invalid") == "true" for r in radios)
    assert not any("checked" in r for r in radios)


def test_each_entry_of_a_multi_entry_indicator_has_its_own_radios(
    client, evaluation, indicators, operator
):
    logged_in(client, operator)
    parser = _parse(_page(client, evaluation, indicators[-1]))
    for entry in (1, 2, 3):
        assert [r["id"] for r in _radios(parser, entry)] == [
            f"id_level_{entry}_{n}" for n in range(6)
        ]


@pytest.mark.parametrize(
    ("language", "saving", "uploading"),
    [("id", "Menyimpan…", "Mengunggah…"), ("en", "Saving…", "Uploading…")],
)
def test_script_messages_are_in_the_users_language(
    client, evaluation, indicators, operator, language, saving, uploading
):
    logged_in(client, operator)
    client.post(reverse("set_language"), {"language": language})
    scripts = _parse(_page(client, evaluation, indicators[0])).scripts
    assert f'"saving": "{saving}"' in scripts["autosave-messages"]
    assert f'"uploading": "{uploading}"' in scripts["evidence-messages"]


def test_language_fragment_renders_once_per_language(monkeypatch, settings):
    settings.DEBUG = False
    monkeypatch.setattr(fragments, "_rendered", {})
    calls = []
    real = fragments.render_to_string

    def counting(name):
        calls.append((name, translation.get_language()))
        return real(name)

    monkeypatch.setattr(fragments, "render_to_string", counting)
    name = "includes/_autosave.html"
    with translation.override("id"):
        first = fragments.language_fragment(name)
        assert fragments.language_fragment(name) is first
        assert "Menyimpan…" in first
    with translation.override("en"):
        english = fragments.language_fragment(name)
        assert "Saving…" in english and "Menyimpan" not in english
        fragments.language_fragment(name)
    assert calls == [(name, "id"), (name, "en")]


def test_language_fragment_follows_template_edits_in_debug(monkeypatch, settings):
    settings.DEBUG = True
    monkeypatch.setattr(fragments, "_rendered", {})
    outputs = iter(["first", "second"])
    monkeypatch.setattr(fragments, "render_to_string", lambda name: next(outputs))
    assert fragments.language_fragment("x.html") == "first"
    assert fragments.language_fragment("x.html") == "second"
