"""Monitoring views: dashboard content, htmx parts, coordinator scope, heatmap, audit
trail, reminders sent by hand, and the constant query counts."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from evaluations.models import AuditEvent, Evaluation, Reminder
from tests import factories as f
from tests.conftest import logged_in

S = Evaluation.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def setup_period(period):
    aspect = f.AspectFactory(domain=f.DomainFactory(framework=period.framework))
    for n in range(1, 6):
        f.IndicatorFactory(aspect=aspect, framework=period.framework, number=n)
    return period


def _many(period, n, university=None):
    """n evaluations of distinct institutions (kota, each with a supervisor)."""
    evs = []
    for i in range(n):
        inst = f.InstitutionFactory(name=f"Kota Nomor {i:03d}")
        f.UserFactory(role="supervisor", institution=inst)
        evs.append(
            f.EvaluationFactory(
                period=period,
                institution=inst,
                status=S.IN_PROGRESS if i % 2 else S.NOT_STARTED,
                answered_count=i % 5,
                university=university,
                last_activity_at=timezone.now() - dt.timedelta(hours=i),
            )
        )
    return evs


def test_dashboard_shows_counts_list_and_at_risk(client, admin_user, setup_period):
    _many(setup_period, 3)
    response = logged_in(client, admin_user).get(reverse("evaluations:admin-dashboard"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-status-count="not_started">2<' in html
    assert 'data-status-count="in_progress">1<' in html
    assert "Kota Nomor 000" in html and "Kota Nomor 002" in html
    assert 'hx-trigger="every 30s"' in html
    assert "3 institutions" in html


def test_dashboard_part_summary_returns_only_the_summary(client, admin_user, setup_period):
    _many(setup_period, 2)
    url = reverse("evaluations:admin-dashboard") + f"?period={setup_period.pk}&part=summary"
    html = logged_in(client, admin_user).get(url, HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith('<div id="monitoring-summary"')
    assert "<html" not in html
    assert "Kota Nomor 000" not in html  # the list is another part


def test_dashboard_list_filters_and_search(client, admin_user, setup_period):
    _many(setup_period, 4)
    url = reverse("evaluations:admin-dashboard")
    html = (
        logged_in(client, admin_user)
        .get(url, {"period": setup_period.pk, "q": "Nomor 003", "part": "list"})
        .content.decode()
    )
    assert "Kota Nomor 003" in html
    assert "Kota Nomor 001" not in html
    html = client.get(url, {"period": setup_period.pk, "status": "in_progress"}).content.decode()
    assert "Kota Nomor 001" in html and "Kota Nomor 000" not in html


def test_coordinator_sees_only_the_own_university(
    client, coordinator, university, other_university, setup_period
):
    _many(setup_period, 2, university=university)
    other = _many(setup_period, 1, university=other_university)[0]
    other.institution.name = "Kota Lain"
    other.institution.save()
    html = (
        logged_in(client, coordinator)
        .get(reverse("evaluations:university-monitoring"))
        .content.decode()
    )
    assert "Kota Nomor 000" in html
    assert "Kota Lain" not in html
    assert "2 institutions" in html
    assert reverse("evaluations:reminder-send") not in html  # no admin actions


def test_heatmap_page_renders_cells(client, admin_user, setup_period):
    ev = _many(setup_period, 1)[0]
    ind = setup_period.framework.indicators.order_by("number").first()
    f.AnswerFactory(evaluation=ev, indicator=ind, level=3)
    html = (
        logged_in(client, admin_user)
        .get(reverse("evaluations:monitoring-heatmap"), {"period": setup_period.pk})
        .content.decode()
    )
    assert 'class="hm-cell hm-1" data-state="1"' in html
    assert html.count('class="hm-cell hm-0" data-state="0"') == 4


def test_manual_reminder_to_one_institution(
    client, admin_user, operator, supervisor, evaluation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in(client, admin_user).post(
            reverse("evaluations:reminder-send"), {"evaluation": evaluation.pk}
        )
    assert response.status_code == 302
    reminder = Reminder.objects.get(evaluation=evaluation)
    assert reminder.offset_days is None
    assert reminder.sent_by == admin_user
    assert sorted(reminder.recipients) == sorted([operator.email, supervisor.email])
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == sorted([operator.email, supervisor.email])
    assert AuditEvent.objects.filter(action="reminder.sent", evaluation=evaluation).count() == 1


def test_manual_reminder_skips_a_submitted_institution(client, admin_user, evaluation):
    Evaluation.objects.filter(pk=evaluation.pk).update(
        status=S.SUBMITTED, submitted_at=timezone.now(), submitted_by=admin_user
    )
    response = logged_in(client, admin_user).post(
        reverse("evaluations:reminder-send"), {"evaluation": evaluation.pk}, follow=True
    )
    assert "already submitted" in response.content.decode()
    assert Reminder.objects.count() == 0


def test_manual_reminder_to_a_filtered_set(client, admin_user, setup_period):
    evs = _many(setup_period, 4)
    ministry = f.EvaluationFactory(period=setup_period, institution=f.MinistryFactory())
    response = logged_in(client, admin_user).post(
        reverse("evaluations:reminder-send"),
        {"period": setup_period.pk, "status": "not_started", "kind": "kota"},
        follow=True,
    )
    assert "2 reminders sent." in response.content.decode()
    assert set(Reminder.objects.values_list("evaluation_id", flat=True)) == {
        evs[0].pk,
        evs[2].pk,
    }
    assert not Reminder.objects.filter(evaluation=ministry).exists()


def test_audit_log_lists_and_filters(client, admin_user):
    ev = f.EvaluationFactory(institution=f.InstitutionFactory(name="Kota Audit"))
    f.AuditEventFactory(
        evaluation=ev,
        action="extension.granted",
        actor=admin_user,
        # As the extension service records it: ISO moments, the old one in UTC.
        changes={
            "deadline": ["2027-10-31T16:59:59+00:00", "2027-11-07T23:59:59+07:00"],
            "entry": 2,
        },
    )
    f.AuditEventFactory(action="status", from_status="in_progress", to_status="submitted")
    url = reverse("evaluations:audit-log")
    html = logged_in(client, admin_user).get(url).content.decode()
    assert "2 events" in html
    assert "In progress → Submitted" in html and "in_progress" not in html
    html = client.get(url, {"action": "extension.granted"}).content.decode()
    assert "1 event" in html and "Kota Audit" in html
    assert "Extension granted" in html and "<code>" not in html
    # Both moments in WIB, to the second, whatever zone they were stored in.
    assert "31-10-2027 23:59:59 WIB → 07-11-2027 23:59:59 WIB" in html
    assert '<span class="text-muted">Entry:</span> 2<' in html


# --- query counts ------------------------------------------------------------------


def _dashboard_queries(client, admin_user, period, n, django_assert_num_queries):
    _many(period, n)
    client = logged_in(client, admin_user)
    with django_assert_num_queries(13):  # +1: the database session
        response = client.get(reverse("evaluations:admin-dashboard"))
    assert response.status_code == 200


def test_dashboard_queries_with_one_institution(
    client, admin_user, setup_period, django_assert_num_queries
):
    """Guards an N+1 over institutions in the dashboard's summary, breakdowns and list."""
    _dashboard_queries(client, admin_user, setup_period, 1, django_assert_num_queries)


