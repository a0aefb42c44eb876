"""Site visits: an admin or the university's coordinator selects an institution with a
reason, only in a period that holds visits; the assessors then propose times (the same
meeting machinery as the interview); the list page in a fixed number of queries."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from evaluations.models import AuditEvent, Evaluation, Meeting, PeriodMode
from evaluations.services import meetings as svc
from tests import factories as f
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def _evaluation_mode(period):
    period.mode = PeriodMode.EVALUATION
    period.interview_opens_at = NOW - dt.timedelta(days=5)
    period.interview_closes_at = NOW + dt.timedelta(days=5)
    period.visit_opens_at = NOW + dt.timedelta(days=6)
    period.visit_closes_at = NOW + dt.timedelta(days=20)
    period.save()


@pytest.fixture
def under_assessment(evaluation):
    _evaluation_mode(evaluation.period)
    Evaluation.objects.filter(pk=evaluation.pk).update(status=Evaluation.Status.UNDER_ASSESSMENT)
    evaluation.refresh_from_db()
    return evaluation


def test_the_coordinator_selects_with_a_reason_once_and_it_is_audited(
    under_assessment, coordinator
):
    with pytest.raises(ValidationError) as exc:
        svc.select_for_visit(evaluation=under_assessment, by=coordinator, reason=" ")
    assert exc.value.code == "reason"
    visit = svc.select_for_visit(
        evaluation=under_assessment, by=coordinator, reason="Pusat data perlu dilihat langsung."
    )
    assert (visit.kind, visit.status) == ("visit", "selected")
    again = svc.select_for_visit(evaluation=under_assessment, by=coordinator, reason="Lagi.")
    assert again.pk == visit.pk and again.selection_reason == "Pusat data perlu dilihat langsung."
    assert AuditEvent.objects.filter(action=AuditEvent.Action.VISIT_SELECTED).count() == 1


def test_others_cannot_select(under_assessment, assessor, other_coordinator, operator):
    for user in (assessor, other_coordinator, operator):
        with pytest.raises(PermissionDenied):
            svc.select_for_visit(evaluation=under_assessment, by=user, reason="x")


def test_a_monitoring_period_holds_no_visits(evaluation, admin_user):
    Evaluation.objects.filter(pk=evaluation.pk).update(status=Evaluation.Status.UNDER_ASSESSMENT)
    evaluation.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        svc.select_for_visit(evaluation=evaluation, by=admin_user, reason="x")
    assert exc.value.code == "not_held"


def test_times_are_proposed_only_for_a_selected_institution(under_assessment, assessor, admin_user):
    start = NOW + dt.timedelta(days=7)
    slots = [(start, start + dt.timedelta(hours=3), "Kantor Diskominfo, Jl. Merdeka 1")]
    with pytest.raises(ValidationError) as exc:
        svc.propose_slots(evaluation=under_assessment, kind="visit", by=assessor, slots=slots)
    assert exc.value.code == "not_selected"
    svc.select_for_visit(evaluation=under_assessment, by=admin_user, reason="Validasi")
    visit = svc.propose_slots(evaluation=under_assessment, kind="visit", by=assessor, slots=slots)
    assert visit.status == Meeting.Status.PROPOSED and visit.selection_reason == "Validasi"


def test_the_list_selects_and_shows_the_reason(client, under_assessment, coordinator):
    client = logged_in(client, coordinator)
    url = reverse("evaluations:visit-list", kwargs={"period_pk": under_assessment.period_id})
    body = client.get(url).content.decode()
    assert under_assessment.institution.name in body and "Select for a visit" in body
    body = client.post(
        reverse("evaluations:visit-select", kwargs={"pk": under_assessment.pk}),
        {"reason": "Aplikasi layanan perlu didemonstrasikan."},
        follow=True,
    ).content.decode()
    assert "is selected for a site visit." in body
    assert "Aplikasi layanan perlu didemonstrasikan." in body


@pytest.mark.parametrize("n", [1, 15])
def test_the_visit_list_query_count(
    period, university, admin_user, n, django_assert_max_num_queries
):
    _evaluation_mode(period)
    for i in range(n):
        ev = f.EvaluationFactory(
            period=period, university=university, status=Evaluation.Status.UNDER_ASSESSMENT
        )
        if i % 2:
            Meeting.objects.create(
                evaluation=ev, kind="visit", status="selected", selection_reason="r"
            )
    client = logged_in(Client(), admin_user)
    url = reverse("evaluations:visit-list", kwargs={"period_pk": period.pk})
    # Constant: session, user, period, evaluations, visits (+ the session's own queries).
    with django_assert_max_num_queries(7):
        response = client.get(url)
    assert response.content.decode().count("visit-row") == n
