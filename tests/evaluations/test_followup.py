"""Recommendation follow-up: items created at release from the counting recommendation,
assignment by the supervisor, progress by staff (audited), the list with its filters,
and the list's query count at one and at many items."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from evaluations.models import AuditEvent, Evaluation, FollowUp, Phase
from evaluations.services import assessment as release_svc
from evaluations.services import followup as svc
from institutions.models import Role
from tests import factories as f
from tests.conftest import logged_in
from tests.evaluations.assessment_helpers import set_status, small_framework

pytestmark = pytest.mark.django_db


@pytest.fixture
def indicators(period):
    return small_framework(period.framework)


@pytest.fixture
def released(evaluation, indicators, admin_user):
    """Indicator 1: document recommendation overridden by the interview's; indicator 2:
    a recommendation on a phase without level (does not count); indicator 3: none."""
    one, two, three = indicators
    answer = f.AnswerFactory
    answer(evaluation=evaluation, indicator=one, phase=Phase.DOCUMENT, level=2, recommendation="A")
    answer(
        evaluation=evaluation,
        indicator=one,
        phase=Phase.INTERVIEW,
        level=3,
        recommendation="Susun peta rencana SPBE.",
    )
    answer(evaluation=evaluation, indicator=two, phase=Phase.DOCUMENT, level=4, recommendation="")
    answer(evaluation=evaluation, indicator=two, phase=Phase.VISIT, level=None, recommendation="X")
    answer(evaluation=evaluation, indicator=three, phase=Phase.DOCUMENT, level=1)
    set_status(evaluation, Evaluation.Status.APPROVED)
    release_svc.release_results(period=evaluation.period, by=admin_user, notify=False)
    return evaluation


def _item(evaluation):
    return FollowUp.objects.get(evaluation=evaluation)


def test_release_creates_one_item_per_counting_recommendation(released, indicators):
    item = _item(released)
    assert item.text == "Susun peta rencana SPBE."
    assert item.indicator == indicators[0]
    assert item.institution_id == released.institution_id
    assert item.status == FollowUp.Status.OPEN
    # A second call (e.g. a retried release) adds nothing.
    assert svc.create_follow_ups(evaluations=[released]) == 0
    assert FollowUp.objects.count() == 1


def test_supervisor_assigns_owner_audited(released, supervisor, operator, other_operator):
    item = svc.assign_follow_up(
        follow_up=_item(released),
        by=supervisor,
        owner=operator,
        owner_unit=" Pusdatin ",
        due_date=dt.date(2027, 3, 31),
    )
    item.refresh_from_db()
    assert (item.owner, item.owner_unit, item.due_date) == (
        operator,
        "Pusdatin",
        dt.date(2027, 3, 31),
    )
    event = AuditEvent.objects.get(action=AuditEvent.Action.FOLLOW_UP_ASSIGNED)
    assert event.actor == supervisor and event.institution_id == released.institution_id
    assert event.changes["owner_unit"] == ["", "Pusdatin"]
    # The operator may not assign; a person of another institution may not own it.
    with pytest.raises(PermissionDenied):
        svc.assign_follow_up(
            follow_up=item, by=operator, owner=operator, owner_unit="", due_date=None
        )
    with pytest.raises(ValidationError):
        svc.assign_follow_up(
            follow_up=item, by=supervisor, owner=other_operator, owner_unit="", due_date=None
        )
    item.refresh_from_db()
    assert item.owner == operator


def test_status_lifecycle_with_notes_and_reason(released, operator, supervisor, other_operator):
    item = _item(released)
    svc.update_follow_up(
        follow_up=item, by=operator, status=FollowUp.Status.IN_PROGRESS, note="Draf disusun."
    )
    with pytest.raises(ValidationError) as no_reason:
        svc.update_follow_up(follow_up=item, by=operator, status=FollowUp.Status.NOT_APPLICABLE)
    assert "reason" in no_reason.value.error_dict
    with pytest.raises(ValidationError):
        svc.update_follow_up(follow_up=item, by=operator, status=FollowUp.Status.IN_PROGRESS)
    with pytest.raises(PermissionDenied):
        svc.update_follow_up(follow_up=item, by=other_operator, status=FollowUp.Status.DONE)
    svc.update_follow_up(
        follow_up=item, by=supervisor, status=FollowUp.Status.DONE, note="Peta rencana terbit."
    )
    item.refresh_from_db()
    assert item.status == FollowUp.Status.DONE
    assert [n.text for n in item.notes.all()] == ["Draf disusun.", "Peta rencana terbit."]
    events = AuditEvent.objects.filter(action=AuditEvent.Action.FOLLOW_UP_UPDATED).order_by("id")
    assert [e.changes["status"] for e in events] == [
        ["open", "in_progress"],
        ["in_progress", "done"],
    ]
    svc.update_follow_up(
        follow_up=item,
        by=operator,
        status=FollowUp.Status.NOT_APPLICABLE,
        reason="Unit dibubarkan.",
    )
    item.refresh_from_db()
    assert item.reason == "Unit dibubarkan."


def test_page_filters_and_saves(client, released, operator, indicators):
    other = FollowUp.objects.create(
        institution=released.institution,
        evaluation=released,
        indicator=indicators[2],
        text="Bangun pusat data.",
        status=FollowUp.Status.DONE,
    )
    logged_in(client, operator)
    url = reverse("evaluations:follow-up-list")
    page = client.get(url).content.decode()
    assert "Susun peta rencana SPBE." in page and "Bangun pusat data." in page
    done = client.get(url, {"status": "done"}).content.decode()
    assert "Bangun pusat data." in done and "Susun peta rencana SPBE." not in done
    by_indicator = client.get(url, {"indicator": 1}).content.decode()
    assert "Susun peta rencana SPBE." in by_indicator and "Bangun pusat data." not in by_indicator
    # A stale or malformed filter shows the list rather than an error.
    assert client.get(url, {"indicator": "x", "status": "zzz"}).status_code == 200

    detail = reverse("evaluations:follow-up-detail", args=[other.pk])
    bad = client.post(detail, {"status": "not_applicable", "reason": ""})
    assert bad.status_code == 400
    assert str(svc.REASON_REQUIRED) in bad.content.decode()
    other.refresh_from_db()
    assert other.status == FollowUp.Status.DONE
    client.post(detail, {"status": "not_applicable", "reason": "Sudah tidak relevan."})
    other.refresh_from_db()
    assert other.status == FollowUp.Status.NOT_APPLICABLE


def test_supervisor_assign_page(client, released, supervisor, operator):
    item = _item(released)
    logged_in(client, supervisor)
    detail = reverse("evaluations:follow-up-detail", args=[item.pk])
    assign_url = reverse("evaluations:follow-up-assign", args=[item.pk])
    assert assign_url in client.get(detail).content.decode()
    logged_in(client, operator)
    assert assign_url not in client.get(detail).content.decode()
    logged_in(client, supervisor)
    response = client.post(
        reverse("evaluations:follow-up-assign", args=[item.pk]),
        {"owner": operator.pk, "owner_unit": "Biro Umum", "due_date": "2027-01-15"},
    )
    assert response.status_code == 302
    page = client.get(reverse("evaluations:follow-up-list")).content.decode()
    assert "Biro Umum" in page and operator.get_full_name() in page


@pytest.mark.parametrize("count", [1, 25])
def test_list_query_count(client, django_assert_max_num_queries, released, operator, count):
    indicator = released.period.framework.indicators.first()
    for i in range(count):
        ev = f.EvaluationFactory(institution=released.institution)
        FollowUp.objects.create(
            institution=released.institution,
            evaluation=ev,
            indicator=indicator,
            text=f"Rekomendasi {i}",
            owner=f.UserFactory(role=Role.OPERATOR, institution=released.institution),
        )
    logged_in(client, operator)
    # Session/user, the filter choices (2), count and page: the same at 1 and at 25 items.
    with django_assert_max_num_queries(9):
        response = client.get(reverse("evaluations:follow-up-list"))
    assert response.status_code == 200
    assert f"Rekomendasi {count - 1}" in response.content.decode()


def test_reminders_claimed_once_per_due_date(
    released, supervisor, operator, mailoutbox, django_capture_on_commit_callbacks
):
    item = _item(released)
    FollowUp.objects.filter(pk=item.pk).update(due_date=dt.date(2027, 3, 10))
    before = dt.datetime(2027, 3, 1, 9, tzinfo=dt.UTC)  # 9 days before: not yet
    due = dt.datetime(2027, 3, 4, 9, tzinfo=dt.UTC)  # 6 days before
    assert svc.send_follow_up_reminders(now=before) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert svc.send_follow_up_reminders(now=due) == 1
    # No owner yet: the supervisor is reminded.
    assert [m.to for m in mailoutbox] == [[supervisor.email]]
    with django_capture_on_commit_callbacks(execute=True):
        assert svc.send_follow_up_reminders(now=due) == 0  # claimed: sent once
    assert len(mailoutbox) == 1
    # A moved due date makes a new reminder due, now to the owner.
    FollowUp.objects.filter(pk=item.pk).update(due_date=dt.date(2027, 3, 8), owner=operator)
    with django_capture_on_commit_callbacks(execute=True):
        assert svc.send_follow_up_reminders(now=due) == 1
    assert mailoutbox[-1].to == [operator.email]
    assert "Susun peta rencana SPBE." in mailoutbox[-1].body
    # Done items are not reminded.
    FollowUp.objects.filter(pk=item.pk).update(
        due_date=dt.date(2027, 3, 9), status=FollowUp.Status.DONE
    )
    assert svc.send_follow_up_reminders(now=due) == 0
    assert AuditEvent.objects.filter(action=AuditEvent.Action.FOLLOW_UP_REMINDED).count() == 2


def test_next_period_shows_last_follow_up_beside_the_indicator(
    client, released, operator, indicators, django_assert_max_num_queries
):
    item = _item(released)
    FollowUp.objects.filter(pk=item.pk).update(status=FollowUp.Status.DONE, owner_unit="Biro TI")
    period = released.period
    later = f.EvaluationPeriodFactory(
        framework=period.framework,
        opens_at=period.opens_at + dt.timedelta(days=365),
        deadline=period.deadline + dt.timedelta(days=365),
    )
    current = f.EvaluationFactory(institution=released.institution, period=later)
    logged_in(client, operator)
    # Shown on the indicator page itself, no second request.
    url = reverse("evaluations:answer-edit", args=[current.pk, indicators[0].pk])
    client.get(url)  # the first page of a process fills its framework cache
    with django_assert_max_num_queries(12):
        page = client.get(url).content.decode()
    assert "Susun peta rencana SPBE." in page and "Biro TI" in page
    assert 'data-testid="indicator-follow-ups"' in page
    # Another indicator has no follow-up: nothing is shown.
    other = reverse("evaluations:answer-edit", args=[current.pk, indicators[1].pk])
    assert "Susun peta" not in client.get(other).content.decode()
    # The released period's own page does not show its own items as "last period".
    same = reverse("evaluations:answer-edit", args=[released.pk, indicators[0].pk])
    response = client.get(same)
    assert response.status_code == 200
    assert "Susun peta" not in response.content.decode()
