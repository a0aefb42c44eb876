"""Two-factor sign-in: who must give it, enrolment with a QR code and recovery codes,
verification (and its throttling), the gate on every page, and the audited reset."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from evaluations.models import AuditEvent
from spbe_portal import two_factor as tf
from tests.auth_helpers import current_code, enrol, force_login
from tests.conftest import logged_in

PASSWORD = "pass-12345"  # tests.factories.UserFactory's password


def _sign_in(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "required"),
    [
        ("admin_user", True),
        ("coordinator", True),
        ("assessor", True),
        ("operator", False),
        ("supervisor", False),
    ],
)
def test_who_must_use_a_second_factor(request, role, required, settings):
    user = request.getfixturevalue(role)
    assert tf.requires_two_factor(user) is required
    settings.TWO_FACTOR_FOR_INSTITUTIONS = True
    assert tf.requires_two_factor(user) is True


@pytest.mark.django_db
def test_assessor_enrols_with_a_qr_code_and_gets_recovery_codes(client, assessor):
    _sign_in(client, assessor)
    # Every page sends a pending session to the second factor, here to enrolment.
    to_verify = client.get(reverse("evaluations:assessor-queue"))
    assert to_verify["Location"].startswith(reverse("two-factor-verify"))
    to_setup = client.get(to_verify["Location"])
    assert to_setup["Location"].startswith(reverse("two-factor-setup"))
    page = client.get(to_setup["Location"])
    html = page.content.decode()
    assert 'src="data:image/svg+xml' in html  # the QR code, drawn on the server
    device = TOTPDevice.objects.get(user=assessor, confirmed=False)

    wrong = client.post(reverse("two-factor-setup"), {"code": "000000", "next": "/assessor/"})
    assert "The code is not correct" in wrong.content.decode()
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()

    done = client.post(
        reverse("two-factor-setup"), {"code": current_code(device), "next": "/assessor/"}
    )
    codes = re.findall(r"<li class=\"col\">([a-z2-7]{8})</li>", done.content.decode())
    assert len(codes) == 10
    assert client.get(reverse("evaluations:assessor-queue")).status_code == 200
    assert AuditEvent.objects.filter(action="account.two_factor_enrolled", actor=assessor).exists()


@pytest.mark.django_db
def test_sign_in_with_the_authenticator_code(client, coordinator):
    device = enrol(coordinator)
    _sign_in(client, coordinator)
    assert client.get(reverse("evaluations:coordinator-dashboard")).status_code == 302
    response = client.post(
        reverse("two-factor-verify"), {"code": current_code(device), "next": "/coordinator/"}
    )
    assert response["Location"] == "/coordinator/"
    assert client.get(reverse("evaluations:coordinator-dashboard")).status_code == 200


@pytest.mark.django_db
def test_a_wrong_code_is_refused_and_guessing_is_throttled(client, coordinator):
    device = enrol(coordinator)
    _sign_in(client, coordinator)
    wrong = client.post(reverse("two-factor-verify"), {"code": "123456"})
    assert "The code is not correct" in wrong.content.decode()
    # Right after a failure even the right code waits (django-otp's growing delay).
    again = client.post(reverse("two-factor-verify"), {"code": current_code(device)})
    assert again.status_code == 200
    assert client.get(reverse("evaluations:coordinator-dashboard")).status_code == 302


@pytest.mark.django_db
def test_a_recovery_code_works_once(client, coordinator):
    enrol(coordinator)
    recovery = StaticDevice.objects.create(user=coordinator, name="recovery", confirmed=True)
    recovery.token_set.create(token="abcd2345")
    recovery.token_set.create(token="efgh6723")
    _sign_in(client, coordinator)
    response = client.post(reverse("two-factor-verify"), {"code": "ABCD 2345"}, follow=True)
    assert "You signed in with a recovery code; 1 remain." in response.content.decode()
    assert AuditEvent.objects.filter(action="account.recovery_code_used").count() == 1

    other = _sign_in(type(client)(), coordinator)
    refused = other.post(reverse("two-factor-verify"), {"code": "abcd2345"})
    assert "The code is not correct" in refused.content.decode()


@pytest.mark.django_db
def test_institution_staff_without_a_factor_sign_in_with_the_password(client, operator, evaluation):
    _sign_in(client, operator)
    assert client.get(reverse("evaluations:institution-dashboard")).status_code == 200


@pytest.mark.django_db
def test_institution_staff_must_when_the_setting_says_so(client, operator, evaluation, settings):
    settings.TWO_FACTOR_FOR_INSTITUTIONS = True
    _sign_in(client, operator)
    assert client.get(reverse("evaluations:institution-dashboard")).status_code == 302


@pytest.mark.django_db
def test_institution_staff_who_enrolled_are_asked(client, operator, evaluation):
    enrol(operator)
    _sign_in(client, operator)
    assert client.get(reverse("evaluations:institution-dashboard")).status_code == 302


@pytest.mark.django_db
def test_a_pending_session_cannot_re_enrol_or_use_background_requests(client, assessor):
    enrol(assessor)
    _sign_in(client, assessor)
    assert client.get(reverse("two-factor-setup"))["Location"] == reverse("two-factor-verify")
    assert (
        client.get(reverse("evaluations:assessor-queue"), HTTP_HX_REQUEST="true").status_code == 401
    )
    assert int(client.session[SESSION_KEY]) == assessor.pk


@pytest.mark.django_db
def test_the_admin_site_needs_the_second_factor(client, admin_user):
    force_login(client, admin_user, second_factor=False)
    response = client.get("/" + admin_site_path())
    assert response["Location"].startswith(reverse("two-factor-verify"))
    force_login(client, admin_user)
    assert client.get("/" + admin_site_path()).status_code == 200


def admin_site_path():
    from django.conf import settings

    return settings.ADMIN_URL


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("operator", 403),
        ("supervisor", 403),
        ("assessor", 403),
        ("coordinator", 403),
        ("admin_user", 200),
    ],
)
def test_reset_page_per_role(client, request, role, status, assessor):
    enrol(assessor)
    url = reverse("two-factor-reset", args=[assessor.pk])
    user = request.getfixturevalue(role)
    assert logged_in(client, user).get(url).status_code == status
    assert logged_in(client, user).post(url).status_code == (302 if status == 200 else status)


@pytest.mark.django_db
def test_reset_page_anonymous_and_unknown_person(client, admin_user):
    url = reverse("two-factor-reset", args=[999999])
    assert client.get(url)["Location"].startswith(reverse("login"))
    assert logged_in(client, admin_user).get(url).status_code == 404


@pytest.mark.django_db
def test_admin_resets_a_factor_audited_and_the_person_enrols_again(client, admin_user, assessor):
    enrol(assessor)
    StaticDevice.objects.create(user=assessor, name="recovery", confirmed=True)
    logged_in(client, admin_user).post(reverse("two-factor-reset", args=[assessor.pk]))
    assert not TOTPDevice.objects.filter(user=assessor).exists()
    assert not StaticDevice.objects.filter(user=assessor).exists()
    event = AuditEvent.objects.get(action="account.two_factor_reset")
    assert event.actor == admin_user and event.changes == {"user": [None, assessor.username]}

    other = _sign_in(type(client)(), assessor)
    to_verify = other.get(reverse("evaluations:assessor-queue"))["Location"]
    assert other.get(to_verify)["Location"].startswith(reverse("two-factor-setup"))


@pytest.mark.django_db
def test_the_admin_user_page_links_to_the_audited_reset(client, admin_user, assessor):
    from django.conf import settings

    url = f"/{settings.ADMIN_URL}institutions/user/{assessor.pk}/change/"
    html = logged_in(client, admin_user).get(url).content.decode()
    assert reverse("two-factor-reset", args=[assessor.pk]) in html
    # No device admin pages: a factor is removed only through the audited reset.
    assert client.get(f"/{settings.ADMIN_URL}otp_totp/totpdevice/").status_code == 404
