"""Signing a test client in without the password and second-factor round trips (both
flows have their own tests: tests/test_auth.py, tests/test_two_factor.py)."""

from __future__ import annotations

from django_otp import DEVICE_ID_SESSION_KEY

# What django_otp.login stores after a code was accepted; the portal's gate only asks
# whether a second factor was given on the session.
FORCED_DEVICE = "otp_totp.totpdevice/forced-by-test"


def force_login(client, user, *, second_factor: bool = True):
    client.force_login(user)
    if second_factor:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = FORCED_DEVICE
        session.save()
    return client


def enrol(user, key_hex: str | None = None):
    """A confirmed authenticator for `user` with a known key (default: seed_demo's)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from evaluations.management.commands.seed_demo import DEMO_TOTP_KEY_HEX

    key_hex = key_hex or DEMO_TOTP_KEY_HEX
    return TOTPDevice.objects.create(user=user, name="authenticator", key=key_hex, confirmed=True)


def current_code(device) -> str:
    """The six-digit code the person's authenticator app shows now."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"
