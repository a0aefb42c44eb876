import pytest
from django.db import IntegrityError, transaction

from institutions.models import Institution, Role
from tests import factories as f


@pytest.mark.django_db
def test_user_operator_without_institution_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        f.UserFactory(role=Role.OPERATOR, institution=None)


@pytest.mark.django_db
def test_user_assessor_with_an_institution_is_refused_by_the_database(institution, university):
    with pytest.raises(IntegrityError), transaction.atomic():
        f.UserFactory(role=Role.ASSESSOR, university=university, institution=institution)


@pytest.mark.django_db
def test_user_admin_belongs_to_nothing(university):
    with pytest.raises(IntegrityError), transaction.atomic():
        f.UserFactory(role=Role.ADMIN, university=university)


@pytest.mark.django_db
def test_user_superuser_is_a_ministry_admin():
    from institutions.models import User

    user = User.objects.create_superuser("root", "root@example.go.id", "pw-12345-long")
    assert user.role == Role.ADMIN
    assert user.is_ministry_admin


@pytest.mark.django_db
def test_institution_city_needs_a_province():
    with pytest.raises(IntegrityError), transaction.atomic():
        Institution.objects.create(code="X1", name="Kota X", kind=Institution.Kind.KOTA)


@pytest.mark.django_db
def test_institution_ministry_has_no_province():
    province = f.ProvinceFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Institution.objects.create(
            code="K1", name="Kementerian X", kind=Institution.Kind.KEMENTERIAN, province=province
        )


@pytest.mark.django_db
def test_institution_queryset_splits_central_and_local():
    province = f.ProvinceFactory()
    city = f.InstitutionFactory(province=province)
    ministry = f.MinistryFactory()
    assert set(Institution.objects.central()) == {ministry}
    assert set(Institution.objects.local_governments()) == {province, city}


@pytest.mark.django_db
def test_institution_display_name_prefers_the_short_name():
    ministry = f.MinistryFactory(name="Kementerian Keuangan", short_name="Kemenkeu")
    assert ministry.display_name == "Kemenkeu"
    assert str(ministry) == "Kementerian Keuangan"
    ministry.short_name = ""
    assert ministry.display_name == "Kementerian Keuangan"
