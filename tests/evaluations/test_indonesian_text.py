"""Indonesian as people read it: decimal commas in every number (flashes, charts,
documents), the audit trail's text changes shown where they
differ, and the date filter reading "Sampai"."""

import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone, translation

from evaluations import charts
from evaluations.models import AuditEvent, Evaluation
from evaluations.numbers import format_number, format_percent
from evaluations.selectors.audit import TEXT_PREVIEW, describe_events
from tests.conftest import logged_in

from .assessment_helpers import score_all, set_status, small_framework, submit


def test_numbers_have_a_decimal_comma_in_indonesian_and_a_point_in_english():
    with translation.override("id"):
        assert format_number(Decimal("2.1")) == "2,10"
        assert format_percent(12.5, 1) == "12,5%"
        assert charts.format_index(Decimal("3.456")) == "3,46"
    with translation.override("en"):
        assert format_number(Decimal("2.1")) == "2.10"
    assert format_number(None) == "–"


def test_charts_write_indonesian_numbers_and_text_of_at_least_12_px():
    with translation.override("id"):
        svg = charts.bar_svg([("Kota A", Decimal("2.5"))], maximum=5) + charts.radar_svg(
            ["A1", "A2", "A3"], [("Mandiri", [1, 2, 3])]
        )
    assert ">2,50<" in svg and ">2.50<" not in svg
    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', svg)]
    assert sizes and min(sizes) >= 12


@pytest.mark.django_db
def test_approval_flash_writes_the_index_with_a_comma(client, evaluation, coordinator):
    indicators = small_framework(evaluation.period.framework)
    submit(evaluation, indicators=indicators)
    score_all(evaluation, indicators, (2, 3, 3))
    set_status(evaluation, Evaluation.Status.ASSESSED)
    logged_in(client, coordinator)
    client.cookies["django_language"] = "id"
    response = client.post(reverse("evaluations:assessment-approve", kwargs={"pk": evaluation.pk}))
    text = " ".join(str(m) for m in get_messages(response.wsgi_request))
    evaluation.refresh_from_db()
    assert "indeks" in text.lower()
    assert format_number(evaluation.final_index).replace(",", ".") not in text
    with translation.override("id"):
        assert format_number(evaluation.final_index) in text


@pytest.mark.django_db
def test_a_sentence_added_to_a_long_justification_shows_in_the_history(evaluation):
    old = "Kebijakan internal telah ditetapkan. " * 12
    new = old + "Ditambah peraturan bupati tahun 2019."
    event = AuditEvent(action=AuditEvent.Action.ANSWER_SAVED, changes={"note": [old, new]})
    (row,) = describe_events([event])[0].change_rows
    assert "Ditambah peraturan bupati" in row.new
    assert row.old != row.new and len(row.new) <= TEXT_PREVIEW + 2
    assert row.new.startswith("…")


@pytest.mark.django_db
def test_short_changes_and_codes_are_unchanged_in_the_history():
    event = AuditEvent(
        action=AuditEvent.Action.ANSWER_SAVED, changes={"note": ["a", "b"], "kind": ["csv", "auto"]}
    )
    rows = describe_events([event])[0].change_rows
    assert (rows[0].old, rows[0].new) == ("a", "b")
    assert rows[1].new == "automatically"


@pytest.mark.django_db
def test_audit_date_filter_reads_sampai(client, admin_user):
    logged_in(client, admin_user)
    client.cookies["django_language"] = "id"
    html = client.get(reverse("evaluations:audit-log")).content.decode()
    assert ">Sampai<" in html and "Menjadi" not in html


@pytest.mark.django_db
def test_audit_trail_in_indonesian_shows_sentences_not_codes(client, admin_user, evaluation):
    AuditEvent.objects.create(
        action=AuditEvent.Action.ANSWER_SAVED,
        evaluation=evaluation,
        at=timezone.now(),
        from_status=Evaluation.Status.IN_PROGRESS,
        to_status=Evaluation.Status.SUBMITTED,
        changes={"kind": "csv", "batch": "0f3c9a1e-aaaa-bbbb", "level": [2, 3]},
    )
    logged_in(client, admin_user)
    client.cookies["django_language"] = "id"
    html = client.get(reverse("evaluations:audit-log")).content.decode()
    body = html.split("<tbody", 1)[1]
    text = " ".join(re.sub(r"<[^>]+>", " ", body).split())
    for code in ("answer.saved", "in_progress", "submitted", "kind:", "batch:", "csv"):
        assert code not in text
    assert "Jawaban disimpan" in text and "dari berkas CSV" in text
    with translation.override("id"):
        change = f"{Evaluation.Status.IN_PROGRESS.label} → {Evaluation.Status.SUBMITTED.label}"
    assert change in text
