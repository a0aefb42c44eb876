"""The indicator page's evidence forms sent by htmx: the entry's evidence panel comes back
with the outcome (the page is not reloaded, so the operator's place and typed text
stay), the indicator's state badge is swapped with it, and the queries stay constant
however many files the library and the entry hold."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from evaluations.models import EvidenceFile, EvidenceLink
from evaluations.services import evidence as evidence_svc
from evaluations.services import selfeval as s
from tests import factories as f
from tests.conftest import logged_in

from .selfeval_helpers import make_pdf, small_framework, upload

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def indicators(period):
    return small_framework(period, multi=False)


def link_url(evaluation, indicator):
    return reverse("evaluations:evidence-link", args=[evaluation.pk, indicator.pk])


def upload_url(evaluation):
    return reverse("evaluations:evidence-upload", args=[evaluation.pk])


def library_file(evaluation, by, name="SK Tim SPBE.pdf"):
    return evidence_svc.upload_evidence(
        evaluation=evaluation, by=by, uploaded_file=upload(make_pdf(), name)
    )


def test_linking_answers_with_the_entry_panel_and_the_new_state(
    client, evaluation, indicators, operator
):
    s.save_answer(
        evaluation=evaluation,
        indicator=indicators[0],
        by=operator,
        level=3,
        note="Ada SK",
        base_version=0,
    )
    pdf = library_file(evaluation, operator, "Perwal SPBE.pdf")
    logged_in(client, operator)
    response = client.post(
        link_url(evaluation, indicators[0]), {"evidence": pdf.pk, "entry": 1}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="entry-evidence-1"' in html
    assert "“Perwal SPBE.pdf” linked to this indicator." in html and "alert-success" in html
    assert reverse("evaluations:evidence-download", args=[pdf.pk]) in html
    # The level, the justification and now a file: the badge says complete, out of band.
    assert 'id="indicator-state" hx-swap-oob="true"' in html and "Complete" in html
    assert EvidenceLink.objects.filter(answer__indicator=indicators[0], evidence=pdf).exists()


def test_linking_twice_says_so_and_keeps_one_link(client, evaluation, indicators, operator):
    pdf = library_file(evaluation, operator)
    logged_in(client, operator)
    client.post(link_url(evaluation, indicators[0]), {"evidence": pdf.pk, "entry": 1}, **HTMX)
    again = client.post(
        link_url(evaluation, indicators[0]), {"evidence": pdf.pk, "entry": 1}, **HTMX
    ).content.decode()
    assert "already linked" in again and "alert-info" in again
    assert EvidenceLink.objects.count() == 1


def test_linking_without_a_file_asks_for_one(client, evaluation, indicators, operator):
    logged_in(client, operator)
    html = client.post(link_url(evaluation, indicators[0]), {"entry": 1}, **HTMX).content.decode()
    assert "Choose a file from the library." in html and 'role="alert"' in html
    assert not EvidenceLink.objects.exists()


def test_an_upload_answers_with_the_panel_listing_the_new_file(
    client, evaluation, indicators, operator
):
    logged_in(client, operator)
    response = client.post(
        upload_url(evaluation),
        {"file": upload(make_pdf(2), "Renstra.pdf"), "indicator": indicators[1].pk, "entry": 1},
        **HTMX,
    )
    html = response.content.decode()
    evidence = EvidenceFile.objects.get()
    assert response.status_code == 200 and "<html" not in html
    assert "“Renstra.pdf” uploaded (2 pages)." in html
    assert reverse("evaluations:evidence-download", args=[evidence.pk]) in html
    # The library list of the panel's link form offers the new file at once.
    assert f'<option value="{evidence.pk}">Renstra.pdf</option>' in html
    assert evidence.links.get().answer.indicator == indicators[1]


def test_a_bad_upload_says_why_and_keeps_what_was_linked(client, evaluation, indicators, operator):
    kept = library_file(evaluation, operator, "Lama.pdf")
    answer = s.ensure_answer(evaluation=evaluation, indicator=indicators[0], entry=1, by=operator)
    evidence_svc.link_evidence(evidence=kept, answer=answer, by=operator)
    logged_in(client, operator)
    html = client.post(
        upload_url(evaluation),
        {"file": upload(b"PK\x03\x04zip", "x.pdf"), "indicator": indicators[0].pk, "entry": 1},
        **HTMX,
    ).content.decode()
    assert "is not a PDF" in html and 'role="alert"' in html
    assert "Lama.pdf" in html  # the file already linked is still listed
    assert list(EvidenceFile.objects.values_list("original_name", flat=True)) == ["Lama.pdf"]


@pytest.mark.parametrize("which", ["another evaluation's", "out of range", "not a number"])
def test_linking_a_file_not_in_the_library_asks_for_one(
    client, evaluation, other_evaluation, indicators, operator, which
):
    theirs = f.EvidenceFileFactory(evaluation=other_evaluation, original_name="Milik lain.pdf")
    posted = {"another evaluation's": theirs.pk, "out of range": 2**64, "not a number": "x"}
    logged_in(client, operator)
    response = client.post(
        link_url(evaluation, indicators[0]), {"evidence": posted[which], "entry": 1}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose a file from the library." in html and "Milik lain.pdf" not in html
    assert not EvidenceLink.objects.exists()


def test_after_the_deadline_the_panel_refuses_and_offers_no_forms(
    client, evaluation, indicators, operator
):
    pdf = library_file(evaluation, operator)
    with time_machine.travel(evaluation.period.deadline + dt.timedelta(seconds=1), tick=False):
        logged_in(client, operator)
        html = client.post(
            link_url(evaluation, indicators[0]), {"evidence": pdf.pk, "entry": 1}, **HTMX
        ).content.decode()
    assert "The deadline has passed" in html and 'role="alert"' in html
    assert "evidence-link-form" not in html and "evidence-upload-form" not in html
    assert not EvidenceLink.objects.exists()


def test_another_institutions_evaluation_answers_404(client, other_evaluation, operator):
    indicator = small_framework(other_evaluation.period, multi=False)[0]
    pdf = f.EvidenceFileFactory(evaluation=other_evaluation)
    logged_in(client, operator)
    response = client.post(
        link_url(other_evaluation, indicator), {"evidence": pdf.pk, "entry": 1}, **HTMX
    )
    assert response.status_code == 404 and pdf.original_name.encode() not in response.content
    assert not EvidenceLink.objects.exists()


def test_the_assessor_cannot_link_with_htmx(client, evaluation, indicators, operator, assessor):
    pdf = library_file(evaluation, operator)
    logged_in(client, assessor)
    response = client.post(
        link_url(evaluation, indicators[0]), {"evidence": pdf.pk, "entry": 1}, **HTMX
    )
    assert response.status_code in (403, 404)
    assert not EvidenceLink.objects.exists()


def _fill(evaluation, indicator, by, files: int):
    """`files` files in the library, every one linked to the indicator's entry."""
    answer = s.ensure_answer(evaluation=evaluation, indicator=indicator, entry=1, by=by)
    for i in range(files):
        evidence = f.EvidenceFileFactory(evaluation=evaluation, original_name=f"SK-{i}.pdf")
        evidence_svc.link_evidence(evidence=evidence, answer=answer, by=by)
    return f.EvidenceFileFactory(evaluation=evaluation, original_name="Baru.pdf")


