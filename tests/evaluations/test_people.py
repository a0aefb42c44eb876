"""People: the import (dry run, bad files), invitations (single use, expiry, wrong user),
resend and deactivation, and who may do which."""

import datetime as dt
import io
import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from evaluations.models import AuditEvent
from evaluations.services import people as services
from institutions.models import Invitation, Role, User
from tests import factories as f
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db

HEADER = ["name", "email", "role", "code", "phone"]


@pytest.fixture
def places(db):
    return {
        "jembrana": f.InstitutionFactory(code="5101", name="Kab. Jembrana", kind="kabupaten"),
        "tabanan": f.InstitutionFactory(code="5102", name="Kab. Tabanan", kind="kabupaten"),
        "ui": f.UniversityFactory(code="ui", name="Universitas Indonesia"),
    }


def _rows(*rows):
    return [HEADER, *[list(r) for r in rows]]


GOOD = _rows(
    ("Ni Made Ayu", "ayu@jembrana.go.id", "operator", "5101", "0812"),
    ("I Wayan Sudi", "sudi@jembrana.go.id", "penanggung jawab", "5101", ""),
    ("Dewi Lestari", "dewi@tabanan.go.id", "operator", "5102", ""),
    ("Budi Santoso", "budi@ui.ac.id", "asesor", "ui", ""),
)


def _csv(rows) -> bytes:
    return "\n".join(",".join(r) for r in rows).encode()


def _link_token(message) -> str:
    return re.search(r"/accounts/invitation/([\w-]+)/", message.body).group(1)


# --- plan and dry run ----------------------------------------------------------------------


def test_a_dry_run_shows_every_change_and_writes_nothing(places):
    f.UserFactory(
        username="dewi@tabanan.go.id",
        email="dewi@tabanan.go.id",
        first_name="Dewi",
        last_name="",
        role=Role.OPERATOR,
        institution=places["tabanan"],
    )
    users_before = User.objects.count()
    plan = services.parse_people(name="staff.csv", data=_csv(GOOD))
    assert plan.errors == []
    assert [(c.row, c.action) for c in plan.changes] == [
        (2, "create"),
        (3, "create"),
        (4, "update"),
        (5, "create"),
    ]
    assert plan.changes[2].changes == {"name": ["Dewi", "Dewi Lestari"]}
    assert User.objects.count() == users_before


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (_rows(("", "a@x.go.id", "operator", "5101", "")), "Row 2: a name is required."),
        (_rows(("A", "not-an-address", "operator", "5101", "")), "Row 2: “not-an-address” is not"),
        (_rows(("A", "a@x.go.id", "bupati", "5101", "")), "Row 2: unknown role “bupati”"),
        (_rows(("A", "a@x.go.id", "operator", "9999", "")), "Row 2: no active institution"),
        (_rows(("A", "a@x.go.id", "assessor", "5101", "")), "Row 2: no active university"),
        (
            _rows(
                ("A", "a@x.go.id", "operator", "5101", ""),
                ("B", "A@x.go.id", "operator", "5102", ""),
            ),
            "Row 3: the address a@x.go.id already appears in row 2.",
        ),
        ([["nama", "surel"], ["A", "a@x.go.id"]], "The header lacks the column(s) name, email"),
        ([HEADER], "The file has a header but no rows."),
        ([], "The file is empty"),
        # NUL passed the check and broke the write; a bidi override and a bell would show
        # a name differently on screen than in the file.
        (
            _rows(("Ni Made\x00Ayu", "a@x.go.id", "operator", "5101", "")),
            "Row 2: name: contains the invisible or control character U+0000 at position 8",
        ),
        (
            _rows(("Budi\u202eX", "a@x.go.id", "operator", "5101", "")),
            "Row 2: name: contains the invisible or control character U+202E at position 5",
        ),
        (
            _rows(("Budi", "a@x.go.id", "operator", "5101", "0812\x07")),
            "Row 2: phone: contains the invisible or control character U+0007",
        ),
        (
            [[*HEADER, "nickname"], ["A", "a@x.go.id", "operator", "5101", "", "Ayu"]],
            "The header has unknown column(s) nickname.",
        ),
        (
            [HEADER, ["A", "a@x.go.id", "operator", "5101", "", "lupa"]],
            "Row 2: a value in column 6, which the header does not name: “lupa”.",
        ),
    ],
)
def test_bad_files_give_row_numbered_errors_and_nothing_is_written(
    places, admin_user, rows, message
):
    plan = services.plan_people(rows=rows)
    assert not plan.is_valid
    assert any(e.startswith(message) for e in plan.errors), plan.errors
    users_before = User.objects.count()
    with pytest.raises(ValidationError):
        services.apply_people(by=admin_user, rows=rows)
    assert User.objects.count() == users_before


