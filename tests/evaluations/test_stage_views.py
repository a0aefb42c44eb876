"""The interview page in the browser's terms: levels set here and carried over look
different, a save inside the window shows, one outside it is refused and says why."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from evaluations.models import AgendaItem, Answer, PeriodMode, Phase
from evaluations.services import assessment as svc
from tests.conftest import logged_in
from tests.evaluations.assessment_helpers import small_framework, submit

pytestmark = pytest.mark.django_db


def _open_interview(period, *, closes_in=dt.timedelta(days=1)):
    now = timezone.now()
    period.mode = PeriodMode.EVALUATION
    period.interview_opens_at = now - dt.timedelta(days=2)
    period.interview_closes_at = now + closes_in
    period.save()


def _scored(evaluation, assessor, n=3):
    indicators = small_framework(evaluation.period.framework, n=n)
    submit(evaluation, levels=(3,) * n, indicators=indicators)
    for indicator in indicators:
        svc.save_validated_answer(
            evaluation=evaluation, indicator=indicator, by=assessor, level=2, note="Dokumen."
        )
    _open_interview(evaluation.period)
    return indicators


def _sheet(evaluation):
    return reverse("evaluations:stage-sheet", kwargs={"pk": evaluation.pk, "stage": "interview"})


def _save_url(evaluation, indicator):
    return reverse(
        "evaluations:stage-answer-save",
        kwargs={
            "pk": evaluation.pk,
            "stage": "interview",
            "indicator_pk": indicator.pk,
            "entry": 1,
        },
    )


def test_a_level_set_at_the_interview_stands_out_from_the_carried_over(
    client, evaluation, assessor
):
    indicators = _scored(evaluation, assessor)
    client = logged_in(client, assessor)
    response = client.post(
        _save_url(evaluation, indicators[1]),
        {
            "level": "4",
            "facts": "Ditunjukkan dashboard SPBE.",
            "analysis": "Kriteria level 4 terpenuhi.",
            "justification": "Layanan terintegrasi.",
            "version": "0",
        },
        follow=True,
    )
    body = response.content.decode()
    assert "Indicator 2: level saved for this stage." in body
    assert body.count(' set-here"') == 1
    assert body.count("carried-over") == 2
    assert "Level 2, carried over from Document evaluation" in body
    assert "Level 4, set at this stage" in body
    answer = Answer.objects.get(indicator=indicators[1], phase=Phase.INTERVIEW)
    assert (answer.level, answer.analysis) == (4, "Kriteria level 4 terpenuhi.")


def test_after_the_window_the_page_is_read_only_and_a_save_is_refused(client, evaluation, assessor):
    indicators = _scored(evaluation, assessor)
    period = evaluation.period
    period.interview_closes_at = timezone.now() - dt.timedelta(seconds=2)
    period.save()
    client = logged_in(client, assessor)
    page = client.get(_sheet(evaluation)).content.decode()
    assert "closed to changes" in page and "stage-answer-save" not in page
    assert 'name="facts"' not in page
    response = client.post(
        _save_url(evaluation, indicators[0]), {"level": "5", "version": "0"}, follow=True
    )
    assert "The interview stage closed at" in response.content.decode()
    assert not Answer.objects.filter(phase=Phase.INTERVIEW).exists()


def test_an_unknown_stage_is_not_found(client, evaluation, assessor):
    _scored(evaluation, assessor, n=1)
    client = logged_in(client, assessor)
    for stage in ("document", "self", "final", "anything"):
        url = reverse("evaluations:stage-sheet", kwargs={"pk": evaluation.pk, "stage": stage})
        assert client.get(url).status_code == 404


def test_the_scoring_page_links_to_the_interview_stage(client, evaluation, assessor):
    _scored(evaluation, assessor, n=1)
    client = logged_in(client, assessor)
    page = client.get(reverse("evaluations:assessment-score", kwargs={"pk": evaluation.pk}))
    assert _sheet(evaluation) in page.content.decode()


@pytest.mark.parametrize("n", [1, 24])
def test_stage_sheet_query_count(client, evaluation, assessor, n, django_assert_num_queries):
    """Indicators, answers and the interview agenda are three queries whatever the
    framework's size or the agenda's length."""
    indicators = _scored(evaluation, assessor, n=n)
    for indicator in indicators:
        AgendaItem.objects.create(
            evaluation=evaluation, indicator=indicator, question="?", created_by=assessor
        )
    client = logged_in(client, assessor)
    with django_assert_num_queries(7):  # +1: the database session
        response = client.get(_sheet(evaluation))
    assert response.status_code == 200
    assert response.content.decode().count("carried-over") == n