@pytest.mark.parametrize("files", [1, 15])
def test_the_panel_costs_the_same_queries_at_one_and_many_files(
    client, django_assert_num_queries, evaluation, indicators, operator, files
):
    new = _fill(evaluation, indicators[0], operator, files)
    logged_in(client, operator)
    # The write, in one transaction under the evaluation's row lock taken by the scoped
    # lookup (the file; the indicator's answers and their links, read once for the
    # counters, whether the file is already linked and the panel; the link and its
    # audit event; no savepoints), then the panel: extension, the library. The same at
    # 1 and 15 files.
    with django_assert_num_queries(13):
        response = client.post(
            link_url(evaluation, indicators[0]), {"evidence": new.pk, "entry": 1}, **HTMX
        )
    assert response.content.decode().count("/download/") == files + 1


@pytest.mark.parametrize("files", [1, 15])
def test_the_indicator_page_costs_the_same_queries_at_one_and_many_files(
    client, django_assert_num_queries, evaluation, indicators, operator, files
):
    _fill(evaluation, indicators[0], operator, files)
    logged_in(client, operator)
    # session, user, evaluation, extension; the indicator's answers and their links, its
    # history, last period's follow-up of it, last period's result (one query), the
    # library. The framework's indicators come from the process cache; the page header's
    # institution is the evaluation's, loaded with it.
    with django_assert_num_queries(11):
        response = client.get(
            reverse("evaluations:answer-edit", args=[evaluation.pk, indicators[0].pk])
        )
    html = response.content.decode()
    assert html.count("/download/") == files
    assert html.count("<option value=") >= files + 1  # the library: every file


