"""Django admin is for ministry admins only, whatever the staff flag says."""

import pytest
from django.urls import reverse

from institutions.models import Role
from tests import factories as f
from tests.conftest import logged_in


@pytest.mark.django_db
def test_admin_site_open_to_ministry_admin(client, admin_user):
    response = logged_in(client, admin_user).get(reverse("admin:index"))
    assert response.status_code == 200


@pytest.mark.django_db
def test_admin_site_closed_to_staff_flagged_operator(client, institution):
    user = f.UserFactory(role=Role.OPERATOR, institution=institution, is_staff=True)
    response = logged_in(client, user).get(reverse("admin:index"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
