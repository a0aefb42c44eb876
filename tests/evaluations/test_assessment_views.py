"""Assessment screens: what each role sees and can do, and the queries they cost."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from evaluations.models import Answer, AssessorAssignment, Evaluation, Phase
from institutions.models import Role
from tests import factories as f
from tests.conftest import logged_in
from tests.evaluations.assessment_helpers import score_all, set_status, small_framework, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def indicators(period):
    return small_framework(period.framework)


@pytest.fixture
def submitted(evaluation, indicators):
    submit(evaluation, levels=(4, 3, 2), indicators=indicators)
    return evaluation


def _score_url(ev):
    return reverse("evaluations:assessment-score", kwargs={"pk": ev.pk})


def _save_url(ev, indicator, entry=1):
    return reverse(
        "evaluations:assessment-answer-save",
        kwargs={"pk": ev.pk, "indicator_pk": indicator.pk, "entry": entry},
    )


def test_scoring_page_shows_institution_answer_evidence_and_last_year(
    client, submitted, indicators, assessor, period
):
    answer = submitted.answers.get(indicator=indicators[0], phase=Phase.SELF)
    link = f.EvidenceLinkFactory(
        answer=answer,
        evidence=f.EvidenceFileFactory(
            evaluation=submitted, title="SK Tim SPBE", active_content=["launch"]
        ),
    )
    earlier = f.EvaluationPeriodFactory(
        framework=period.framework,
        opens_at=period.opens_at.replace(year=period.opens_at.year - 1),
        deadline=period.deadline.replace(year=period.deadline.year - 1),
    )
    old = f.EvaluationFactory(period=earlier, institution=submitted.institution)
    f.AnswerFactory(evaluation=old, indicator=indicators[0], level=2, phase=Phase.DOCUMENT)
    response = logged_in(client, assessor).get(_score_url(submitted))
    html = response.content.decode()
    assert response.status_code == 200
    assert "SK Tim SPBE" in html
    # Evidence opens in the pdf.js viewer beside the form; the download is a separate link.
    assert reverse("evaluations:evidence-view", args=[link.evidence.pk]) in html
    assert f'id="evidence-frame-{indicators[0].pk}-1"' in html
    assert "?inline=1" not in html
    assert "Active content: a launch action (starts a program)" in html
    assert "Last period" in html and '<dd class="col-7">2</dd>' in html


def test_scoring_page_404_for_assessor_outside_assignment(
    client, submitted, unassigned_assessor, indicators
):
    client = logged_in(client, unassigned_assessor)
    assert client.get(_score_url(submitted)).status_code == 404
    response = client.post(_save_url(submitted, indicators[0]), {"level": 3, "note": "x"})
    assert response.status_code == 404
    assert not Answer.objects.filter(phase=Phase.DOCUMENT).exists()


def test_plain_post_saves_and_redirects(client, submitted, indicators, assessor):
    response = logged_in(client, assessor).post(
        _save_url(submitted, indicators[1]),
        {"level": 2, "note": "Bukti kurang", "recommendation": "Lengkapi SOP", "version": 0},
    )
    assert response.status_code == 302 and response["Location"].endswith("#ind-2-1")
    answer = Answer.objects.get(evaluation=submitted, phase=Phase.DOCUMENT)
    assert (answer.level, answer.recommendation) == (2, "Lengkapi SOP")


def test_htmx_autosave_and_conflict(client, submitted, indicators, assessor):
    client = logged_in(client, assessor)
    url = _save_url(submitted, indicators[0])
    response = client.post(url, {"level": 3, "note": "a", "version": 0}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Saved" in response.content.decode()
    assert 'name="version" value="1"' in response.content.decode()
    stale = client.post(url, {"level": 5, "note": "b", "version": 0}, HTTP_HX_REQUEST="true")
    html = stale.content.decode()
    assert "Not saved: someone else saved this indicator" in html
    assert '<strong class="conflict-mine-level">5</strong>' in html
    assert '<strong class="conflict-theirs-level">3</strong>' in html
    assert 'name="version" value="1"' in html  # the stored version, to re-apply on
    assert Answer.objects.get(evaluation=submitted, phase=Phase.DOCUMENT).level == 3
    # "Save my version over it" posts mine on top of the saved version.
    client.post(url, {"level": 5, "note": "b", "version": 1}, HTTP_HX_REQUEST="true")
    assert Answer.objects.get(evaluation=submitted, phase=Phase.DOCUMENT).level == 5


def test_level_zero_refused_in_view(client, submitted, indicators, assessor):
    response = logged_in(client, assessor).post(
        _save_url(submitted, indicators[0]), {"level": 0, "note": "x", "version": 0}, follow=True
    )
    assert not Answer.objects.filter(phase=Phase.DOCUMENT).exists()
    assert response.status_code == 200


def test_complete_refused_then_accepted(client, submitted, indicators, assessor):
    client = logged_in(client, assessor)
    url = reverse("evaluations:assessment-complete", kwargs={"pk": submitted.pk})
    response = client.post(url, follow=True)
    assert "3 indicator entries still need" in response.content.decode()
    score_all(submitted, indicators, (3, 3, 3))
    set_status(submitted, Evaluation.Status.UNDER_ASSESSMENT)
    client.post(url)
    submitted.refresh_from_db()
    assert submitted.status == Evaluation.Status.ASSESSED
    again = client.post(url, follow=True)
    assert "already complete" in again.content.decode()


def test_sent_back_comment_shown_to_assessor(client, submitted, indicators, assessor, coordinator):
    from evaluations.services import assessment as svc

    score_all(submitted, indicators, (3, 3, 3))
    set_status(submitted, Evaluation.Status.ASSESSED)
    svc.send_back_assessment(evaluation=submitted, by=coordinator, comment="Periksa indikator 2")
    html = logged_in(client, assessor).get(_score_url(submitted)).content.decode()
    assert "Periksa indikator 2" in html


def test_coordinator_dashboard_only_own_university(
    client, evaluation, other_evaluation, coordinator, other_coordinator, period
):
    other_evaluation.university = other_coordinator.university
    other_evaluation.save()
    html = (
        logged_in(client, coordinator)
        .get(reverse("evaluations:coordinator-dashboard") + f"?period={period.pk}")
        .content.decode()
    )
    assert evaluation.institution.name in html
    assert other_evaluation.institution.name not in html


def test_coordinator_assigns_by_hand(client, evaluation, coordinator, unassigned_assessor, period):
    logged_in(client, coordinator).post(
        reverse("evaluations:assessor-assign", kwargs={"period_pk": period.pk}),
        {"evaluation": evaluation.pk, "assessor": unassigned_assessor.pk},
    )
    assert AssessorAssignment.objects.filter(
        evaluation=evaluation, assessor=unassigned_assessor
    ).exists()


def test_review_approve_and_result_visibility(
    client, submitted, indicators, coordinator, operator, admin_user
):
    score_all(submitted, indicators, (3, 3, 1))
    set_status(submitted, Evaluation.Status.ASSESSED)
    result_url = reverse("evaluations:result", kwargs={"pk": submitted.pk})
    logged_in(client, coordinator).post(
        reverse("evaluations:assessment-approve", kwargs={"pk": submitted.pk})
    )
    submitted.refresh_from_db()
    assert submitted.final_index == Decimal("2.33")
    # Approved but not released: the institution sees nothing.
    operator_client = logged_in(client.__class__(), operator)
    assert operator_client.get(result_url).status_code == 403
    listing = operator_client.get(reverse("evaluations:result-list")).content.decode()
    assert "2.33" not in listing
    logged_in(client, admin_user).post(
        reverse("evaluations:results-release", kwargs={"period_pk": submitted.period_id}),
        {"evaluations": [submitted.pk]},
    )
    response = operator_client.get(result_url)
    html = response.content.decode()
    assert response.status_code == 200
    assert "2.33" in html and "Kurang" in html and "Sesuai bukti." in html
    assert "2.33" in operator_client.get(reverse("evaluations:result-list")).content.decode()


def test_release_view_all(client, period, admin_user, django_capture_on_commit_callbacks):
    for _ in range(2):
        ev = f.EvaluationFactory(period=period, final_index=Decimal("3.5"), final_predicate="Baik")
        f.UserFactory(role=Role.SUPERVISOR, institution=ev.institution)
        set_status(ev, Evaluation.Status.APPROVED)
    with django_capture_on_commit_callbacks(execute=True):
        logged_in(client, admin_user).post(
            reverse("evaluations:results-release", kwargs={"period_pk": period.pk}),
            {"everything": "on"},
        )
    period.refresh_from_db()
    assert period.results_released_at is not None
    assert Evaluation.objects.filter(status=Evaluation.Status.RELEASED).count() == 2
    assert len(mail.outbox) == 2


def test_csv_preview_then_apply(client, period, admin_user, university):
    ev = f.EvaluationFactory(period=period)
    client = logged_in(client, admin_user)
    url = reverse("evaluations:assignment-university-csv", kwargs={"period_pk": period.pk})
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = f"institution_code,university_code\n{ev.institution.code},ui\nBAD,ui\n"
    upload = SimpleUploadedFile("a.csv", content.encode(), content_type="text/csv")
    html = client.post(url, {"file": upload}).content.decode()
    assert "Unknown institution code" in html and "Apply these changes" not in html
    good = f"institution_code,university_code\n{ev.institution.code},ui\n"
    html = client.post(
        url, {"file": SimpleUploadedFile("b.csv", good.encode(), content_type="text/csv")}
    ).content.decode()
    assert "Apply these changes" in html
    ev.refresh_from_db()
    assert ev.university is None
    client.post(url, {"content": good, "apply": "1"})
    ev.refresh_from_db()
    assert ev.university == university


def test_auto_assign_and_undo_views(client, period, admin_user, university, other_university):
    evs = [f.EvaluationFactory(period=period) for _ in range(4)]
    client = logged_in(client, admin_user)
    client.post(reverse("evaluations:assignment-university-auto", kwargs={"period_pk": period.pk}))
    assert (
        Evaluation.objects.filter(pk__in=[e.pk for e in evs], university__isnull=True).count() == 0
    )
    page = client.get(
        reverse("evaluations:assignment-universities", kwargs={"period_pk": period.pk})
    ).content.decode()
    assert "Undo last assignment run" in page
    client.post(reverse("evaluations:assignment-university-undo", kwargs={"period_pk": period.pk}))
    assert (
        Evaluation.objects.filter(pk__in=[e.pk for e in evs], university__isnull=True).count() == 4
    )


def test_national_figures_page(client, period, admin_user, indicators):
    ev = f.EvaluationFactory(period=period, final_index=Decimal("2.80"), final_predicate="Baik")
    set_status(ev, Evaluation.Status.RELEASED)
    html = (
        logged_in(client, admin_user)
        .get(reverse("evaluations:results-national", kwargs={"period_pk": period.pk}))
        .content.decode()
    )
    assert 'id="national-index">2.80<' in html and "<svg" in html


# --- query counts -------------------------------------------------------------------


def _queue_rows(assessor, period, n):
    for _ in range(n):
        ev = f.EvaluationFactory(period=period, university=assessor.university)
        f.AssessorAssignmentFactory(evaluation=ev, assessor=assessor)


@pytest.mark.parametrize("n", [1, 20])
def test_queue_query_count(client, assessor, period, n, django_assert_num_queries):
    """Progress per row comes from one annotated query, not one count per evaluation."""
    _queue_rows(assessor, period, n)
    client = logged_in(client, assessor)
    with django_assert_num_queries(5):  # +1: the database session
        response = client.get(reverse("evaluations:assessor-queue"))
    assert response.status_code == 200


@pytest.mark.parametrize("n", [1, 20])
def test_coordinator_dashboard_query_count(
    client, coordinator, period, n, django_assert_num_queries
):
    """Assessors of each row are prefetched; assessors' progress is one grouped query."""
    assessor = f.UserFactory(role=Role.ASSESSOR, university=coordinator.university)
    _queue_rows(assessor, period, n)
    client = logged_in(client, coordinator)
    with django_assert_num_queries(11):  # +1: the database session
        response = client.get(reverse("evaluations:coordinator-dashboard") + f"?period={period.pk}")
    assert response.status_code == 200


