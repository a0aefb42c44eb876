"""Evidence recency: the framework's maximum age and the indicator's levels that need a
recent document; the institution states each file's date (never in the future); an
older document is flagged to the institution and to the assessor."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from evaluations import recency
from evaluations.models import AuditEvent, Evaluation, EvidenceFile
from evaluations.services import evidence as evidence_svc
from evaluations.services import selfeval as s
from evaluations.wib import WIB
from tests.conftest import logged_in

from .selfeval_helpers import make_pdf, small_framework, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def indicators(period):
    framework = period.framework
    framework.evidence_max_age_years = 2
    framework.save()
    found = small_framework(period, multi=False)
    found[0].recent_evidence_from_level = 4
    found[0].save()
    return found


def _deadline_day(period):
    return period.deadline.astimezone(WIB).date()


def test_the_rule_counts_back_from_the_deadline(period, indicators):
    rule = recency.for_period(period)
    day = _deadline_day(period)
    assert rule.max_age_years == 2
    assert rule.cutoff == day.replace(year=day.year - 2)
    old = rule.cutoff - dt.timedelta(days=1)
    assert recency.is_outdated(old, indicators[0], rule)
    assert not recency.is_outdated(rule.cutoff, indicators[0], rule)  # the cutoff day is fine
    assert not recency.is_outdated(old, indicators[1], rule)  # no level needs a recent one
    assert not recency.is_outdated(None, indicators[0], rule)  # undated: not judged
    period.framework.evidence_max_age_years = None
    assert not recency.is_outdated(old, indicators[0], recency.for_period(period))
    leap = recency._years_before(dt.date(2024, 2, 29), 2)
    assert leap == dt.date(2022, 2, 28)


def test_a_document_date_is_never_in_the_future(evaluation, indicators, operator):
    tomorrow = timezone.now().astimezone(WIB).date() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        evidence_svc.upload_evidence(
            evaluation=evaluation,
            by=operator,
            uploaded_file=upload(make_pdf()),
            document_date=tomorrow,
        )
    assert exc.value.code == "future"
    assert not EvidenceFile.objects.exists()
    file = evidence_svc.upload_evidence(
        evaluation=evaluation, by=operator, uploaded_file=upload(make_pdf())
    )
    with pytest.raises(ValidationError) as exc:
        evidence_svc.set_document_date(evidence=file, document_date=tomorrow, by=operator)
    assert exc.value.code == "future"
    day = dt.date(2020, 5, 4)
    evidence_svc.set_document_date(evidence=file, document_date=day, by=operator)
    file.refresh_from_db()
    assert file.document_date == day
    event = AuditEvent.objects.get(action="evidence.dated")
    assert event.changes["document_date"] == [None, "2020-05-04"]


def test_both_sides_see_the_flag_and_the_form_refuses_a_future_date(
    client, evaluation, indicators, operator, assessor
):
    ind = indicators[0]
    answer = s.ensure_answer(evaluation=evaluation, indicator=ind, entry=1, by=operator)
    file = evidence_svc.upload_evidence(
        evaluation=evaluation, by=operator, uploaded_file=upload(make_pdf(), "Laporan evaluasi.pdf")
    )
    evidence_svc.link_evidence(evidence=file, answer=answer, by=operator)
    own = logged_in(client, operator)
    page_url = reverse("evaluations:answer-edit", args=[evaluation.pk, ind.pk])
    date_url = reverse("evaluations:evidence-date", args=[evaluation.pk, file.pk])
    tomorrow = timezone.now().astimezone(WIB).date() + dt.timedelta(days=1)
    response = own.post(
        date_url, {"document_date": tomorrow.isoformat(), "indicator": ind.pk}, follow=True
    )
    assert "cannot be in the future" in response.content.decode()
    old = recency.for_period(evaluation.period).cutoff - dt.timedelta(days=30)
    response = own.post(
        date_url, {"document_date": old.isoformat(), "indicator": ind.pk}, follow=True
    )
    body = response.content.decode()
    assert "Document date of “Laporan evaluasi.pdf” saved." in body
    assert "Older than 2 years" in body and "Levels 4 and above need a document" in body
    assert f"dated {old:%d-%m-%Y}" in own.get(page_url).content.decode()
    client.logout()
    Evaluation.objects.filter(pk=evaluation.pk).update(status=Evaluation.Status.SUBMITTED)
    scorer = logged_in(client, assessor)
    page = scorer.get(reverse("evaluations:assessment-score", args=[evaluation.pk])).content
    assert page.decode().count('evidence-outdated"') == 1
