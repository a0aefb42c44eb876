"""Guidance for reviewers and the ministry: a confirmation before approving, the next
assessment to review after it, and the release page saying what it leaves out."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from evaluations.models import Evaluation
from tests import factories as f
from tests.conftest import logged_in

from .assessment_helpers import score_all, set_status, small_framework, submit


@pytest.fixture
def indicators(period):
    return small_framework(period.framework)


def _review(client, user, ev):
    url = reverse("evaluations:assessment-review", kwargs={"pk": ev.pk})
    return logged_in(client, user).get(url).content.decode()


def test_approve_asks_first_then_offers_the_next_review(
    client, evaluation, indicators, coordinator, university
):
    submit(evaluation, indicators=indicators)
    score_all(evaluation, indicators, (3, 3, 3))
    set_status(evaluation, Evaluation.Status.ASSESSED)
    waiting = f.EvaluationFactory(period=evaluation.period, university=university)
    Evaluation.objects.filter(pk=waiting.pk).update(
        status=Evaluation.Status.ASSESSED, assessed_at=timezone.now()
    )
    html = _review(client, coordinator, evaluation)
    assert f"Approve the assessment of {evaluation.institution.name}?" in html  # data-confirm
    assert "Next to review" not in html  # not before this one is decided
    response = client.post(reverse("evaluations:assessment-approve", kwargs={"pk": evaluation.pk}))
    html = client.get(response["Location"]).content.decode()
    assert "Next to review" in html and waiting.institution.name in html
    assert reverse("evaluations:assessment-review", kwargs={"pk": waiting.pk}) in html


def test_no_next_review_when_none_waits(client, evaluation, indicators, coordinator):
    submit(evaluation, indicators=indicators)
    set_status(evaluation, Evaluation.Status.APPROVED)
    assert "Next to review" not in _review(client, coordinator, evaluation)


def test_release_page_counts_what_is_not_approved(client, period, admin_user):
    for status in (Evaluation.Status.APPROVED, Evaluation.Status.APPROVED):
        ev = f.EvaluationFactory(period=period, final_index=Decimal("3.5"), final_predicate="Baik")
        set_status(ev, status)
    for status in (
        Evaluation.Status.SUBMITTED,
        Evaluation.Status.UNDER_ASSESSMENT,
        Evaluation.Status.IN_PROGRESS,
    ):
        set_status(f.EvaluationFactory(period=period), status)
    set_status(f.EvaluationFactory(period=period), Evaluation.Status.RELEASED)
    url = reverse("evaluations:results-release", kwargs={"period_pk": period.pk})
    html = logged_in(client, admin_user).get(url).content.decode()
    assert "3 evaluations of this period are not approved yet" in html
    assert "Release 2 approved results of this period to their institutions?" in html
    assert "3 evaluations are not approved and stay unreleased." in html


def test_release_page_quiet_when_everything_is_approved(client, period, admin_user):
    ev = f.EvaluationFactory(period=period, final_index=Decimal("3.5"), final_predicate="Baik")
    set_status(ev, Evaluation.Status.APPROVED)
    url = reverse("evaluations:results-release", kwargs={"period_pk": period.pk})
    html = logged_in(client, admin_user).get(url).content.decode()
    assert "not approved" not in html
    assert "Release 1 approved result of this period to its institution?" in html
