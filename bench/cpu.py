"""Where a load step's CPU goes: the CPU seconds of each group of processes over the step.

The campaign's figure is a wall-clock time on a machine whose two cores also run the
load generator, PostgreSQL, Redis, the proxy and the Celery workers. To know what to make
cheaper, the step reads every process's user + system time (/proc/<pid>/stat) before and
after and sums the difference per group: the application servers, the Celery workers,
PostgreSQL, the proxy, Redis and the load generator. A process that ends during the step
still counts: Linux adds its time to its parent's totals of waited-for children
(cutime, cstime), which are read too (a PostgreSQL backend's to the postmaster's); the
load generator, a child of the benchmark itself, is measured with `children_seconds`.
"""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")

# Group name -> what the process's command line contains.
GROUPS = (
    ("application servers (gunicorn)", "gunicorn"),
    ("Celery workers and beat", "celery"),
    ("PostgreSQL", "postgres"),
    ("proxy (Caddy)", "caddy"),
    ("Redis", "redis-server"),
    ("load generator (locust)", "locust"),
)


def _read(pid: str) -> tuple[str, float] | None:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    # utime, stime, cutime, cstime are fields 14-17 of stat (1-based); after the ")"
    # (which ends field 2) they are at 11-14 counting from 0.
    return cmdline, sum(int(v) for v in fields[11:15]) / TICKS


def sample() -> dict[str, float]:
    """CPU seconds used so far by the live processes of each group."""
    totals = {name: 0.0 for name, _needle in GROUPS}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        found = _read(pid)
        if found is None:
            continue
        cmdline, seconds = found
        for name, needle in GROUPS:
            if needle in cmdline:
                totals[name] += seconds
                break
    return totals


def children_seconds() -> float:
    """CPU seconds of this process's waited-for children (the locust runs)."""
    times = os.times()
    return times.children_user + times.children_system


def used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {name: max(0.0, after[name] - before.get(name, 0.0)) for name in after}
