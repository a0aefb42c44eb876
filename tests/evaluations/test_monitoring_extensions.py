"""Extensions: grant, change, revoke with a reason; each audited old -> new deadline."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import escape

from evaluations.models import AuditEvent, Extension
from evaluations.services import monitoring as services
from tests import factories as f
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def test_grant_creates_and_audits(admin_user, evaluation):
    period = evaluation.period
    ext, created = services.grant_extension(
        period=period,
        institution=evaluation.institution,
        new_deadline=period.deadline + 5 * DAY,
        reason="Gangguan listrik",
        by=admin_user,
    )
    assert created is True
    assert (ext.new_deadline, ext.reason, ext.granted_by) == (
        period.deadline + 5 * DAY,
        "Gangguan listrik",
        admin_user,
    )
    event = AuditEvent.objects.get(action="extension.granted")
    assert event.evaluation == evaluation
    assert event.institution == evaluation.institution
    assert event.actor == admin_user
    assert event.changes == {
        "deadline": [period.deadline.isoformat(), (period.deadline + 5 * DAY).isoformat()]
    }
    assert event.note == "Gangguan listrik"


def test_grant_again_changes_the_active_extension(admin_user, evaluation):
    period, inst = evaluation.period, evaluation.institution
    first, _c = services.grant_extension(
        period=period,
        institution=inst,
        new_deadline=period.deadline + DAY,
        reason="a",
        by=admin_user,
    )
    second, created = services.grant_extension(
        period=period,
        institution=inst,
        new_deadline=period.deadline + 3 * DAY,
        reason="b",
        by=admin_user,
    )
    assert created is False
    assert second.pk == first.pk
    assert Extension.objects.get().new_deadline == period.deadline + 3 * DAY
    event = AuditEvent.objects.get(action="extension.changed")
    assert event.changes["deadline"] == [
        (period.deadline + DAY).isoformat(),
        (period.deadline + 3 * DAY).isoformat(),
    ]


@pytest.mark.parametrize(
    ("offset", "reason", "message"),
    [
        (-DAY, "x", services.EXTENSION_NOT_AFTER_DEADLINE),
        (dt.timedelta(0), "x", services.EXTENSION_NOT_AFTER_DEADLINE),
        (DAY, "  ", services.EXTENSION_REASON_REQUIRED),
    ],
)
def test_grant_refuses_bad_input(admin_user, evaluation, offset, reason, message):
    with pytest.raises(ValidationError) as exc:
        services.grant_extension(
            period=evaluation.period,
            institution=evaluation.institution,
            new_deadline=evaluation.period.deadline + offset,
            reason=reason,
            by=admin_user,
        )
    assert exc.value.messages == [str(message)]
    assert not Extension.objects.exists()
    assert not AuditEvent.objects.exists()


def test_grant_same_deadline_is_refused(admin_user, evaluation):
    period = evaluation.period
    services.grant_extension(
        period=period,
        institution=evaluation.institution,
        new_deadline=period.deadline + DAY,
        reason="a",
        by=admin_user,
    )
    with pytest.raises(ValidationError) as exc:
        services.grant_extension(
            period=period,
            institution=evaluation.institution,
            new_deadline=period.deadline + DAY,
            reason="a",
            by=admin_user,
        )
    assert exc.value.messages == [str(services.EXTENSION_SAME_DEADLINE)]


def test_grant_and_revoke_need_an_admin(operator, coordinator, admin_user, evaluation):
    for user in (operator, coordinator):
        with pytest.raises(PermissionDenied):
            services.grant_extension(
                period=evaluation.period,
                institution=evaluation.institution,
                new_deadline=evaluation.period.deadline + DAY,
                reason="x",
                by=user,
            )
    ext = f.ExtensionFactory(period=evaluation.period, institution=evaluation.institution)
    with pytest.raises(PermissionDenied):
        services.revoke_extension(extension=ext, by=operator, reason="x")


def test_revoke_audits_back_to_the_period_deadline(admin_user, evaluation):
    period = evaluation.period
    ext = f.ExtensionFactory(
        period=period, institution=evaluation.institution, new_deadline=period.deadline + DAY
    )
    services.revoke_extension(extension=ext, by=admin_user, reason="Salah input")
    ext.refresh_from_db()
    assert ext.revoked_at is not None
    event = AuditEvent.objects.get(action="extension.revoked")
    assert event.changes == {
        "deadline": [(period.deadline + DAY).isoformat(), period.deadline.isoformat()]
    }
    assert event.note == "Salah input"
    with pytest.raises(ValidationError) as exc:
        services.revoke_extension(extension=ext, by=admin_user, reason="again")
    assert exc.value.messages == [str(services.EXTENSION_ALREADY_REVOKED)]
    # A new extension may be granted after a revocation.
    _new, created = services.grant_extension(
        period=period,
        institution=evaluation.institution,
        new_deadline=period.deadline + 2 * DAY,
        reason="b",
        by=admin_user,
    )
    assert created is True


def test_revoke_needs_a_reason(admin_user, evaluation):
    ext = f.ExtensionFactory(period=evaluation.period, institution=evaluation.institution)
    with pytest.raises(ValidationError):
        services.revoke_extension(extension=ext, by=admin_user, reason="")
    ext.refresh_from_db()
    assert ext.revoked_at is None


def test_grant_view_form_and_post(client, admin_user, evaluation):
    period = evaluation.period
    client = logged_in(client, admin_user)
    url = reverse("evaluations:extension-grant") + f"?period={period.pk}"
    form_html = client.get(url + f"&institution={evaluation.institution_id}").content.decode()
    assert f'value="{evaluation.institution_id}" selected' in form_html
    new = (period.deadline + 2 * DAY).astimezone(dt.timezone(dt.timedelta(hours=7)))
    response = client.post(
        url,
        {
            "institution": evaluation.institution_id,
            "new_deadline": new.strftime("%Y-%m-%dT%H:%M"),
            "reason": "Banjir",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "Extension granted to Kota Alpha." in html
    assert "Banjir" in html
    # Minutes in the form; the deadline is the last accepted second of that minute.
    assert Extension.objects.get().new_deadline == new.replace(second=59, microsecond=0)


def test_grant_view_shows_the_service_error(client, admin_user, evaluation):
    period = evaluation.period
    early = (period.deadline - DAY).astimezone(dt.timezone(dt.timedelta(hours=7)))
    response = logged_in(client, admin_user).post(
        reverse("evaluations:extension-grant") + f"?period={period.pk}",
        {
            "institution": evaluation.institution_id,
            "new_deadline": early.strftime("%Y-%m-%dT%H:%M"),
            "reason": "x",
        },
    )
    assert response.status_code == 200
    assert escape(str(services.EXTENSION_NOT_AFTER_DEADLINE)) in response.content.decode()
    assert not Extension.objects.exists()


def test_revoke_view_is_idempotent(client, admin_user, evaluation):
    ext = f.ExtensionFactory(period=evaluation.period, institution=evaluation.institution)
    url = reverse("evaluations:extension-revoke", args=[ext.pk])
    client = logged_in(client, admin_user)
    html = client.post(url, {"reason": "Salah"}, follow=True).content.decode()
    assert "Extension of Kota Alpha revoked." in html
    html = client.post(url, {"reason": "Salah"}, follow=True).content.decode()
    assert "already revoked" in html
    assert AuditEvent.objects.filter(action="extension.revoked").count() == 1
