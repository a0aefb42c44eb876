"""The settings module refuses a misconfigured production, and .env.example documents it."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from spbe_portal.settings import BASE_DIR, DEV_SECRET_KEY

REAL_KEY = "k" * 50
# Variables read by spbe_portal/settings.py: env("X"), env.<type>("X"), os.environ[...].
ENV_READ = re.compile(
    r"""(?:\benv(?:\.\w+)?|os\.environ\.get|os\.getenv|os\.environ)\s*[(\[]\s*["']([A-Z][A-Z0-9_]*)["']"""
)
EXAMPLE_LINE = re.compile(r"^([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def run_python(code: str = "import spbe_portal.settings", **env: str):
    """Run `code` (by default: import the settings) in a fresh interpreter with `env`
    on top of the environment, minus the variables the tests set."""
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
    }
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_settings_production_with_real_key_and_hosts_imports():
    result = run_python(DEBUG="False", SECRET_KEY=REAL_KEY, ALLOWED_HOSTS="spbe.example.go.id")

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SECRET_KEY": DEV_SECRET_KEY, "ALLOWED_HOSTS": "spbe.example.go.id"}, "SECRET_KEY"),
        ({"SECRET_KEY": "too-short", "ALLOWED_HOSTS": "spbe.example.go.id"}, "SECRET_KEY"),
        ({"SECRET_KEY": REAL_KEY, "ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
    ],
    ids=["dev-key", "short-key", "no-hosts"],
)
def test_settings_production_misconfigured_raises(env, message):
    result = run_python(DEBUG="False", **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_env_example_lists_every_variable_settings_reads():
    settings_source = (BASE_DIR / "spbe_portal" / "settings.py").read_text()
    read = set(ENV_READ.findall(settings_source))
    listed = set(EXAMPLE_LINE.findall((BASE_DIR / ".env.example").read_text()))

    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL"} <= read  # parser works
    assert read - listed == set(), "add these to .env.example (and README.md's table)"


def test_env_example_never_holds_a_usable_secret_key():
    example = Path(BASE_DIR / ".env.example").read_text()

    assert re.search(r"^SECRET_KEY=$", example, re.MULTILINE)


def test_production_collectstatic_resolves_every_css_reference(tmp_path):
    """The Dockerfile's build step: the manifest storage fails on a url() to a missing file."""
    result = run_python(
        code=(
            "import django; django.setup();"
            "from django.conf import settings; from django.core.management import call_command;"
            f"settings.STATIC_ROOT = {str(tmp_path)!r};"
            # Django's manifest storage resolves the same references as WhiteNoise's,
            # without the (slow) compression.
            "settings.STORAGES['staticfiles'] = {'BACKEND': "
            "'django.contrib.staticfiles.storage.ManifestStaticFilesStorage'};"
            "call_command('collectstatic', interactive=False, verbosity=0)"
        ),
        DJANGO_SETTINGS_MODULE="spbe_portal.settings",
        DEBUG="False",
        SECRET_KEY=REAL_KEY,
        ALLOWED_HOSTS="spbe.example.go.id",
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "staticfiles.json").is_file()
