"""The ministry review: verdicts per entry, the final-level rule with corrections, the
review's completion, and release only after it where the period holds a review."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from evaluations import scoring
from evaluations.models import (
    Answer,
    AuditEvent,
    Evaluation,
    EvaluationReview,
    PeriodMode,
    Phase,
)
from evaluations.services import assessment as svc
from evaluations.services import assessment_texts as texts_svc
from evaluations.services import review
from tests.evaluations.assessment_helpers import small_framework, submit

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def _windows(period, *, review_window=(NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=3))):
    period.mode = PeriodMode.EVALUATION
    period.interview_opens_at = NOW - dt.timedelta(days=10)
    period.interview_closes_at = NOW - dt.timedelta(days=5)
    period.review_opens_at, period.review_closes_at = review_window
    period.save()


@pytest.fixture
def indicators(period):
    return small_framework(period.framework)


@pytest.fixture
def approved(evaluation, indicators, assessor, coordinator):
    """Document levels 2, 2, 2, an interview level 4 on indicator 2, approved."""
    submit(evaluation, levels=(3, 3, 3), indicators=indicators)
    for indicator in indicators:
        svc.save_validated_answer(
            evaluation=evaluation, indicator=indicator, by=assessor, level=2, note="Dok."
        )
    period = evaluation.period
    period.mode = PeriodMode.EVALUATION
    period.interview_opens_at = NOW - dt.timedelta(days=1)
    period.interview_closes_at = NOW + dt.timedelta(days=1)
    period.save()
    svc.save_validated_answer(
        evaluation=evaluation, indicator=indicators[1], by=assessor, level=4, phase=Phase.INTERVIEW
    )
    svc.complete_assessment(evaluation=evaluation, by=assessor)
    svc.approve_assessment(evaluation=evaluation, by=coordinator)
    _windows(period)
    evaluation.refresh_from_db()
    return evaluation


def _verdict(evaluation, indicator, by, **kwargs):
    return review.save_review_verdict(evaluation=evaluation, indicator=indicator, by=by, **kwargs)


CORRECTION = {
    "valid": False,
    "level": 3,
    "facts": "SK tidak ditandatangani.",
    "analysis": "Kriteria level 4 belum terpenuhi.",
    "justification": "Level 3 sesuai bukti.",
}


def test_the_final_level_is_the_review_correction_else_the_latest_stage():
    rows = [
        SimpleNamespace(indicator_id=1, entry=1, phase=Phase.DOCUMENT, level=2),
        SimpleNamespace(indicator_id=1, entry=1, phase=Phase.INTERVIEW, level=4),
        SimpleNamespace(indicator_id=1, entry=1, phase=Phase.REVIEW, level=3),
        SimpleNamespace(indicator_id=2, entry=1, phase=Phase.DOCUMENT, level=2),
        SimpleNamespace(indicator_id=2, entry=1, phase=Phase.INTERVIEW, level=5),
        SimpleNamespace(indicator_id=2, entry=1, phase=Phase.REVIEW, level=None),  # valid
        SimpleNamespace(indicator_id=3, entry=1, phase=Phase.DOCUMENT, level=1),
    ]
    assert scoring.final_levels(rows) == {1: [3], 2: [5], 3: [1]}
    # The stages' own view leaves the review out.
    assert scoring.levels_of(scoring.counting_answers(rows, up_to=Phase.FINAL)) == {
        1: [4],
        2: [5],
        3: [1],
    }


def test_review_with_one_correction_changes_the_final_result(approved, indicators, admin_user):
    assert (approved.final_index, approved.final_predicate) == (Decimal("2.67"), "Baik")
    _verdict(approved, indicators[0], admin_user, valid=True)
    _verdict(approved, indicators[1], admin_user, **CORRECTION)
    with pytest.raises(ValidationError) as exc:
        review.complete_review(evaluation=approved, by=admin_user)
    assert exc.value.code == "incomplete"
    _verdict(approved, indicators[2], admin_user, valid=True)
    with pytest.raises(ValidationError) as exc:
        review.complete_review(evaluation=approved, by=admin_user)
    assert exc.value.code == "texts"  # the texts are not accepted yet
    texts_svc.decide_texts(evaluation=approved, by=admin_user, accept=True)
    done = review.complete_review(evaluation=approved, by=admin_user)
    approved.refresh_from_db()
    # A1 = 2 (weight 1), A2 = mean(3, 2) (weight 2): (2 + 2 x 2.5) / 3 = 2.33.
    assert (approved.final_index, approved.final_predicate) == (Decimal("2.33"), "Kurang")
    assert done.corrections == 1
    event = AuditEvent.objects.get(action="review.completed", evaluation=approved)
    assert event.changes["final"] == [["2.67", "Baik"], ["2.33", "Kurang"]]
    verdict = AuditEvent.objects.filter(action="review.verdict_saved").order_by("pk")[1]
    assert verdict.changes["level"] == [None, 3] and verdict.changes["valid"] is False
    # Closed: no verdict changes after completion.
    with pytest.raises(ValidationError) as exc:
        _verdict(approved, indicators[0], admin_user, **CORRECTION)
    assert exc.value.code == "done"


def test_result_and_report_explain_the_level_that_counts(approved, indicators, admin_user):
    """A corrected level is shown with the review's reasons, not the document stage's
    note for the level it replaced; the document's recommendation still stands."""
    from evaluations.selectors.assessment import result_sheet
    from evaluations.selectors.reports import institution_report_data

    Answer.objects.filter(
        evaluation=approved, indicator=indicators[1], phase=Phase.DOCUMENT
    ).update(recommendation="Perbarui SK.")
    _verdict(approved, indicators[0], admin_user, valid=True)
    _verdict(approved, indicators[1], admin_user, **CORRECTION)
    _verdict(approved, indicators[2], admin_user, valid=True)
    texts_svc.decide_texts(evaluation=approved, by=admin_user, accept=True)
    review.complete_review(evaluation=approved, by=admin_user)
    corrected = scoring.Reasons(
        note="SK tidak ditandatangani.\nKriteria level 4 belum terpenuhi.\nLevel 3 sesuai bukti.",
        recommendation="Perbarui SK.",
    )
    rows = result_sheet(approved).rows
    assert [(r.final_levels, r.answers) for r in rows] == [
        ([2], [scoring.Reasons(note="Dok.", recommendation="")]),
        ([3], [corrected]),
        ([2], [scoring.Reasons(note="Dok.", recommendation="")]),
    ]
    entries = [
        i["entries"][0] for i in institution_report_data(evaluation_id=approved.pk)["indicators"]
    ]
    assert [(e["final_level"], e["explanation"], e["recommendation"]) for e in entries] == [
        (2, "Dok.", ""),
        (3, corrected.note, "Perbarui SK."),
        (2, "Dok.", ""),
    ]
    # The ministry's export of the answers explains the corrected level the same way.
    from evaluations import exports

    table = exports.answers_table(approved.period, progress=lambda n: None)
    exported = {row[3]: (row[9], row[10]) for row in table.rows}
    assert exported[indicators[1].number] == (3, corrected.note)
    assert exported[indicators[0].number] == (2, "Dok.")
    # The follow-up items made at release carry the same recommendation.
    from evaluations.models import FollowUp
    from evaluations.services.assessment import release_results

    release_results(period=approved.period, by=admin_user, notify=False)
    assert list(FollowUp.objects.values_list("indicator_id", "text")) == [
        (indicators[1].pk, "Perbarui SK.")
    ]


