import pytest
from django.urls import reverse

from institutions.models import Institution, Role
from tests import factories as f
from tests.conftest import logged_in

LIST = reverse("institutions:list")


@pytest.fixture
def roster(db):
    """Two provinces with regions, a ministry and an inactive agency."""
    bali = f.ProvinceFactory(code="51", name="Provinsi Bali", short_name="Bali")
    ntb = f.ProvinceFactory(code="52", name="Provinsi Nusa Tenggara Barat", short_name="NTB")
    f.InstitutionFactory(code="5171", name="Kota Denpasar", province=bali)
    f.InstitutionFactory(code="5103", name="Kabupaten Badung", kind="kabupaten", province=bali)
    f.InstitutionFactory(code="5271", name="Kota Mataram", province=ntb)
    f.MinistryFactory(code="K23", name="Kementerian PANRB", short_name="KemenPANRB")
    f.MinistryFactory(code="L01", name="Badan Pusat Statistik", kind="lembaga", is_active=False)
    return bali


def names(response):
    return [i.name for i in response.context["page"]]


def test_institution_list_shows_counts_per_kind(client, admin_user, roster):
    response = logged_in(client, admin_user).get(LIST)
    assert response.status_code == 200
    kinds = {value: count for value, _label, count in response.context["kinds"]}
    assert kinds == {"kementerian": 1, "lembaga": 1, "provinsi": 2, "kabupaten": 1, "kota": 2}
    assert response.context["total"] == 7
    assert 'data-kind="kota">City <span class="badge rounded-pill text-bg-light">2</span>' in (
        response.content.decode()
    )


def test_institution_list_searches_name_short_name_and_code(client, admin_user, roster):
    client = logged_in(client, admin_user)
    assert names(client.get(LIST, {"q": "denpasar"})) == ["Kota Denpasar"]
    assert names(client.get(LIST, {"q": "KemenPANRB"})) == ["Kementerian PANRB"]
    assert names(client.get(LIST, {"q": "51"})) == [
        "Provinsi Bali",
        "Kabupaten Badung",
        "Kota Denpasar",
    ]
    response = client.get(LIST, {"q": "zzz"})
    assert "No institutions match." in response.content.decode()


def test_institution_list_filters_by_kind_and_province(client, admin_user, roster):
    client = logged_in(client, admin_user)
    assert names(client.get(LIST, {"kind": "kota"})) == ["Kota Denpasar", "Kota Mataram"]
    assert names(client.get(LIST, {"province": "51"})) == [
        "Provinsi Bali",
        "Kabupaten Badung",
        "Kota Denpasar",
    ]
    assert names(client.get(LIST, {"province": "51", "kind": "kota"})) == ["Kota Denpasar"]
    # An unknown kind is ignored rather than emptying the list.
    assert len(names(client.get(LIST, {"kind": "dinas"}))) == 7


def test_institution_list_sorts_by_name_both_ways(client, admin_user, roster):
    client = logged_in(client, admin_user)
    ascending = names(client.get(LIST, {"sort": "name"}))
    assert ascending == sorted(ascending)
    assert names(client.get(LIST, {"sort": "-name"})) == ascending[::-1]
    response = client.get(LIST, {"sort": "name"})
    assert 'aria-sort="ascending"' in response.content.decode()
    assert "sort=-name" in response.content.decode()
    # An unknown sort falls back to the code.
    assert names(client.get(LIST, {"sort": "password"})) == names(client.get(LIST))


def test_institution_list_paginates_by_50(client, admin_user):
    f.InstitutionFactory.create_batch(55)
    response = logged_in(client, admin_user).get(LIST, {"kind": "kota", "page": 2})
    assert len(response.context["page"]) == 5
    assert "Page 2 of 2" in response.content.decode()


def test_institution_list_links_to_detail(client, admin_user, roster):
    response = logged_in(client, admin_user).get(LIST, {"q": "Denpasar"})
    denpasar = Institution.objects.get(code="5171")
    assert reverse("institutions:detail", args=[denpasar.pk]) in response.content.decode()


def test_institution_detail_shows_card_and_staff(client, admin_user, roster):
    denpasar = Institution.objects.get(code="5171")
    f.UserFactory(
        username="op1",
        first_name="Wayan",
        last_name="Sudirta",
        email="wayan@denpasarkota.go.id",
        role=Role.OPERATOR,
        institution=denpasar,
    )
    f.UserFactory(username="sup1", role=Role.SUPERVISOR, institution=denpasar)
    response = logged_in(client, admin_user).get(reverse("institutions:detail", args=[denpasar.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<h1" in body and "Kota Denpasar" in body
    assert "Provinsi Bali" in body
    assert "Wayan Sudirta" in body
    assert "wayan@denpasarkota.go.id" in body
    assert "Institution operator" in body
    assert "Institution supervisor" in body
    assert "Regencies and cities" not in body


def test_institution_detail_of_a_province_lists_its_regions(client, admin_user, roster):
    response = logged_in(client, admin_user).get(reverse("institutions:detail", args=[roster.pk]))
    body = response.content.decode()
    assert "Regencies and cities" in body
    assert "1 kabupaten · 1 kota" in body
    assert "Kota Denpasar" in body and "Kabupaten Badung" in body
    assert "Kota Mataram" not in body
    assert "No accounts belong to this institution yet." in body


def test_institution_detail_unknown_pk_is_404(client, admin_user, db):
    response = logged_in(client, admin_user).get(reverse("institutions:detail", args=[999999]))
    assert response.status_code == 404


# --- query counts -------------------------------------------------------------------------


def test_institution_list_queries_at_one_institution(client, admin_user, django_assert_num_queries):
    """N+1 guarded: each row's province (select_related)."""
    f.InstitutionFactory()
    client = logged_in(client, admin_user)
    with django_assert_num_queries(6):  # +1: the database session
        client.get(LIST)


def test_institution_list_queries_at_many_institutions(
    client, admin_user, django_assert_num_queries
):
    """N+1 guarded: each row's province (select_related)."""
    for province in f.ProvinceFactory.create_batch(5):
        f.InstitutionFactory.create_batch(8, province=province)
    client = logged_in(client, admin_user)
    with django_assert_num_queries(6):  # +1: the database session
        client.get(LIST)


def test_institution_detail_queries_at_one_region_and_user(
    client, admin_user, django_assert_num_queries
):
    """N+1 guarded: the province's regions and the staff accounts (prefetched)."""
    province = f.ProvinceFactory()
    city = f.InstitutionFactory(province=province)
    f.UserFactory(role=Role.OPERATOR, institution=province)
    client = logged_in(client, admin_user)
    with django_assert_num_queries(5):  # +1: the database session
        client.get(reverse("institutions:detail", args=[province.pk]))
    assert city


def test_institution_detail_queries_at_many_regions_and_users(
    client, admin_user, django_assert_num_queries
):
    """N+1 guarded: the province's regions and the staff accounts (prefetched)."""
    province = f.ProvinceFactory()
    f.InstitutionFactory.create_batch(20, province=province)
    f.UserFactory.create_batch(6, role=Role.OPERATOR, institution=province)
    client = logged_in(client, admin_user)
    with django_assert_num_queries(5):  # +1: the database session
        client.get(reverse("institutions:detail", args=[province.pk]))
