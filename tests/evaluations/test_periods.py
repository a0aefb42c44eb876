"""Opening a period, its preview, and adding or withdrawing institutions."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from evaluations.models import AuditEvent, Evaluation, EvaluationPeriod, PeriodMode
from evaluations.selectors.periods import (
    SCOPE_FILTER,
    SCOPE_LIST,
    Selection,
    opening_preview,
    settings_from_last_period,
)
from evaluations.services import periods as services
from institutions.models import Role
from tests import factories as f
from tests.conftest import logged_in

WIB = dt.timezone(dt.timedelta(hours=7))
pytestmark = pytest.mark.django_db


@pytest.fixture
def roster(db):
    """Two provinces, each with two regencies and a city, a ministry, an inactive regency."""
    bali = f.ProvinceFactory(code="51", name="Provinsi Bali")
    ntb = f.ProvinceFactory(code="52", name="Provinsi Nusa Tenggara Barat")
    regs = {
        "5101": f.InstitutionFactory(
            code="5101", name="Kab. Jembrana", kind="kabupaten", province=bali
        ),
        "5102": f.InstitutionFactory(
            code="5102", name="Kab. Tabanan", kind="kabupaten", province=bali
        ),
        "5171": f.InstitutionFactory(code="5171", name="Kota Denpasar", kind="kota", province=bali),
        "5201": f.InstitutionFactory(
            code="5201", name="Kab. Lombok Barat", kind="kabupaten", province=ntb
        ),
        "5202": f.InstitutionFactory(
            code="5202", name="Kab. Lombok Tengah", kind="kabupaten", province=ntb
        ),
        "5271": f.InstitutionFactory(code="5271", name="Kota Mataram", kind="kota", province=ntb),
    }
    f.InstitutionFactory(
        code="5103", name="Kab. Lama", kind="kabupaten", province=bali, is_active=False
    )
    kemen = f.MinistryFactory(code="K001", name="Kementerian Contoh")
    return {"bali": bali, "ntb": ntb, "kemen": kemen, **regs}


def _settings(framework, **overrides):
    values = {
        "name": "Pemantauan SPBE 2027",
        "year": 2027,
        "framework": framework,
        "mode": PeriodMode.MONITORING,
        "opens_at": dt.datetime(2027, 8, 1, 0, 0, tzinfo=WIB),
        "deadline": dt.datetime(2027, 9, 15, 23, 59, 59, tzinfo=WIB),
        "document_deadline": dt.datetime(2027, 10, 15, 23, 59, tzinfo=WIB),
    }
    values.update(overrides)
    return services.PeriodSettings(**values)


def _evaluation_windows(**overrides):
    values = {
        "mode": PeriodMode.EVALUATION,
        "interview_opens_at": dt.datetime(2027, 10, 21, 8, 0, tzinfo=WIB),
        "interview_closes_at": dt.datetime(2027, 10, 30, 17, 0, tzinfo=WIB),
        "visit_opens_at": dt.datetime(2027, 11, 1, 8, 0, tzinfo=WIB),
        "visit_closes_at": dt.datetime(2027, 11, 30, 17, 0, tzinfo=WIB),
        "review_opens_at": dt.datetime(2027, 12, 1, 8, 0, tzinfo=WIB),
        "review_closes_at": dt.datetime(2027, 12, 20, 17, 0, tzinfo=WIB),
    }
    values.update(overrides)
    return values


KABUPATEN_OF_BALI = Selection(scope=SCOPE_FILTER, kinds=("kabupaten",), province_codes=("51",))


# --- selection and preview ----------------------------------------------------------


def test_a_province_filter_takes_its_government_and_regions_and_skips_inactive(roster):
    preview = opening_preview(Selection(scope=SCOPE_FILTER, province_codes=("51",)))
    assert preview.count == 4  # the province, two regencies, one city; not the inactive one
    only_kab = opening_preview(KABUPATEN_OF_BALI)
    assert only_kab.count == 2
    assert only_kab.names == ["Kab. Jembrana", "Kab. Tabanan"]


def test_the_preview_counts_staff_and_institutions_without_staff(roster):
    f.UserFactory(role=Role.OPERATOR, institution=roster["5101"], email="op@jembrana.go.id")
    f.UserFactory(role=Role.SUPERVISOR, institution=roster["5101"], email="pj@jembrana.go.id")
    f.UserFactory(
        role=Role.OPERATOR, institution=roster["5102"], email="x@tabanan.go.id", is_active=False
    )
    preview = opening_preview(KABUPATEN_OF_BALI)
    assert (preview.staff_emails, preview.without_staff) == (2, 1)


def test_the_preview_takes_a_fixed_number_of_queries(roster, django_assert_num_queries):
    with django_assert_num_queries(3):
        opening_preview(Selection())
    f.MinistryFactory.create_batch(30)
    with django_assert_num_queries(3):
        assert opening_preview(Selection()).count == 39


# --- opening ------------------------------------------------------------------------


def test_opening_creates_the_evaluations_announces_and_audits(
    roster, framework_2018, admin_user, django_capture_on_commit_callbacks
):
    f.UserFactory(role=Role.OPERATOR, institution=roster["5101"], email="op@jembrana.go.id")
    f.UserFactory(role=Role.SUPERVISOR, institution=roster["5101"], email="pj@jembrana.go.id")
    f.UserFactory(role=Role.OPERATOR, institution=roster["5201"], email="op@lobar.go.id")
    with django_capture_on_commit_callbacks(execute=True):
        period = services.open_period(
            by=admin_user, settings=_settings(framework_2018), selection=KABUPATEN_OF_BALI
        )
    names = set(period.evaluations.values_list("institution__name", flat=True))
    assert names == {"Kab. Jembrana", "Kab. Tabanan"}
    assert set(period.evaluations.values_list("status", flat=True)) == {"not_started"}
    assert period.participation["province_codes"] == ["51"]
    # One email per institution with staff, to its staff only (not Lombok Barat's).
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == ["op@jembrana.go.id", "pj@jembrana.go.id"]
    assert "Pemantauan SPBE 2027" in mail.outbox[0].subject
    event = AuditEvent.objects.get(action="period.opened")
    assert event.period == period and event.actor == admin_user
    assert event.changes["institutions"] == [None, 2]


def test_nothing_is_created_or_sent_when_opening_fails(
    roster, framework_2018, admin_user, django_capture_on_commit_callbacks
):
    f.UserFactory(role=Role.OPERATOR, institution=roster["5101"], email="op@jembrana.go.id")
    f.EvaluationPeriodFactory(name="Pemantauan SPBE 2027")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.open_period(
            by=admin_user, settings=_settings(framework_2018), selection=KABUPATEN_OF_BALI
        )
    assert not Evaluation.objects.exists()
    assert mail.outbox == []


def test_only_a_ministry_admin_opens_a_period(roster, framework_2018, coordinator):
    with pytest.raises(PermissionDenied):
        services.open_period(
            by=coordinator, settings=_settings(framework_2018), selection=Selection()
        )
    assert not EvaluationPeriod.objects.exists()


def test_an_empty_selection_opens_nothing(roster, framework_2018, admin_user):
    with pytest.raises(ValidationError):
        services.open_period(
            by=admin_user,
            settings=_settings(framework_2018),
            selection=Selection(scope=SCOPE_LIST, codes=("5103",)),  # inactive
        )
    assert not EvaluationPeriod.objects.exists()


def test_an_evaluation_period_keeps_every_stage_window(roster, framework_2018, admin_user):
    period = services.open_period(
        by=admin_user,
        settings=_settings(framework_2018, **_evaluation_windows()),
        selection=Selection(),
    )
    period.refresh_from_db()
    assert period.mode == "evaluation"
    assert period.interview_opens_at == dt.datetime(2027, 10, 21, 8, 0, tzinfo=WIB)
    assert period.review_closes_at == dt.datetime(2027, 12, 20, 17, 0, tzinfo=WIB)
    assert period.evaluations.count() == 9


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"mode": PeriodMode.EVALUATION}, "interview_opens_at"),  # interview missing
        (
            _evaluation_windows(interview_opens_at=dt.datetime(2027, 10, 1, tzinfo=WIB)),
            "interview_opens_at",  # before the document deadline
        ),
        (_evaluation_windows(interview_closes_at=None), "interview_closes_at"),
        (_evaluation_windows(mode=PeriodMode.MONITORING), "interview_opens_at"),
        (
            _evaluation_windows(review_opens_at=dt.datetime(2027, 11, 15, tzinfo=WIB)),
            "review_opens_at",  # during the visits
        ),
        ({"deadline": dt.datetime(2027, 7, 1, tzinfo=WIB)}, "deadline"),
    ],
)
def test_stage_windows_follow_one_another(roster, framework_2018, admin_user, overrides, field):
    with pytest.raises(ValidationError) as caught:
        services.open_period(
            by=admin_user, settings=_settings(framework_2018, **overrides), selection=Selection()
        )
    assert field in caught.value.error_dict
    assert not EvaluationPeriod.objects.exists()


# --- adding and withdrawing ----------------------------------------------------------


@pytest.fixture
def open_period(roster, framework_2018, admin_user):
    return services.open_period(
        by=admin_user, settings=_settings(framework_2018), selection=KABUPATEN_OF_BALI
    )


def test_adding_an_institution_creates_its_evaluation_with_the_reason(
    open_period, roster, admin_user, django_capture_on_commit_callbacks
):
    f.UserFactory(role=Role.OPERATOR, institution=roster["5171"], email="op@denpasar.go.id")
    with django_capture_on_commit_callbacks(execute=True):
        services.add_institution(
            by=admin_user, period=open_period, institution=roster["5171"], reason="Terlambat daftar"
        )
    assert open_period.evaluations.filter(institution=roster["5171"]).exists()
    assert [m.to for m in mail.outbox] == [["op@denpasar.go.id"]]
    event = AuditEvent.objects.get(action="period.institution_added")
    assert (event.institution, event.note) == (roster["5171"], "Terlambat daftar")


def test_an_institution_is_not_added_twice_nor_without_reason(open_period, roster, admin_user):
    with pytest.raises(ValidationError):
        services.add_institution(
            by=admin_user, period=open_period, institution=roster["5101"], reason="lagi"
        )
    with pytest.raises(ValidationError):
        services.add_institution(
            by=admin_user, period=open_period, institution=roster["5171"], reason="  "
        )
    assert open_period.evaluations.count() == 2


def test_withdrawing_removes_a_not_started_evaluation_and_keeps_the_trail(
    open_period, roster, admin_user
):
    services.withdraw_institution(
        by=admin_user, period=open_period, institution=roster["5102"], reason="Salah pilih"
    )
    assert not open_period.evaluations.filter(institution=roster["5102"]).exists()
    event = AuditEvent.objects.get(action="period.institution_withdrawn")
    assert (event.period, event.institution, event.note) == (
        open_period,
        roster["5102"],
        "Salah pilih",
    )


def test_a_started_evaluation_cannot_be_withdrawn(open_period, roster, admin_user):
    Evaluation.objects.filter(institution=roster["5101"]).update(status="in_progress")
    with pytest.raises(ValidationError):
        services.withdraw_institution(
            by=admin_user, period=open_period, institution=roster["5101"], reason="x"
        )
    assert open_period.evaluations.filter(institution=roster["5101"]).exists()


# --- start from the last period --------------------------------------------------------


def test_start_from_the_last_period_moves_the_dates_on_a_year(open_period, roster, framework_2018):
    initial = settings_from_last_period(today=dt.date(2027, 12, 1))
    assert initial["name"] == "Pemantauan SPBE 2028"
    assert initial["year"] == 2028
    assert initial["framework"] == framework_2018
    assert initial["deadline"] == dt.datetime(2028, 9, 15, 23, 59, 59, tzinfo=WIB)
    assert initial["kinds"] == ["kabupaten"]
    assert [p.code for p in initial["provinces"]] == ["51"]


# --- views ------------------------------------------------------------------------------


def _form_data(framework, **overrides):
    data = {
        "name": "Pemantauan SPBE 2027",
        "year": "2027",
        "framework": framework.pk,
        "mode": "monitoring",
        "opens_at": "2027-08-01T00:00",
        "deadline": "2027-09-15T23:59",
        "grace_minutes": "0",
        "document_deadline": "2027-10-15T23:59",
        "reminder_offsets": "14, 7, 3, 1",
        "scope": "filter",
        "kinds": ["kabupaten"],
        "provinces": [],
        "action": "preview",
    }
    data.update(overrides)
    return data


def test_the_admin_previews_then_opens_a_period(client, roster, framework_2018, admin_user):
    logged_in(client, admin_user)
    url = reverse("evaluations:period-open")
    data = _form_data(framework_2018, provinces=[roster["bali"].pk])
    response = client.post(url, data)
    assert response.status_code == 200
    assert "2 evaluations will be created." in response.content.decode()
    assert not EvaluationPeriod.objects.exists()  # a preview writes nothing
    response = client.post(url, {**data, "action": "open"})
    period = EvaluationPeriod.objects.get()
    assert response["Location"] == reverse("evaluations:period-detail", args=[period.pk])
    assert period.evaluations.count() == 2
    # Entered in WIB, stored as that moment.
    assert period.deadline == dt.datetime(2027, 9, 15, 23, 59, tzinfo=WIB)


def test_a_code_file_with_unknown_codes_names_the_rows(client, roster, framework_2018, admin_user):
    logged_in(client, admin_user)
    upload = SimpleUploadedFile(
        "peserta.csv", b"code,name\n5101,Jembrana\n9999,Nowhere\n5103,Lama\n"
    )
    response = client.post(
        reverse("evaluations:period-open"),
        _form_data(framework_2018, scope="list", codes_file=upload, action="open"),
    )
    text = response.content.decode()
    assert "Row 3: no institution has the code “9999”." in text
    assert "Row 4: Kab. Lama (5103) is not active." in text
    assert not EvaluationPeriod.objects.exists()


def test_a_code_file_preview_carries_the_codes_to_the_confirmation(
    client, roster, framework_2018, admin_user
):
    logged_in(client, admin_user)
    upload = SimpleUploadedFile("peserta.csv", b"code\n5101\n5271\n")
    response = client.post(
        reverse("evaluations:period-open"),
        _form_data(framework_2018, scope="list", codes_file=upload),
    )
    assert response.context["form"]["codes"].value() == "5101\n5271"
    assert response.context["preview"].count == 2


def test_the_form_starts_from_the_last_period(client, open_period, admin_user):
    logged_in(client, admin_user)
    response = client.get(reverse("evaluations:period-open") + "?from=last")
    assert 'value="Pemantauan SPBE' in response.content.decode()
    assert response.context["form"].initial["year"] >= 2028


def test_the_period_list_takes_a_fixed_number_of_queries(
    client, admin_user, django_assert_num_queries
):
    logged_in(client, admin_user)
    url = reverse("evaluations:period-list")
    f.EvaluationPeriodFactory()
    client.get(url)  # warm the session
    # The session (database-backed), the user, then the page's own queries.
    with django_assert_num_queries(3):
        client.get(url)
    f.EvaluationPeriodFactory.create_batch(5)
    with django_assert_num_queries(3):
        response = client.get(url)
    assert len(response.context["periods"]) == 6


def test_the_admin_withdraws_an_institution_on_the_detail_page(
    client, open_period, roster, admin_user
):
    logged_in(client, admin_user)
    detail = reverse("evaluations:period-detail", args=[open_period.pk])
    assert "Kab. Tabanan" in client.get(detail).content.decode()
    response = client.post(
        reverse("evaluations:period-withdraw", args=[open_period.pk]),
        {"withdraw-institution": roster["5102"].pk, "withdraw-reason": "Salah pilih"},
        follow=True,
    )
    assert "Kab. Tabanan was withdrawn from the period." in response.content.decode()
    assert open_period.evaluations.count() == 1


def test_a_broker_failure_loses_neither_the_opened_period_nor_the_emails(
    client, roster, framework_2018, admin_user, monkeypatch
):
    from evaluations import dispatch
    from evaluations.models import TaskOutbox

    f.UserFactory(role=Role.OPERATOR, institution=roster["5101"], email="op@jembrana.go.id")

    def broker_down(name, kwargs, queue):
        return "Redis is down"

    monkeypatch.setattr(dispatch, "_publish", broker_down)
    logged_in(client, admin_user)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("evaluations:period-open"),
            {**_form_data(framework_2018, provinces=[roster["bali"].pk]), "action": "open"},
        )
    period = EvaluationPeriod.objects.get()
    assert response["Location"] == reverse("evaluations:period-detail", args=[period.pk])
    assert period.evaluations.count() == 2
    # The announcement waits in the outbox for the dispatcher, not lost.
    assert TaskOutbox.objects.filter(task="evaluations.send_mail").exists()


def test_a_name_taken_at_the_same_moment_is_a_clear_error(roster, framework_2018, admin_user):
    # The check before the insert passes (as for two admins at once); the constraint decides.
    f.EvaluationPeriodFactory(name="Pemantauan SPBE 2027")
    settings = _settings(framework_2018)
    original = EvaluationPeriod.objects.filter

    def not_yet(*args, **kwargs):
        if kwargs.get("name") == "Pemantauan SPBE 2027":
            return original(pk=-1)
        return original(*args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(EvaluationPeriod.objects, "filter", not_yet)
        with pytest.raises(ValidationError) as caught:
            services.open_period(by=admin_user, settings=settings, selection=Selection())
    assert caught.value.message_dict == {"name": ["A period with this name already exists."]}
    assert EvaluationPeriod.objects.count() == 1


def test_each_stage_window_is_read_from_one_place(roster, framework_2018, admin_user):
    period = services.open_period(
        by=admin_user,
        settings=_settings(
            framework_2018, **_evaluation_windows(visit_opens_at=None, visit_closes_at=None)
        ),
        selection=Selection(),
    )
    assert period.stage_window("self") == (period.opens_at, period.deadline)
    assert period.stage_window("document") == (period.deadline, period.document_deadline)
    assert period.stage_window("interview") == (
        dt.datetime(2027, 10, 21, 8, 0, tzinfo=WIB),
        dt.datetime(2027, 10, 30, 17, 0, tzinfo=WIB),
    )
    assert period.stage_window("visit") == (None, None)