def test_a_not_valid_verdict_needs_the_level_and_all_three_parts(approved, indicators, admin_user):
    for missing in ("level", "facts", "analysis", "justification"):
        with pytest.raises(ValidationError) as exc:
            _verdict(approved, indicators[0], admin_user, **{**CORRECTION, missing: None})
        assert exc.value.code == "reasons"
    assert not Answer.objects.filter(phase=Phase.REVIEW).exists()


def test_only_the_ministry_review_team_reviews(approved, indicators, coordinator, assessor):
    for user in (coordinator, assessor):
        with pytest.raises(PermissionDenied):
            _verdict(approved, indicators[0], user, valid=True)
        with pytest.raises(PermissionDenied):
            review.complete_review(evaluation=approved, by=user)


def test_review_only_inside_its_window_and_only_when_approved(approved, indicators, admin_user):
    _windows(approved.period, review_window=(NOW + dt.timedelta(days=1), NOW + dt.timedelta(2)))
    with pytest.raises(ValidationError) as exc:
        _verdict(approved, indicators[0], admin_user, valid=True)
    assert exc.value.code == "stage_not_yet"
    _windows(approved.period, review_window=(None, None))
    with pytest.raises(ValidationError) as exc:
        _verdict(approved, indicators[0], admin_user, valid=True)
    assert exc.value.code == "stage_not_held"
    _windows(approved.period)
    Evaluation.objects.filter(pk=approved.pk).update(status=Evaluation.Status.ASSESSED)
    with pytest.raises(ValidationError) as exc:
        _verdict(approved, indicators[0], admin_user, valid=True)
    assert exc.value.code == "status"