def test_dashboard_queries_with_many_institutions(
    client, admin_user, setup_period, django_assert_num_queries
):
    """Guards an N+1 over institutions in the dashboard's summary, breakdowns and list."""
    _dashboard_queries(client, admin_user, setup_period, 30, django_assert_num_queries)


@pytest.mark.parametrize("n", [1, 12])
def test_heatmap_queries_constant(client, admin_user, setup_period, n, django_assert_num_queries):
    """Guards an N+1 over institutions x indicators in the heatmap (one answers query)."""
    for ev in _many(setup_period, n):
        for ind in setup_period.framework.indicators.all():
            f.AnswerFactory(evaluation=ev, indicator=ind)
    client = logged_in(client, admin_user)
    with django_assert_num_queries(8):  # +1: the database session
        client.get(reverse("evaluations:monitoring-heatmap"))


@pytest.mark.parametrize("n", [1, 12])
def test_audit_log_queries_constant(client, admin_user, n, django_assert_num_queries):
    """Guards an N+1 over events (actor, institution, period, indicator) in the audit trail."""
    for _i in range(n):
        f.AuditEventFactory(actor=admin_user)
    client = logged_in(client, admin_user)
    with django_assert_num_queries(6):  # +1: the database session
        client.get(reverse("evaluations:audit-log"))


@pytest.mark.parametrize("n", [1, 5])
def test_extension_list_queries_constant(
    client, admin_user, setup_period, n, django_assert_num_queries
):
    """Guards an N+1 over extensions (institution, granted_by) in the extension list."""
    for _i in range(n):
        f.ExtensionFactory(period=setup_period, granted_by=admin_user)
    client = logged_in(client, admin_user)
    with django_assert_num_queries(4):  # +1: the database session
        client.get(reverse("evaluations:extension-list"))


def test_manual_reminder_redirects_only_to_this_site(client, admin_user, evaluation):
    url = reverse("evaluations:reminder-send")
    client = logged_in(client, admin_user)
    response = client.post(url, {"evaluation": evaluation.pk, "next": "//evil.example/x"})
    assert response["Location"] == reverse("evaluations:admin-dashboard")
    response = client.post(url, {"evaluation": evaluation.pk, "next": "/ministry/?q=Alpha"})
    assert response["Location"] == "/ministry/?q=Alpha"