def test_a_refused_link_keeps_the_uploaded_file_and_says_why(
    client, evaluation, indicators, operator
):
    logged_in(client, operator)
    # Entry 5 of a one-entry indicator: the file is stored, the link is refused.
    html = client.post(
        upload_url(evaluation),
        {"file": upload(make_pdf(), "Renstra.pdf"), "indicator": indicators[0].pk, "entry": 5},
        **HTMX,
    ).content.decode()
    assert "“Renstra.pdf” uploaded (1 page)." in html and "alert-danger" in html
    assert EvidenceFile.objects.get().original_name == "Renstra.pdf"
    assert not EvidenceLink.objects.exists()


@pytest.mark.parametrize("files", [1, 15])
def test_an_upload_from_the_indicator_page_is_one_transaction(
    client, django_assert_num_queries, evaluation, indicators, operator, files
):
    _fill(evaluation, indicators[0], operator, files)
    logged_in(client, operator)
    # session, user; the transaction (a savepoint here, inside the test's own, and its
    # release): the evaluation under its row lock, the framework's indicators (this
    # process's cache is new to the test's framework), the duplicate check, the file and
    # its audit event, then the link in a savepoint and its release (the indicator's
    # answers and their links, the link and its audit event); then the panel: extension,
    # library (the answers are those the link read). One lock; before, three
    # transactions each took it.
    with django_assert_num_queries(17):
        response = client.post(
            upload_url(evaluation),
            {"file": upload(make_pdf(3), "Baru.pdf"), "indicator": indicators[0].pk, "entry": 1},
            **HTMX,
        )
    assert "“Baru.pdf” uploaded (3 pages)." in response.content.decode()
    assert EvidenceLink.objects.filter(evidence__original_name="Baru.pdf").count() == 1


@pytest.mark.parametrize(("saves", "shown", "earlier"), [(3, 3, False), (25, 20, True)])
def test_the_indicator_page_shows_the_latest_changes(
    client, evaluation, indicators, operator, saves, shown, earlier
):
    # Every autosave is an event: a justification typed for a while makes dozens.
    for n in range(saves):
        s.save_answer(
            evaluation=evaluation,
            indicator=indicators[0],
            by=operator,
            level=1 + n % 5,
            note=f"Catatan {n}",
            base_version=n,
        )
    logged_in(client, operator)
    html = client.get(
        reverse("evaluations:answer-edit", args=[evaluation.pk, indicators[0].pk])
    ).content.decode()
    history = html[html.index('class="list-unstyled small history') :]
    assert history.count('<li class="mb-2">') == shown
    # Newest first: the last save is listed, the first one only when all fit.
    assert f"Catatan {saves - 1}" in history
    assert ("Catatan 0" in history) is not earlier
    assert ("The latest 20 changes are shown" in history) is earlier