def test_release_waits_for_the_review_where_the_period_holds_one(approved, indicators, admin_user):
    period = approved.period
    with pytest.raises(ValidationError) as exc:
        svc.release_results(period=period, by=admin_user)
    assert exc.value.code == "not_reviewed"
    approved.refresh_from_db()
    assert approved.status == Evaluation.Status.APPROVED
    for indicator in indicators:
        _verdict(approved, indicator, admin_user, valid=True)
    texts_svc.decide_texts(evaluation=approved, by=admin_user, accept=True)
    review.complete_review(evaluation=approved, by=admin_user)
    assert svc.release_results(period=period, by=admin_user) == 1
    approved.refresh_from_db()
    assert approved.status == Evaluation.Status.RELEASED
    assert EvaluationReview.objects.get(evaluation=approved).corrections == 0


def test_a_period_without_a_review_releases_after_approval(approved, admin_user):
    _windows(approved.period, review_window=(None, None))
    assert not review.review_required(approved.period)
    assert svc.release_results(period=approved.period, by=admin_user) == 1


# --- The pages ------------------------------------------------------------------------


def _review_url(evaluation, name="evaluations:ministry-review", **kwargs):
    from django.urls import reverse

    return reverse(name, kwargs={"pk": evaluation.pk, **kwargs})


def _verdict_url(evaluation, indicator):
    return _review_url(
        evaluation, "evaluations:ministry-review-verdict", indicator_pk=indicator.pk, entry=1
    )


def test_review_page_from_verdicts_to_release(client, approved, indicators, admin_user):
    from django.urls import reverse

    from tests.conftest import logged_in

    client = logged_in(client, admin_user)
    release_url = reverse("evaluations:results-release", kwargs={"period_pk": approved.period_id})
    release = client.get(release_url).content.decode()
    assert f'id="rel-{approved.pk}"' not in release and "to review" in release

    page = client.get(_review_url(approved)).content.decode()
    assert "Assessors: level 4 (Interview)" in page
    assert "Assessors: level 2 (Document evaluation)" in page
    assert page.count("verdict-none") == 3

    # A correction without its reasons is refused and says why; nothing is saved.
    response = client.post(
        _verdict_url(approved, indicators[1]), {"valid": "no", "level": "3"}, follow=True
    )
    assert "needs the corrected level and its facts, analysis and justification" in (
        response.content.decode()
    )
    assert not Answer.objects.filter(phase=Phase.REVIEW).exists()
    client.post(_verdict_url(approved, indicators[1]), {**CORRECTION, "valid": "no"})
    for indicator in (indicators[0], indicators[2]):
        client.post(_verdict_url(approved, indicator), {"valid": "yes"})
    page = client.get(_review_url(approved)).content.decode()
    assert "Not valid: corrected to level 3" in page and page.count("verdict-valid") == 2
    client.post(_review_url(approved, "evaluations:ministry-review-texts"), {"accept": "yes"})

    response = client.post(
        _review_url(approved, "evaluations:ministry-review-complete"), follow=True
    )
    body = response.content.decode()
    assert "Review complete: the result may now be released." in body
    assert "levels corrected: 1" in body and "2.33" in body
    release = client.get(release_url).content.decode()
    assert f'id="rel-{approved.pk}"' in release and "reviewed" in release


@pytest.mark.parametrize("n", [1, 24])
def test_review_page_query_count(
    client, evaluation, assessor, coordinator, admin_user, n, django_assert_num_queries
):
    from tests.conftest import logged_in
    from tests.evaluations.assessment_helpers import score_all, set_status

    indicators = small_framework(evaluation.period.framework, n=n)
    submit(evaluation, levels=(3,) * n, indicators=indicators)
    score_all(evaluation, indicators, [2] * n)
    set_status(evaluation, Evaluation.Status.APPROVED)
    _windows(evaluation.period)
    client = logged_in(client, admin_user)
    with django_assert_num_queries(10):  # +1: the database session; +4: the texts
        response = client.get(_review_url(evaluation))
    assert response.content.decode().count("verdict-none") == n


@pytest.mark.parametrize("n", [1, 15])
def test_release_page_with_review_column_query_count(
    client, period, admin_user, n, django_assert_num_queries
):
    """The review of each row is joined, not read per row."""
    from django.urls import reverse

    from tests import factories as f
    from tests.conftest import logged_in

    _windows(period)
    for i in range(n):
        ev = f.EvaluationFactory(period=period, status=Evaluation.Status.APPROVED)
        if i % 2:
            EvaluationReview.objects.create(
                evaluation=ev, completed_at=NOW, completed_by=admin_user
            )
    client = logged_in(client, admin_user)
    url = reverse("evaluations:results-release", kwargs={"period_pk": period.pk})
    client.get(url)  # the session's first write is not the page's
    with django_assert_num_queries(6):  # session, user, period, counts, rows, scope locked
        response = client.get(url)
    body = response.content.decode()
    assert body.count('name="evaluations"') == n // 2
    assert body.count("to review") == n - n // 2
