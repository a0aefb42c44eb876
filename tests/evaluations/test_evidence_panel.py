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
    # The write, under the evaluation's row lock taken by the scoped lookup (the file,
    # the answer, the indicator's entries for the counters, the link and its audit
    # event, the savepoints of the two services), then the panel: extension, the
    # indicator's answers, their links, the library. The same at 1 and 15 files.
    with django_assert_num_queries(20):
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
    # history, last period's evaluation and results, the library; the user's institution
    # (the page header). The framework's indicators come from the process cache.
    with django_assert_num_queries(11):
        response = client.get(
            reverse("evaluations:answer-edit", args=[evaluation.pk, indicators[0].pk])
        )
    html = response.content.decode()
    assert html.count("/download/") == files
    assert html.count("<option value=") >= files + 1  # the library: every file
