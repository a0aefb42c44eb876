import pytest
from django.urls import reverse

from institutions.models import Institution, Role, User
from tests import factories as f
from tests.conftest import logged_in


@pytest.fixture
def admin_client(client, admin_user):
    return logged_in(client, admin_user)


def test_admin_institution_changelist_searches_and_filters(admin_client, db):
    bali = f.ProvinceFactory(code="51", name="Provinsi Bali")
    f.InstitutionFactory(code="5171", name="Kota Denpasar", province=bali)
    f.MinistryFactory(code="K23", name="Kementerian PANRB")
    url = reverse("admin:institutions_institution_changelist")
    body = admin_client.get(url, {"q": "denpasar"}).content.decode()
    assert "Kota Denpasar" in body and "Kementerian PANRB" not in body
    body = admin_client.get(url, {"kind__exact": "kementerian"}).content.decode()
    assert "Kementerian PANRB" in body and "Kota Denpasar" not in body
    body = admin_client.get(url, {"province__id__exact": bali.pk}).content.decode()
    assert "Kota Denpasar" in body and "Kementerian PANRB" not in body


def test_admin_province_page_lists_its_regions(admin_client, db):
    bali = f.ProvinceFactory(code="51", name="Provinsi Bali")
    f.InstitutionFactory(code="5171", name="Kota Denpasar", province=bali)
    url = reverse("admin:institutions_institution_change", args=[bali.pk])
    assert "Kota Denpasar" in admin_client.get(url).content.decode()


def test_admin_province_autocomplete_offers_only_provinces(admin_client, db):
    f.ProvinceFactory(code="51", name="Provinsi Bali")
    f.InstitutionFactory(code="5171", name="Kota Bali Test")
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "bali",
            "app_label": "institutions",
            "model_name": "institution",
            "field_name": "province",
        },
    )
    assert [r["text"] for r in response.json()["results"]] == ["Provinsi Bali"]


def test_admin_user_changelist_filters_by_role_and_kind(admin_client, operator, assessor):
    url = reverse("admin:institutions_user_changelist")
    body = admin_client.get(url, {"role__exact": "assessor"}).content.decode()
    assert ">assessor<" in body and ">operator<" not in body
    body = admin_client.get(url, {"institution__kind__exact": "kota"}).content.decode()
    assert ">operator<" in body and ">assessor<" not in body


def test_admin_user_add_refuses_a_role_without_its_institution(admin_client, db):
    response = admin_client.post(
        reverse("admin:institutions_user_add"),
        {
            "username": "newop",
            "usable_password": "false",
            "role": Role.OPERATOR,
            "institution": "",
            "university": "",
        },
    )
    assert response.status_code == 200  # the form again, with the error
    assert not User.objects.filter(username="newop").exists()


def test_admin_user_add_creates_an_operator(admin_client, institution):
    response = admin_client.post(
        reverse("admin:institutions_user_add"),
        {
            "username": "newop",
            "usable_password": "false",
            "role": Role.OPERATOR,
            "institution": institution.pk,
            "university": "",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="newop").institution == institution


def test_admin_is_closed_to_institution_staff(client, operator):
    response = logged_in(client, operator).get(reverse("admin:index"))
    assert response.status_code == 302  # to the admin login
    assert Institution.objects.count() >= 1
