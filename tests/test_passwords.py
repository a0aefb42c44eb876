"""Passwords: 12 characters at least, common and look-alike passwords refused, Argon2id
first, and a hash from before (PBKDF2) re-hashed with Argon2id at the next sign-in."""

import pytest
from django.conf import settings as project_settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from spbe_portal.hashers import PortalArgon2PasswordHasher
from tests import factories as f

# The project's list (tests/conftest.py swaps in a fast hasher for every other test).
PROJECT_HASHERS = list(project_settings.PASSWORD_HASHERS)


def _refusals(password, user=None):
    try:
        validate_password(password, user)
    except ValidationError as err:
        return [e.code for e in err.error_list]
    return []


def test_eleven_characters_are_too_short_twelve_are_enough():
    assert "password_too_short" in _refusals("Kt7#pq2Lm9x")
    assert _refusals("Kt7#pq2Lm9xZ") == []


def test_common_and_look_alike_passwords_are_refused(db):
    assert "password_too_common" in _refusals("password1234")
    user = f.UserFactory.build(username="budi.santoso", email="budi.santoso@denpasar.go.id")
    assert "password_too_similar" in _refusals("budi.santoso1", user)


def test_argon2id_is_the_first_hasher_with_the_measured_parameters():
    assert PROJECT_HASHERS[0] == "spbe_portal.hashers.PortalArgon2PasswordHasher"
    encoded = PortalArgon2PasswordHasher().encode("Kt7#pq2Lm9xZ", "saltsaltsalt")
    assert encoded.startswith("argon2$argon2id$v=19$m=32768,t=2,p=1$")


@pytest.mark.django_db
def test_a_pbkdf2_hash_is_upgraded_to_argon2id_at_sign_in(client, settings):
    settings.PASSWORD_HASHERS = PROJECT_HASHERS
    user = f.UserFactory(username="penanggung-jawab")
    user.password = PBKDF2PasswordHasher().encode("Kt7#pq2Lm9xZ", "saltsaltsalt")
    user.save(update_fields=["password"])
    response = client.post(
        "/accounts/login/", {"username": "penanggung-jawab", "password": "Kt7#pq2Lm9xZ"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password("Kt7#pq2Lm9xZ")