def test_one_bad_row_stops_the_whole_file(places, admin_user):
    rows = [*GOOD, ["Salah", "salah@x.go.id", "operator", "0000", ""]]
    with pytest.raises(ValidationError) as caught:
        services.apply_people(by=admin_user, rows=rows)
    assert "Row 6: no active institution has the code “0000”." in caught.value.messages
    assert not User.objects.filter(email__in=[r[1] for r in GOOD[1:]]).exists()


def test_an_import_cannot_touch_a_ministry_admin(places, admin_user):
    admin_user.email = "admin@menpan.go.id"
    admin_user.save()
    plan = services.plan_people(rows=_rows(("X", "admin@menpan.go.id", "operator", "5101", "")))
    assert plan.errors == [
        "Row 2: admin@menpan.go.id belongs to a ministry admin, who cannot be changed by an import."
    ]


def test_an_unreadable_file_is_a_clear_error(places):
    plan = services.parse_people(name="staff.xlsx", data=b"this is no workbook")
    assert plan.errors and plan.errors[0].startswith("The file cannot be read")
    plan = services.parse_people(name="staff.pdf", data=b"%PDF")
    assert plan.errors == ["Unsupported file type “.pdf”: use a .csv or .xlsx file."]


# --- apply -------------------------------------------------------------------------------


def test_applying_creates_accounts_invites_and_audits(
    places, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.apply_people(by=admin_user, rows=GOOD)
    ayu = User.objects.get(email="ayu@jembrana.go.id")
    assert (ayu.role, ayu.institution, ayu.phone, ayu.has_usable_password()) == (
        Role.OPERATOR,
        places["jembrana"],
        "0812",
        False,
    )
    assert User.objects.get(email="sudi@jembrana.go.id").role == Role.SUPERVISOR
    assert User.objects.get(email="budi@ui.ac.id").university == places["ui"]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r[1] for r in GOOD[1:])
    assert AuditEvent.objects.filter(action="user.created").count() == 4
    assert AuditEvent.objects.filter(action="user.invited").count() == 4
    # A second run of the same file changes nothing and sends nothing.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        plan = services.apply_people(by=admin_user, rows=GOOD)
    assert plan.totals == {"unchanged": 4}
    assert mail.outbox == []


def test_an_xlsx_file_is_read_like_a_csv(places):
    book = Workbook()
    sheet = book.active
    for row in GOOD:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    plan = services.parse_people(name="staff.xlsx", data=buffer.getvalue())
    assert plan.totals == {"create": 4}


def test_only_a_ministry_admin_imports(places, supervisor):
    with pytest.raises(PermissionDenied):
        services.apply_people(by=supervisor, rows=GOOD)


# --- invitation link -------------------------------------------------------------------------


