"""Sign-in cost: CPU time per sign-in request with PBKDF2 (Django's default, the portal's
hasher before) and with the portal's Argon2id, and the memory one Argon2id sign-in holds.

    .venv/bin/python bench/bench_signin.py [--rounds 10]

Runs the real login view through Django's test client on a throwaway SQLite database,
so the figure is the whole request (form, authentication backends, session, django-axes'
access log), not only the hash. CPU time is the process's (all threads), which on a busy
machine is steadier than wall time; both are printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PBKDF2 = "django.contrib.auth.hashers.PBKDF2PasswordHasher"
ARGON2 = "spbe_portal.hashers.PortalArgon2PasswordHasher"
PASSWORD = "bench-sign-in-2019"


def _setup(db_path: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spbe_portal.settings")
    os.environ["DEBUG"] = "True"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _sign_ins(hashers: list[str], rounds: int) -> tuple[list[float], list[float], str]:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.test import Client, override_settings

    user_model = get_user_model()
    cpu, wall = [], []
    with override_settings(PASSWORD_HASHERS=hashers, AXES_ENABLED=True):
        user_model.objects.filter(username="bench-admin").delete()
        user = user_model.objects.create(
            username="bench-admin", role="admin", password=make_password(PASSWORD)
        )
        for _ in range(rounds + 1):
            client = Client()
            c0, w0 = time.process_time(), time.perf_counter()
            response = client.post(
                "/accounts/login/", {"username": user.username, "password": PASSWORD}
            )
            c1, w1 = time.process_time(), time.perf_counter()
            assert response.status_code == 302, response.status_code
            cpu.append((c1 - c0) * 1000)
            wall.append((w1 - w0) * 1000)
        user.refresh_from_db()
    # The first request warms caches (templates, URL resolver): not counted.
    return cpu[1:], wall[1:], user.password.split("$", 1)[0]


# Peak resident memory from /proc (ru_maxrss would carry over the parent's across exec).
HIGH_WATER_MARK = (
    "print(next(int(line.split()[1]) for line in open('/proc/self/status')"
    " if line.startswith('VmHWM:')))"
)


def _argon2_peak_kib() -> tuple[int, int]:
    """Peak resident memory (KiB) of a fresh interpreter, without and with one Argon2id hash."""
    base = (
        "from argon2.low_level import hash_secret_raw, Type\n"
        "from spbe_portal.hashers import PortalArgon2PasswordHasher as H\n"
    )
    run = (
        "hash_secret_raw(b'p', b'saltsaltsalt', H.time_cost, H.memory_cost,"
        " H.parallelism, 32, Type.ID)\n"
    )
    peaks = []
    for code in (base, base + run):
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                code + HIGH_WATER_MARK,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        peaks.append(int(out.stdout.strip()))
    return peaks[0], peaks[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        _setup(str(Path(tmp) / "signin.sqlite3"))
        from spbe_portal.hashers import PortalArgon2PasswordHasher as H

        rows = []
        for label, hashers in (
            ("PBKDF2-SHA256, 1,000,000 iterations (before)", [PBKDF2]),
            (
                f"Argon2id t={H.time_cost} m={H.memory_cost // 1024} MiB p={H.parallelism} (after)",
                [ARGON2, PBKDF2],
            ),
        ):
            cpu, wall, algorithm = _sign_ins(hashers, args.rounds)
            rows.append(
                (label, statistics.median(cpu), max(cpu), statistics.median(wall), algorithm)
            )
        # A user whose hash predates Argon2id signs in once and leaves with an Argon2id hash.
        upgraded = _upgrade_check()
    base, peak = _argon2_peak_kib()
    cpus = os.cpu_count()
    print(f"Sign-in through the login view, {args.rounds} rounds each, {cpus} CPUs")
    print()
    print("| hasher | CPU ms per sign-in (median) | CPU ms (max) | wall ms (median) | stored as |")
    print("|---|---|---|---|---|")
    for label, cpu_med, cpu_max, wall_med, algorithm in rows:
        print(f"| {label} | {cpu_med:.0f} | {cpu_max:.0f} | {wall_med:.0f} | {algorithm} |")
    print()
    print(f"PBKDF2 hash after one sign-in with Argon2id first: stored as {upgraded}")
    print(
        f"Peak memory of one Argon2id hash: {(peak - base) / 1024:.1f} MiB above the interpreter's "
        f"{base / 1024:.1f} MiB (parameter m = {H.memory_cost // 1024} MiB per concurrent sign-in)"
    )


def _upgrade_check() -> str:
    """The algorithm of a PBKDF2 hash after its owner's first sign-in with Argon2id first."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.test import Client, override_settings

    user_model = get_user_model()
    with override_settings(PASSWORD_HASHERS=[PBKDF2]):
        legacy = make_password(PASSWORD)
    user_model.objects.filter(username="bench-legacy").delete()
    user = user_model.objects.create(username="bench-legacy", role="admin", password=legacy)
    with override_settings(PASSWORD_HASHERS=[ARGON2, PBKDF2]):
        Client().post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    user.refresh_from_db()
    return user.password.rsplit("$", 4)[0]


if __name__ == "__main__":
    main()
