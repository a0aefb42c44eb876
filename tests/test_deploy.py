"""The production stack: the compose file validates and has what a real start needs,
.env.example is valid shell, and a backup restores into an empty database with the same
counts."""

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import psycopg2
import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from psycopg2 import sql

from evaluations.models import Evaluation, EvaluationPeriod
from institutions.models import Institution, University, User
from tests import factories as f

BASE = Path(settings.BASE_DIR)
NO_COMPOSE = (
    "Validating docker-compose.yml needs `docker compose` or `docker-compose`; install it "
    "with\n  sudo apt-get install -y docker-compose\n(make test does it as root)."
)


def _compose_config(tmp_path) -> str:
    """`docker compose config` (or docker-compose's) on a copy with .env.example as .env."""
    for name in ("docker-compose.yml", ".env.example"):
        shutil.copy(BASE / name, tmp_path / name)
    (tmp_path / ".env").write_text((BASE / ".env.example").read_text())
    (tmp_path / "deploy").mkdir()
    shutil.copy(BASE / "deploy" / "Caddyfile", tmp_path / "deploy" / "Caddyfile")
    commands = []
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run(  # noqa: S603 - the docker CLI, fixed arguments
            [docker, "compose", "version"], capture_output=True, check=False
        ).returncode
        == 0
    ):
        commands.append([docker, "compose"])
    if shutil.which("docker-compose"):
        commands.append([shutil.which("docker-compose")])
    if not commands:
        pytest.fail(NO_COMPOSE, pytrace=False)
    result = subprocess.run(  # noqa: S603 - the compose CLI, fixed arguments
        [*commands[0], "config"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_compose_file_validates_and_starts_in_the_right_order(tmp_path):
    config = yaml.safe_load(_compose_config(tmp_path))
    services = config["services"]
    assert set(services) == {
        "proxy",
        "db",
        "redis",
        "migrate",
        "web",
        "worker",
        "worker-bulk",
        "beat",
    }
    # Worker and beat (and web) wait for the migrations to have run.
    for name in ("web", "worker", "worker-bulk", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    # Only the proxy is published; the web app is behind it.
    assert "ports" not in services["web"]
    published = {
        str(p.get("published", p) if isinstance(p, dict) else p) for p in services["proxy"]["ports"]
    }
    assert any("443" in p for p in published)
    assert services["proxy"]["depends_on"]["web"]["condition"] == "service_healthy"


def test_the_proxy_caps_uploads_above_the_evidence_limit():
    caddyfile = (BASE / "deploy" / "Caddyfile").read_text()
    assert "max_size {$UPLOAD_MAX_SIZE:25MB}" in caddyfile
    # Compose's one app server by default; the benchmark passes its two as UPSTREAMS.
    assert "reverse_proxy {$UPSTREAMS:web:8000}" in caddyfile
    assert settings.EVIDENCE_MAX_BYTES < 25 * 1000 * 1000


@pytest.mark.skipif(shutil.which("caddy") is None, reason="Caddy is not installed here")
def test_the_proxy_closes_idle_upstream_connections_before_gunicorn_does():
    """Otherwise gunicorn may close a kept-alive connection just as Caddy sends the next
    request on it, and that POST fails with a 502 (seen under load)."""
    caddy = (BASE / "deploy" / "Caddyfile").read_text()
    proxy_idle = int(re.search(r"keepalive (\d+)s", caddy).group(1))
    compose = yaml.safe_load((BASE / "docker-compose.yml").read_text())
    commands = {
        "compose": compose["services"]["web"]["command"],
        "Dockerfile": re.findall(r'"([^"]+)"', (BASE / "Dockerfile").read_text().split("CMD")[-1]),
    }
    for where, command in commands.items():
        assert "gthread" in command, where  # sync workers close every connection anyway
        gunicorn_idle = int(command[command.index("--keep-alive") + 1])
        assert gunicorn_idle > proxy_idle, where


def test_caddy_reads_the_caddyfile_with_one_or_two_upstreams():
    def dials(**env):
        out = subprocess.run(  # noqa: S603 - caddy on our own file
            [shutil.which("caddy"), "adapt", "--config", str(BASE / "deploy" / "Caddyfile")],
            capture_output=True,
            text=True,
            env={**os.environ, **env},
            check=True,
        ).stdout
        return re.findall(r'"dial":"([^"]+)"', out)

    assert dials() == ["web:8000"]
    two = dials(UPSTREAMS="127.0.0.1:8001 127.0.0.1:8002", SITE_ADDRESS="http://127.0.0.1:8000")
    assert two == ["127.0.0.1:8001", "127.0.0.1:8002"]


def test_env_example_is_valid_shell():
    out = subprocess.run(  # noqa: S603 - bash on our own file
        [
            shutil.which("bash"),
            "-c",
            'set -a; . ./.env.example; set +a; printf "%s|%s" "$DEFAULT_FROM_EMAIL" "$SITE_URL"',
        ],
        cwd=BASE,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": os.environ["PATH"]},
    )
    assert out.stdout == "Portal Evaluasi SPBE <noreply@spbe.example.go.id>|https://localhost"


def _counts(cursor) -> dict[str, int]:
    tables = [
        Institution._meta.db_table,
        University._meta.db_table,
        User._meta.db_table,
        EvaluationPeriod._meta.db_table,
        Evaluation._meta.db_table,
        "evaluations_indicator",
        "evaluations_auditevent",
    ]
    found = {}
    for table in tables:
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        found[table] = cursor.fetchone()[0]
    return found


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_an_empty_database_with_the_same_counts(tmp_path):
    for tool in ("pg_dump", "pg_restore", "psql"):
        if not shutil.which(tool):
            pytest.fail(
                f"{tool} is missing: sudo apt-get install -y postgresql-client", pytrace=False
            )
    call_command("load_framework", verbosity=0)
    period = f.EvaluationPeriodFactory()
    for institution in f.InstitutionFactory.create_batch(3):
        f.EvaluationFactory(period=period, institution=institution)
        f.UserFactory(role="operator", institution=institution)
    media = tmp_path / "media"
    (media / "evidence" / "1").mkdir(parents=True)
    (media / "evidence" / "1" / "perda.pdf").write_bytes(b"%PDF-1.4 test")

    db = connection.settings_dict
    source_url = (
        f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    target_name = f"{db['NAME']}_restore"
    target_url = source_url.rsplit("/", 1)[0] + "/" + target_name
    admin = psycopg2.connect(
        dbname="postgres", user=db["USER"], host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(target_name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target_name)))
    try:
        env = {"PATH": os.environ["PATH"], "DATABASE_URL": source_url, "MEDIA_ROOT": str(media)}
        subprocess.run(  # noqa: S603 - our own script
            [str(BASE / "scripts" / "backup"), str(tmp_path / "backup")],
            cwd=tmp_path,
            env=env,
            check=True,
            capture_output=True,
        )
        restored_media = tmp_path / "restored-media"
        env = {**env, "DATABASE_URL": target_url, "MEDIA_ROOT": str(restored_media)}
        result = subprocess.run(  # noqa: S603 - our own script
            [str(BASE / "scripts" / "restore"), str(tmp_path / "backup")],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        with connection.cursor() as cursor:
            before = _counts(cursor)
        restored = psycopg2.connect(target_url)
        with restored.cursor() as cursor:
            after = _counts(cursor)
        restored.close()
        assert after == before
        assert before[Evaluation._meta.db_table] == 3
        assert (restored_media / "evidence" / "1" / "perda.pdf").read_bytes() == b"%PDF-1.4 test"
        # A second restore into the now full database is refused, nothing mixed.
        again = subprocess.run(  # noqa: S603 - our own script
            [str(BASE / "scripts" / "restore"), str(tmp_path / "backup")],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert again.returncode == 1
        assert "restore only into an empty database" in again.stderr
    finally:
        with admin.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(target_name)
                )
            )
        admin.close()


def test_setup_portal_loads_the_roster_and_creates_the_first_admin(db, monkeypatch):
    monkeypatch.setenv("SPBE_ADMIN_PASSWORD", "Menpan-Rb-2027!")
    call_command(
        "setup_portal",
        "--username=admin",
        "--email=admin@menpan.go.id",
        "--password-env=SPBE_ADMIN_PASSWORD",
        verbosity=0,
        stdout=io.StringIO(),
    )
    admin = User.objects.get(username="admin")
    assert (admin.role, admin.is_staff) == ("admin", True)
    assert admin.check_password("Menpan-Rb-2027!")
    assert Institution.objects.count() == 623
    assert University.objects.count() == 5
    assert EvaluationPeriod.objects.count() == 0  # no demo data
    # Again: nothing changes, the password is not asked.
    monkeypatch.delenv("SPBE_ADMIN_PASSWORD")
    out = io.StringIO()
    call_command("setup_portal", "--username=admin", "--email=x@y.z", verbosity=0, stdout=out)
    assert "already exists: unchanged" in out.getvalue()
    assert User.objects.count() == 1


def test_the_proxy_gets_its_address_but_not_the_portals_secrets(tmp_path):
    proxy = yaml.safe_load(_compose_config(tmp_path))["services"]["proxy"]
    assert proxy["environment"] == {"SITE_ADDRESS": "localhost", "UPLOAD_MAX_SIZE": "25MB"}