@pytest.mark.parametrize("n", [1, 20])
def test_assignment_page_query_count(client, admin_user, period, n, django_assert_num_queries):
    """University of each row is joined; counts per university are one grouped query."""
    university = f.UniversityFactory()
    for _ in range(n):
        f.EvaluationFactory(period=period, university=university)
    client = logged_in(client, admin_user)
    with django_assert_num_queries(11):  # +1: the database session
        response = client.get(
            reverse("evaluations:assignment-universities", kwargs={"period_pk": period.pk})
        )
    assert response.status_code == 200


def test_clarification_request_and_what_changed(client, submitted, indicators, assessor, operator):
    from evaluations.services.selfeval import save_answer

    client = logged_in(client, assessor)
    client.post(
        reverse("evaluations:assessment-clarify", kwargs={"pk": submitted.pk}),
        {"indicators": [indicators[1].pk], "reason": "Lampirkan SK terbaru"},
    )
    submitted.refresh_from_db()
    assert submitted.status == Evaluation.Status.RETURNED
    answer = submitted.answers.get(indicator=indicators[1], phase=Phase.SELF)
    save_answer(
        evaluation=submitted,
        indicator=indicators[1],
        by=operator,
        level=4,
        note="SK terbaru dilampirkan",
        base_version=answer.version,
    )
    html = client.get(_score_url(submitted)).content.decode()
    assert "Lampirkan SK terbaru" in html
    assert "What the institution changed since" in html
    assert "Answer saved" in html and "answer.saved" not in html and "indicator 2" in html
    assert "Level: <del>3</del> → <ins>4</ins>" in html


@pytest.mark.parametrize("n", [3, 12])
def test_scoring_page_query_count(
    client, evaluation, period, assessor, n, django_assert_num_queries
):
    """Answers, evidence links and last period's levels load per page, not per indicator."""
    indicators = small_framework(period.framework, n=n)
    submit(evaluation, levels=[3] * n, indicators=indicators)
    for answer in evaluation.answers.all():
        f.EvidenceLinkFactory(answer=answer, evidence=f.EvidenceFileFactory(evaluation=evaluation))
    client = logged_in(client, assessor)
    with django_assert_num_queries(16):  # +1: the database session
        response = client.get(_score_url(evaluation))
    assert response.status_code == 200