@pytest.fixture
def invited(places, admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        person = services.invite_person(
            by=admin_user,
            name="Ni Made Ayu",
            email="Ayu@Jembrana.go.id",
            role=Role.OPERATOR,
            institution=places["jembrana"],
        )
    return person, _link_token(mail.outbox[-1])


def _set_password(client, token, chosen="Kintamani-2027!"):
    url = reverse("invitation-accept", args=[token])
    return client.post(url, {"new_password1": chosen, "new_password2": chosen})


def test_the_link_sets_the_password_once(client, invited):
    person, token = invited
    assert person.username == "ayu@jembrana.go.id"
    response = _set_password(client, token)
    assert response["Location"] == reverse("login")
    person.refresh_from_db()
    assert person.check_password("Kintamani-2027!")
    assert AuditEvent.objects.filter(action="user.invitation_accepted").count() == 1
    # The second use is refused, and the password stays.
    response = _set_password(client, token, "Another-pass-2027!")
    assert response.status_code == 410
    assert "already used" in response.content.decode()
    person.refresh_from_db()
    assert person.check_password("Kintamani-2027!")


def test_an_expired_link_is_refused(client, invited):
    person, token = invited
    Invitation.objects.filter(user=person).update(expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    response = _set_password(client, token)
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    person.refresh_from_db()
    assert not person.has_usable_password()


def test_the_link_refuses_another_signed_in_user(client, invited, operator):
    person, token = invited
    logged_in(client, operator)
    response = _set_password(client, token)
    assert response.status_code == 404
    assert "for another account" in response.content.decode()
    person.refresh_from_db()
    assert not person.has_usable_password()


def test_an_unknown_token_and_a_weak_password_are_refused(client, invited):
    person, token = invited
    assert client.get(reverse("invitation-accept", args=["x" * 43])).status_code == 404
    response = _set_password(client, token, "12345678")
    assert response.status_code == 200  # the form again, with the reason
    assert "entirely numeric" in response.content.decode()
    person.refresh_from_db()
    assert not person.has_usable_password()


def test_a_resend_closes_the_earlier_link(
    client, invited, admin_user, django_capture_on_commit_callbacks
):
    person, old_token = invited
    with django_capture_on_commit_callbacks(execute=True):
        services.resend_invitation(by=admin_user, user=person)
    new_token = _link_token(mail.outbox[-1])
    assert new_token != old_token
    assert _set_password(client, old_token).status_code == 404
    assert _set_password(client, new_token)["Location"] == reverse("login")


def test_deactivating_closes_the_link_and_keeps_the_account(client, invited, admin_user):
    person, token = invited
    services.deactivate_person(by=admin_user, user=person, reason="Salah alamat")
    assert User.objects.filter(pk=person.pk, is_active=False).exists()
    assert _set_password(client, token).status_code == 404
    event = AuditEvent.objects.get(action="user.deactivated")
    assert (event.note, event.changes["user"]) == ("Salah alamat", [None, person.username])


def test_resend_is_refused_once_the_password_is_set(client, invited, admin_user):
    person, token = invited
    _set_password(client, token)
    with pytest.raises(ValidationError):
        services.resend_invitation(by=admin_user, user=person)


# --- supervisors and coordinators -----------------------------------------------------------


def test_a_supervisor_invites_operators_of_the_own_institution_only(
    client, supervisor, other_institution, django_capture_on_commit_callbacks
):
    logged_in(client, supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("evaluations:person-invite"),
            {"name": "Operator Baru", "email": "baru@alpha.go.id", "role": "operator"},
        )
    assert response.status_code == 302
    person = User.objects.get(email="baru@alpha.go.id")
    assert (person.role, person.institution) == (Role.OPERATOR, supervisor.institution)
    assert mail.outbox[0].to == ["baru@alpha.go.id"]
    with pytest.raises(PermissionDenied):
        services.invite_person(
            by=supervisor,
            name="X",
            email="x@x.go.id",
            role=Role.SUPERVISOR,
            institution=supervisor.institution,
        )
    with pytest.raises(PermissionDenied):
        services.invite_person(
            by=supervisor,
            name="X",
            email="x@x.go.id",
            role=Role.OPERATOR,
            institution=other_institution,
        )


def test_a_supervisor_deactivates_an_own_operator_but_not_another_institutions(
    client, supervisor, operator, other_operator
):
    logged_in(client, supervisor)
    client.post(reverse("evaluations:person-deactivate", args=[operator.pk]), {"reason": "Pensiun"})
    operator.refresh_from_db()
    assert not operator.is_active
    response = client.post(
        reverse("evaluations:person-deactivate", args=[other_operator.pk]), {"reason": "x"}
    )
    assert response.status_code == 404
    other_operator.refresh_from_db()
    assert other_operator.is_active


def test_a_coordinator_invites_assessors_of_the_own_university(
    client, coordinator, django_capture_on_commit_callbacks
):
    logged_in(client, coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("evaluations:person-invite"),
            {"name": "Asesor Baru", "email": "asesor@ui.ac.id", "role": "assessor"},
        )
    person = User.objects.get(email="asesor@ui.ac.id")
    assert (person.role, person.university) == (Role.ASSESSOR, coordinator.university)


def test_an_address_is_invited_only_once(client, invited, admin_user):
    logged_in(client, admin_user)
    response = client.post(
        reverse("evaluations:person-invite"),
        {"name": "Lagi", "email": "ayu@jembrana.go.id", "role": "operator", "code": "5101"},
    )
    assert "An account with this address already exists." in response.content.decode()


# --- the import page -----------------------------------------------------------------------


def test_the_import_page_dry_runs_then_writes_the_same_file(
    client, places, admin_user, django_capture_on_commit_callbacks
):
    logged_in(client, admin_user)
    url = reverse("evaluations:person-import")
    response = client.post(url, {"file": SimpleUploadedFile("staff.csv", _csv(GOOD))})
    assert "3 to create and invite" not in response.content.decode()
    assert "4 to create and invite, 0 to update" in response.content.decode()
    assert not User.objects.filter(email="ayu@jembrana.go.id").exists()
    digest = response.context["digest"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "apply", "digest": digest}, follow=True)
    assert "Import done: 4 created and invited" in response.content.decode()
    assert User.objects.filter(email="ayu@jembrana.go.id").exists()
    assert len(mail.outbox) == 4


def test_the_import_page_lists_errors_and_offers_no_confirmation(client, places, admin_user):
    logged_in(client, admin_user)
    bad = _csv(_rows(("A", "a@x.go.id", "operator", "9999", "")))
    response = client.post(
        reverse("evaluations:person-import"), {"file": SimpleUploadedFile("s.csv", bad)}
    )
    text = response.content.decode()
    assert "Row 2: no active institution has the code “9999”." in text
    assert 'value="apply"' not in text
    # A forged confirmation without a dry run writes nothing.
    client.post(reverse("evaluations:person-import"), {"action": "apply", "digest": "x"})
    assert not User.objects.filter(email="a@x.go.id").exists()


def test_the_people_list_takes_a_fixed_number_of_queries(
    client, admin_user, places, django_assert_num_queries
):
    logged_in(client, admin_user)
    url = reverse("evaluations:person-list")
    f.UserFactory(role=Role.OPERATOR, institution=places["jembrana"])
    client.get(url)
    # The session (database-backed), the user, then the page's own queries.
    with django_assert_num_queries(4):
        client.get(url)
    f.UserFactory.create_batch(10, role=Role.OPERATOR, institution=places["tabanan"])
    f.UserFactory.create_batch(10, role=Role.ASSESSOR, university=places["ui"])
    with django_assert_num_queries(4):
        response = client.get(url)
    assert len(response.context["page"]) == 22


def test_an_account_created_meanwhile_stops_the_whole_import(places, admin_user, monkeypatch):
    # The dry run under the lock saw no account; another import created one since.
    f.UserFactory(username="dewi@tabanan.go.id", role=Role.OPERATOR, institution=places["tabanan"])
    real_plan = services.plan_people

    def plan_before_the_other_import(*, rows, lock=False):
        plan = real_plan(rows=rows, lock=lock)
        for change in plan.changes:
            change.action, change.user_id = "create", None
        return plan

    monkeypatch.setattr(services, "plan_people", plan_before_the_other_import)
    with pytest.raises(ValidationError) as caught:
        services.apply_people(by=admin_user, rows=GOOD)
    assert "run the dry run again" in " ".join(caught.value.messages)
    assert not User.objects.filter(email="ayu@jembrana.go.id").exists()
