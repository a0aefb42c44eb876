"""What a fresh machine needs: the portal starts without WeasyPrint's libraries, the
browser tests say what to install, and the system script names the missing packages."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings

BASE = Path(settings.BASE_DIR)


def test_the_url_config_does_not_import_weasyprint():
    # Without Pango, importing WeasyPrint fails: it must wait for the first PDF.
    code = (
        "import os, sys, django;"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'spbe_portal.settings');"
        "django.setup();"
        "from django.urls import get_resolver; get_resolver().url_patterns;"
        "print('weasyprint' in sys.modules)"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], cwd=BASE, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_browser_tests_without_chromium_stop_with_the_command_to_run():
    env = {**os.environ, "CHROMIUM": "/nonexistent/chromium"}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "tests/evaluations/test_selfeval_browser.py",
            "-x",
        ],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode != 0
    assert "sudo apt-get install -y chromium" in out.stdout
    assert "Traceback" not in out.stdout


def test_the_system_script_names_the_command_when_it_cannot_install(tmp_path):
    # A PATH without apt-get, dpkg or sudo: nothing can be installed or checked.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "grep", "id", "seq", "sleep", "mkdir", "ls", "sort", "tail"):
        target = shutil.which(tool)
        if target:
            (bin_dir / tool).symlink_to(target)
    out = subprocess.run(  # noqa: S603 - our own script
        [shutil.which("bash"), str(BASE / "scripts" / "ensure-system"), "test"],
        env={"PATH": str(bin_dir), "CHROMIUM": "/nonexistent/chromium"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 1
    assert "sudo apt-get update && sudo apt-get install -y --no-install-recommends" in out.stderr
    assert "chromium" in out.stderr and "gettext" in out.stderr
