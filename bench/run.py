"""`make bench`: the deadline-day load on one small server, each figure against a
baseline measured in the same run.

What it does (see bench/README.md for how to read the table):
1. A fresh PostgreSQL database (spbe_bench), the roster, two staff accounts per
   institution and the released 2019 campaign (bench/setup_data.py).
2. The portal as in production: gunicorn (2 x cores + 1 workers, 4 threads each),
   DEBUG off, Redis cache, a broker (a redis-server of the bench's own, so the fault
   step can stop it), Celery workers for the interactive and the bulk queue, and beat.
3. The ceiling (/bench/ceiling: one SELECT FOR UPDATE + UPDATE) and the autosave
   endpoint, same users, same concurrency: save throughput as a ratio of the ceiling.
4. The deadline rush with locust at 10, 50 and 200 simulated browsers, each on a fresh
   open period: requests/s, p50/p95/p99 per kind of request, errors. At the highest
   level the whole campaign (623 institutions x 35 answers, ~5,000 evidence files,
   623 submissions) runs to the end: the time to absorb it.
5. Nothing lost (bench/verify.py) for every level. During the 50-browser stage the
   workers are killed (SIGKILL) and the broker stopped for 10 s: the time until every
   acknowledged submission's receipt is emailed and no task is pending (bench/recovery.py).
6. The ministry dashboard at 623 institutions (bench/bench_dashboard.py), the analytics
   pages and the calibration agreement against that dashboard (bench/bench_analytics.py),
   the reports against raw WeasyPrint and the bulk run of 623 (bench/bench_reports.py),
   the full answers XLSX export.
Writes bench/results/bench-<time>.md and prints it.

  python bench/run.py            the whole benchmark (about 30-60 minutes here)
  python bench/run.py --quick    a smaller run for checking a change (under 3 minutes)
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.maintenance import Maintenance  # noqa: E402
from bench.pdfs import unique_pdf  # noqa: E402 - after the path that finds it

RESULTS = ROOT / "bench" / "results"
PY = sys.executable
BIN = Path(PY).parent
DB_NAME = "spbe_bench"
PG = "postgres://postgres@127.0.0.1:5432"


# A request kind locust never completed in a run (e.g. every user still signing in on an
# overloaded machine): reported as zeros instead of stopping the benchmark.
NO_REQUESTS = {"n": 0, "fail": 0, "rps": 0.0, "p50": "0", "p95": "0", "p99": "0"}

# The memory bound per application worker the benchmark reports against (see memory()).
RSS_BOUND_MIB = 300


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (gunicorn's workers), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces: the fields after its closing parenthesis.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _proc_kib(pid: int, key: str) -> int:
    """A memory figure of /proc/<pid>/status in KiB (VmRSS now, VmHWM the peak)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _reset_peak(pid: int) -> None:
    """Start the kernel's peak RSS (VmHWM) of `pid` again from its current RSS."""
    with contextlib.suppress(OSError):  # an older kernel: the figure is then since start
        Path(f"/proc/{pid}/clear_refs").write_text("5")


class Bench:
    def __init__(self, quick: bool, port: int, fresh: bool):
        self.quick = quick
        self.port = port
        self.fresh = fresh
        self.host = f"http://127.0.0.1:{port}"
        self.work = Path(tempfile.mkdtemp(prefix="spbe-bench-"))
        self.media = self.work / "media"
        self.procs: list[subprocess.Popen] = []
        self.proxy: subprocess.Popen | None = None
        self.app_hosts: list[str] = []
        self.app_masters: list[subprocess.Popen] = []
        self.sections: list[str] = []
        self.summary: dict = {}
        # The broker is a redis-server of the bench's own: the fault step stops it, and
        # the machine's shared Redis must never be stopped.
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.broker_port = sock.getsockname()[1]
        self.broker: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []
        self.faults: tuple[dict, dict] = ({}, {})
        self.maintenance = Maintenance({"dbname": DB_NAME, "user": "postgres", "host": "127.0.0.1"})
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "spbe_portal.settings",
            "DATABASE_URL": f"{PG}/{DB_NAME}",
            "DEBUG": "False",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{self.broker_port}/0",
            "REDIS_URL": "redis://127.0.0.1:6379/12",
            "BENCH_CELERY_BROKER_URL": "redis://127.0.0.1:6379/13",
            "MEDIA_ROOT": str(self.media),
            "BENCHMARK_ENDPOINTS": "True",
            "SESSION_COOKIE_SECURE": "False",
            "CSRF_COOKIE_SECURE": "False",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "AXES_FAILURE_LIMIT": "100000",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }

    # --- plumbing -------------------------------------------------------------------
    def say(self, text: str) -> None:
        print(f"[bench {time.strftime('%H:%M:%S')}] {text}", flush=True)

    def run(self, *args: str, env: dict | None = None, timeout: float = 3600, check=True):
        result = subprocess.run(
            list(args),
            cwd=ROOT,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
            raise SystemExit(f"failed: {' '.join(args)}")
        return result

    def manage(self, *args: str, **kw):
        return self.run(PY, "manage.py", *args, **kw)

    def start(self, *args: str, log: str, env: dict | None = None) -> subprocess.Popen:
        fh = open(self.work / log, "w")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            list(args),
            cwd=ROOT,
            env={**self.env, **(env or {})},
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.procs.clear()

    # --- steps ----------------------------------------------------------------------
    def database(self) -> None:
        import psycopg2

        conn = psycopg2.connect(dbname="postgres", user="postgres", host="127.0.0.1")
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME])
            exists = cur.fetchone() is not None
            if exists and self.fresh:
                cur.execute(f'DROP DATABASE "{DB_NAME}" WITH (FORCE)')
                exists = False
            if not exists:
                cur.execute(f'CREATE DATABASE "{DB_NAME}"')
        conn.close()
        self.say("migrate, collectstatic, compilemessages")
        self.manage("migrate", "--noinput")
        self.manage("collectstatic", "--noinput")
        self.manage("compilemessages", "--ignore=.venv", check=False)
        self.say("seed: roster, accounts, the released 2019 campaign (once per database)")
        started = time.monotonic()
        out = self.run(PY, "bench/setup_data.py", "base", timeout=3600).stdout
        self.summary["setup"] = json.loads(out.strip().splitlines()[-1])
        self.summary["setup_seconds"] = round(time.monotonic() - started, 1)

    def flush_queues(self) -> None:
        """Drop tasks a previous (interrupted) run left in the bench's Redis databases,
        so the worker does not render old receipts during the measurements."""
        import redis

        redis.Redis.from_url(self.env["BENCH_CELERY_BROKER_URL"]).flushdb()

    def start_broker(self) -> None:
        self.broker = self.start(
            "redis-server",
            "--port",
            str(self.broker_port),
            "--bind",
            "127.0.0.1",
            # Persistent like the compose stack's Redis (append-only file), so a stop
            # keeps the messages already queued.
            "--save",
            "",
            "--appendonly",
            "yes",
            "--dir",
            str(self.work),
            log="broker.log",
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.broker_port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("the bench's redis-server did not start; see broker.log")

    def start_workers(self) -> None:
        """One worker process per queue (interactive, bulk): 2 processes as before."""
        self.workers = [
            self.start(
                str(BIN / "celery"),
                "-A",
                "spbe_portal",
                "worker",
                "-n",
                f"{queue}@%h",
                "-Q",
                queue,
                "-c",
                "1",
                "-l",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
                log=f"worker-{queue}.log",
            )
            for queue in ("interactive", "bulk")
        ]

    def serve(self) -> None:
        """Two gunicorn instances on their own ports, sharing PostgreSQL, Redis and the
        media folder, behind Caddy with the production Caddyfile (deploy/Caddyfile), so
        that state kept in one process would show as errors; without Caddy installed the
        load goes straight to the two instances and the table says so."""
        self.start_broker()
        cores = os.cpu_count() or 2
        workers = cores + 1  # per instance: two instances share the machine's cores
        self.app_hosts = [f"127.0.0.1:{self.port + 1}", f"127.0.0.1:{self.port + 2}"]
        self.summary["gunicorn"] = (
            f"2 instances x {workers} workers x 4 threads (gthread), ports "
            + " and ".join(h.rsplit(":", 1)[1] for h in self.app_hosts)
        )
        self.app_masters = [
            self.start(
                str(BIN / "gunicorn"),
                "spbe_portal.wsgi",
                "-b",
                host,
                "-w",
                str(workers),
                "-k",
                "gthread",
                "--threads",
                "4",
                "--timeout",
                "120",
                "--max-requests",
                "0",
                "--log-level",
                "warning",
                log=f"gunicorn-{i}.log",
            )
            for i, host in enumerate(self.app_hosts, start=1)
        ]
        self.start_proxy()
        self.start_workers()
        self.start(
            str(BIN / "celery"),
            "-A",
            "spbe_portal",
            "beat",
            "-l",
            "WARNING",
            "--schedule",
            str(self.work / "beat-schedule"),
            log="beat.log",
        )
        for url in [f"http://{h}" for h in self.app_hosts] + [self.host]:
            for _ in range(120):
                try:
                    with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    time.sleep(0.5)
            else:
                raise SystemExit(f"{url} did not come up; see the logs in {self.work}")

    def start_proxy(self) -> None:
        caddy = shutil.which("caddy")
        if caddy is None and os.geteuid() == 0 and shutil.which("apt-get"):
            self.say("installing Caddy from the Debian packages (the proxy compose uses)")
            subprocess.run(
                ["apt-get", "install", "-y", "-q", "--no-install-recommends", "caddy"],
                capture_output=True,
                env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
                check=False,
            )
            caddy = shutil.which("caddy")
        if caddy is None:
            # No proxy: the locust users are spread over the two instances directly.
            self.proxy = None
            self.host = f"http://{self.app_hosts[0]}"
            self.summary["proxy"] = "none (Caddy is not installed)"
            return
        version = subprocess.run([caddy, "version"], capture_output=True, text=True).stdout
        self.summary["proxy"] = f"Caddy {version.split()[0] if version else '?'}, deploy/Caddyfile"
        self.proxy = self.start(
            caddy,
            "run",
            "--config",
            str(ROOT / "deploy" / "Caddyfile"),
            "--adapter",
            "caddyfile",
            log="caddy.log",
            env={
                "SITE_ADDRESS": f"http://127.0.0.1:{self.port}",
                "UPSTREAMS": " ".join(self.app_hosts),
                # Caddy's own state stays in the bench folder.
                "XDG_DATA_HOME": str(self.work / "caddy-data"),
                "XDG_CONFIG_HOME": str(self.work / "caddy-config"),
            },
        )

    def new_period(self, name: str) -> Path:
        plan = self.work / f"plan-{name.replace(' ', '-')}.json"
        self.run(PY, "bench/setup_data.py", "period", f"{name} {int(time.time())}", str(plan))
        return plan

    def locust(
        self,
        *,
        plan: Path,
        scenario: str,
        users: int,
        seconds: int,
        label: str,
        limit: int = 0,
        direct: bool = False,
    ) -> dict:
        """One locust run through the proxy, or (`direct`, or no proxy) with its users
        spread over the application servers themselves."""
        hosts = ""
        if direct or self.proxy is None:
            hosts = ",".join(f"http://{h}" for h in self.app_hosts)
        prefix = self.work / f"locust-{label}"
        acks = self.work / f"acks-{label}.jsonl"
        started = time.monotonic()
        self.run(
            str(BIN / "locust"),
            "-f",
            "bench/locustfile.py",
            "--headless",
            "-u",
            str(users),
            "-r",
            str(min(users, 50)),
            "-t",
            f"{seconds}s",
            "--host",
            self.host,
            "--csv",
            str(prefix),
            "--only-summary",
            "--stop-timeout",
            "60",
            "--loglevel",
            "WARNING",
            env={
                "BENCH_PLAN": str(plan),
                "BENCH_SCENARIO": scenario,
                "BENCH_ACK_LOG": str(acks),
                "BENCH_LIMIT": str(limit),
                "BENCH_HOSTS": hosts,
            },
            timeout=seconds + 600,
            check=False,
        )
        elapsed = time.monotonic() - started
        stats = {}
        with open(f"{prefix}_stats.csv") as fh:
            for row in csv.DictReader(fh):
                stats[row["Name"]] = {
                    "n": int(row["Request Count"]),
                    "fail": int(row["Failure Count"]),
                    "rps": float(row["Requests/s"]),
                    "p50": row["50%"],
                    "p95": row["95%"],
                    "p99": row["99%"],
                }
        return {"stats": stats, "acks": acks, "seconds": elapsed}

    def verify(self, acks: Path) -> dict:
        result = self.run(PY, "bench/verify.py", str(acks), check=False)
        return json.loads(result.stdout)

    # --- the measurements -----------------------------------------------------------
    def ceiling_vs_save(self) -> None:
        users, seconds = (20, 10) if self.quick else (50, 30)
        plan = self.new_period("Bench ceiling")
        # Ceiling, save, ceiling again: the ceiling is the mean of the two runs around
        # the save run, so a drift in the machine's load does not favour either side.
        before = self.locust(
            plan=plan, scenario="ceiling", users=users, seconds=seconds, label="ceiling-1"
        )
        save = self.locust(plan=plan, scenario="save", users=users, seconds=seconds, label="save")
        after = self.locust(
            plan=plan, scenario="ceiling", users=users, seconds=seconds, label="ceiling-2"
        )
        name = "ceiling (SELECT FOR UPDATE + UPDATE)"
        direct = None
        if self.proxy is not None:
            direct = self.locust(
                plan=plan,
                scenario="ceiling",
                users=users,
                seconds=seconds,
                label="ceiling-direct",
                direct=True,
            )["stats"].get(name, NO_REQUESTS)
        c1, c2 = before["stats"].get(name, NO_REQUESTS), after["stats"].get(name, NO_REQUESTS)
        c = {
            "n": c1["n"] + c2["n"],
            "fail": c1["fail"] + c2["fail"],
            "rps": (c1["rps"] + c2["rps"]) / 2,
            "p50": f"{c1['p50']}/{c2['p50']}",
            "p95": f"{c1['p95']}/{c2['p95']}",
            "p99": f"{c1['p99']}/{c2['p99']}",
        }
        s = save["stats"].get("save answer (autosave)", NO_REQUESTS)
        checked = self.verify(save["acks"])
        ratio = s["rps"] / c["rps"] if c["rps"] else 0.0
        self.summary["save_ratio"] = ratio
        ceiling_p95 = max(float(c1["p95"]), float(c2["p95"]))
        self.summary["save_p95_ratio"] = float(s["p95"]) / ceiling_p95 if ceiling_p95 else 0.0
        self.sections.append(
            "## Save endpoint against the ceiling\n\n"
            f"{users} concurrent logged-in operators, {seconds} s each, same server; the "
            "ceiling ran before and after the save run (mean req/s; before/after "
            "percentiles).\n\n"
            "| endpoint | requests | errors | req/s | p50 ms | p95 ms | p99 ms |\n"
            "|---|---:|---:|---:|---:|---:|---:|\n"
            f"| ceiling: SELECT FOR UPDATE + UPDATE | {c['n']} | {c['fail']} | {c['rps']:.1f} "
            f"| {c['p50']} | {c['p95']} | {c['p99']} |\n"
            f"| save answer (autosave) | {s['n']} | {s['fail']} | {s['rps']:.1f} | {s['p50']} "
            f"| {s['p95']} | {s['p99']} |\n\n"
            f"**Save throughput = {ratio:.2f} x the ceiling** (target >= 0.70); save p95 "
            f"{s['p95']} ms against the ceiling's {c['p95']} ms (target: at most twice). "
            f"Nothing lost: {checked['problems']} problems in "
            f"{checked['answers_checked']} answers.\n"
        )
        if direct is not None:
            cost = (c["rps"] / direct["rps"]) if direct["rps"] else 0.0
            self.sections.append(
                "### The proxy's cost\n\n"
                "The same ceiling requests, the same users, straight to the two application "
                "servers (users spread evenly) instead of through Caddy.\n\n"
                "| path | requests | errors | req/s | p50 ms | p95 ms | p99 ms |\n"
                "|---|---:|---:|---:|---:|---:|---:|\n"
                f"| through Caddy (mean of the two runs) | {c['n']} | {c['fail']} "
                f"| {c['rps']:.1f} | {c['p50']} | {c['p95']} | {c['p99']} |\n"
                f"| direct to the app servers | {direct['n']} | {direct['fail']} "
                f"| {direct['rps']:.1f} | {direct['p50']} | {direct['p95']} | {direct['p99']} |\n\n"
                f"Throughput through the proxy = **{cost:.2f} x direct**.\n"
            )

    def probe(self, period_id: int) -> dict:
        out = self.run(PY, "bench/recovery.py", str(period_id), check=False).stdout
        return json.loads(out.strip().splitlines()[-1])

    def fault(self, plan: Path, delay: float, found: dict) -> None:
        """During a rush stage: SIGKILL the workers and stop the broker for 10 s, bring
        both back, then time how long until what was pending is through: the receipts
        of the submissions acknowledged so far emailed, no task left in the outbox."""
        period_id = json.loads(plan.read_text())["period_id"]
        time.sleep(delay)
        for proc in self.workers:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
        if self.broker is not None and self.broker.poll() is None:
            os.killpg(self.broker.pid, signal.SIGTERM)
            self.broker.wait(timeout=30)
        self.say("fault: workers killed, broker stopped for 10 s")
        time.sleep(10)
        self.start_broker()
        back = time.monotonic()
        self.start_workers()
        backlog = set(self.probe(period_id)["pending"])
        found["backlog"] = len(backlog)
        while time.monotonic() - back < 600:
            state = self.probe(period_id)
            if not backlog & set(state["pending"]) and state["outbox_stale"] == 0:
                found["recovery_seconds"] = time.monotonic() - back
                return
            time.sleep(1)

    def after_fault(self, plan: Path) -> dict:
        """Once the stage is over: every acknowledged submission's receipt emailed once."""
        period_id = json.loads(plan.read_text())["period_id"]
        deadline = time.monotonic() + 300
        while True:
            state = self.probe(period_id)
            if (not state["pending"] and state["outbox"] == 0) or time.monotonic() > deadline:
                return state
            time.sleep(2)

    def rush(self) -> None:
        levels = [10, 50] if self.quick else [10, 50, 200]
        stage_seconds = 15 if self.quick else 60
        rows = []
        for users in levels:
            last = users == levels[-1]
            plan = self.new_period(f"Bench rush {users}")
            limit = 0
            seconds = stage_seconds
            if last:
                # The whole campaign, to the end (quick: a slice of it).
                limit = 40 if self.quick else 0
                seconds = 3600 * 3
            self.say(f"rush at {users} browsers" + (" (whole campaign)" if last else ""))
            found: dict = {}
            fault = None
            if users == 50:
                fault = threading.Thread(target=self.fault, args=(plan, stage_seconds / 4, found))
                fault.start()
            result = self.locust(
                plan=plan,
                scenario="campaign",
                users=users,
                seconds=seconds,
                label=f"rush-{users}",
                limit=limit,
            )
            if fault is not None:
                fault.join()
                after = self.after_fault(plan)
                self.faults = (found, after)
                if after["pending"] or after["duplicate_receipts"]:
                    self.summary.setdefault("lost", []).append(f"after the fault: {after}")
            checked = self.verify(result["acks"])
            rows.append((users, result, checked, last))
            if checked["problems"]:
                self.summary.setdefault("lost", []).extend(checked["first_problems"])
        text = ["## Deadline rush\n"]
        for users, result, checked, last in rows:
            stats = result["stats"]
            agg = stats.get("Aggregated", {})
            head = f"### {users} concurrent browsers" + (
                " — the whole campaign to the end" if last else f" — {stage_seconds} s"
            )
            text.append(head + "\n")
            text.append(
                "| request | count | errors | req/s | p50 ms | p95 ms | p99 ms |\n"
                "|---|---:|---:|---:|---:|---:|---:|"
            )
            for name, s in stats.items():
                if name == "Aggregated":
                    continue
                text.append(
                    f"| {name} | {s['n']} | {s['fail']} | {s['rps']:.1f} | {s['p50']} "
                    f"| {s['p95']} | {s['p99']} |"
                )
            if agg:
                text.append(
                    f"| **all** | {agg['n']} | {agg['fail']} | {agg['rps']:.1f} | {agg['p50']} "
                    f"| {agg['p95']} | {agg['p99']} |"
                )
            text.append(
                f"\nAcknowledged: {checked['saves_acknowledged']} saves "
                f"({checked['answers_checked']} answers), {checked['uploads_acknowledged']} "
                f"uploads ({checked['upload_bytes'] / 1e6:.0f} MB), "
                f"{checked['links_acknowledged']} links, "
                f"{checked['submissions_acknowledged']} submissions. "
                f"**Lost or duplicated: {checked['problems']}**"
                + (f" ({'; '.join(checked['first_problems'][:5])})" if checked["problems"] else "")
                + ".\n"
            )
            if last:
                text.append(
                    f"Time to absorb the campaign: **{result['seconds']:.0f} s** "
                    f"({checked['submissions_acknowledged']} institutions submitted).\n"
                )
                self.summary["campaign_seconds"] = result["seconds"]
            if users == 50:
                save = stats.get("save answer (autosave)", {})
                self.summary["save_p95_at_50"] = save.get("p95")
                found, after = self.faults
                seconds = found.get("recovery_seconds")
                text.append(
                    "**Fault during this stage**: both workers killed (SIGKILL) and the broker "
                    "stopped for 10 s, a quarter into the stage. Time to recover after the "
                    "broker returned (the "
                    f"{found.get('backlog', 0)} receipts pending at that moment emailed, no "
                    "task left in the outbox): "
                    + (f"**{seconds:.1f} s**" if seconds is not None else "**not recovered**")
                    + f". After the stage: {after.get('submitted', 0)} submissions, "
                    f"{len(after.get('pending', []))} receipts missing, "
                    f"{after.get('duplicate_receipts', 0)} duplicated.\n"
                )
        self.sections.append("\n".join(text))

    def memory(self) -> None:
        """Peak RSS of each application worker: through the load steps so far (the
        kernel's high-water mark, VmHWM), then reset and measured again around one 20 MB
        evidence upload through the proxy."""
        import requests

        workers = [pid for master in self.app_masters for pid in _children(master.pid)]
        rush = {pid: _proc_kib(pid, "VmHWM") for pid in workers}
        for pid in workers:
            _reset_peak(pid)
        idle = {pid: _proc_kib(pid, "VmRSS") for pid in workers}
        plan = json.loads(self.new_period("Bench upload").read_text())
        inst = plan["institutions"][0]
        size = 20 * 1024 * 1024 - 4096  # just under the portal's 20 MiB limit
        content = unique_pdf(size, "bench-20mb")
        session = requests.Session()
        page = session.get(f"{self.host}/accounts/login/", timeout=30)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        session.post(
            f"{self.host}/accounts/login/",
            data={
                "username": f"bench-op-{inst['code']}",
                "password": plan["password"],
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            timeout=60,
        )
        started = time.monotonic()
        response = session.post(
            f"{self.host}/evaluations/{inst['evaluation']}/evidence/upload/",
            data={"indicator": plan["indicators"][0][0], "entry": 1, "title": "", "page_ref": ""},
            files={"file": ("renstra-20mb.pdf", content, "application/pdf")},
            headers={"X-CSRFToken": session.cookies.get("csrftoken", "")},
            timeout=300,
        )
        upload_seconds = time.monotonic() - started
        accepted = response.status_code == 200 and "alert-success" in response.text
        upload = {pid: _proc_kib(pid, "VmHWM") for pid in workers}
        served = max(workers, key=lambda pid: upload[pid] - idle[pid]) if workers else None
        mib = 1024
        peak_rush = max(rush.values(), default=0) / mib
        peak_upload = upload.get(served, 0) / mib
        grew = (upload.get(served, 0) - idle.get(served, 0)) / mib
        self.summary["rss_rush_mib"] = peak_rush
        self.summary["rss_upload_mib"] = peak_upload
        self.sections.append(
            "## Memory of the application workers\n\n"
            f"{len(workers)} gunicorn workers (two instances). Bound chosen: "
            f"**{RSS_BOUND_MIB} MiB per worker**: six workers then stay under 2 GiB, which "
            "leaves a 4 GiB server room for PostgreSQL's shared buffers, Redis, two Celery "
            "workers rendering PDFs and the page cache.\n\n"
            "| when | peak RSS per worker (MiB) | within the bound |\n|---|---:|---|\n"
            f"| ceiling, save and rush steps (highest of {len(workers)} workers; all: "
            + ", ".join(f"{v / mib:.0f}" for v in sorted(rush.values()))
            + f") | {peak_rush:.0f} | {'yes' if peak_rush <= RSS_BOUND_MIB else '**no**'} |\n"
            f"| one {size / 2**20:.0f} MiB evidence PDF uploaded and checked "
            f"({'accepted' if accepted else f'NOT accepted: HTTP {response.status_code}'}, "
            f"{upload_seconds:.1f} s) | {peak_upload:.0f} (+{grew:.0f} over its idle RSS) "
            f"| {'yes' if peak_upload <= RSS_BOUND_MIB else '**no**'} |\n\n"
            "Django keeps an upload over 5 MiB in a temporary file, and the evidence check "
            "hashes it in chunks and lets pypdf read it in place: the growth is about one "
            "copy of the file (pypdf's parsed content stream), not the three of reading it "
            "whole.\n"
        )

    def targets(self) -> str:
        """The figures the write path is held to, each against its baseline of this run
        (reported, never asserted: the machine's load decides a run's noise)."""
        get = self.summary.get
        rows = [
            ("Autosave throughput / ceiling", f"{get('save_ratio', 0):.2f}", ">= 0.70"),
            ("Autosave p95 / ceiling p95", f"{get('save_p95_ratio', 0):.2f}", "<= 2.0"),
        ]
        if "campaign_seconds" in self.summary and not self.quick:
            rows.append(
                (
                    "Whole campaign at 200 browsers (s)",
                    f"{get('campaign_seconds'):.0f}",
                    "<= 700 (half of the 1,400 s before)",
                )
            )
        rows.append(
            ("Lost or duplicated writes", str(len(get("lost", []))), "0"),
        )
        if "rss_rush_mib" in self.summary:
            bound = f"<= {RSS_BOUND_MIB}"
            rows.append(("Peak RSS per worker, load (MiB)", f"{get('rss_rush_mib'):.0f}", bound))
            rows.append(
                (
                    "Peak RSS per worker, 20 MB upload (MiB)",
                    f"{get('rss_upload_mib'):.0f}",
                    bound,
                )
            )
        lines = ["## Targets\n", "| figure | this run | target |", "|---|---:|---|"]
        lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
        lines.append(
            "\nSign-in CPU per request: the Sign-in section (target: a third of PBKDF2's).\n"
        )
        return "\n".join(lines) + "\n"

    def helper_bench(self, title: str, *args: str, timeout: float = 7200) -> None:
        self.say(title)
        result = self.run(PY, *args, timeout=timeout, check=False)
        body = result.stdout.strip() or result.stderr.strip()[-3000:]
        status = "" if result.returncode == 0 else f"\n\n(exit code {result.returncode})"
        self.sections.append(f"## {title}\n\n{body}{status}\n")

    def header(self) -> str:
        mem = ""
        try:
            with open("/proc/meminfo") as fh:
                mem = f"{int(fh.readline().split()[1]) / 1024 / 1024:.1f} GiB"
        except OSError:
            pass
        versions = {}
        for name in ("django", "celery", "weasyprint", "gunicorn", "locust", "psycopg2"):
            try:
                from importlib.metadata import version

                versions[name] = version(name if name != "psycopg2" else "psycopg2-binary")
            except Exception:
                versions[name] = "?"
        pg = self.run(
            "psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "SHOW server_version", check=False
        ).stdout.strip()
        return (
            f"# SPBE portal benchmark{' (quick)' if self.quick else ''}\n\n"
            f"{time.strftime('%Y-%m-%d %H:%M %Z')} · {os.cpu_count()} cores · {mem} · "
            f"Python {platform.python_version()} · PostgreSQL {pg} · "
            + " · ".join(f"{k} {v}" for k, v in versions.items())
            + f"\n\nServer: gunicorn {self.summary.get('gunicorn')}, behind "
            f"{self.summary.get('proxy')}; DEBUG off, Redis cache, a "
            "broker of the bench's own (redis-server), Celery workers for the interactive and "
            "the bulk queue (one process each) and beat; load generator (locust) on the same "
            f"machine. {self.maintenance.describe()}.\n"
        )

    def main(self) -> int:
        try:
            self.database()
            self.maintenance.start()
            self.flush_queues()
            self.serve()
            self.ceiling_vs_save()
            self.rush()
            self.memory()
            self.stop_all()  # the helper benchmarks start their own workers
            dash_args = ["bench/bench_dashboard.py", "--requests", "20" if self.quick else "60"]
            if not self.quick:
                dash_args.append("--exports")
            self.helper_bench("Ministry dashboard at 623 institutions", *dash_args)
            self.helper_bench(
                "Sign-in", "bench/bench_signin.py", "--rounds", "5" if self.quick else "20"
            )
            if not self.quick:
                # Builds two periods of 623 x 47 answers: minutes, so only in the full run.
                self.helper_bench(
                    "Analytics and agreement at 623 institutions x 47 indicators",
                    "bench/bench_analytics.py",
                    "--requests",
                    "15",
                )
            report_args = ["bench/bench_reports.py", "--runs", "3" if self.quick else "10"]
            if self.quick:
                report_args.append("--skip-bulk")
            self.helper_bench("Reports", *report_args)
        finally:
            self.maintenance.stop()
            self.stop_all()
        RESULTS.mkdir(parents=True, exist_ok=True)
        text = self.header() + "\n" + self.targets() + "\n" + "\n".join(self.sections)
        out = RESULTS / f"bench-{'quick-' if self.quick else ''}{time.strftime('%Y%m%d-%H%M%S')}.md"
        out.write_text(text)
        print(text)
        print(f"\nWritten to {out.relative_to(ROOT)}")
        shutil.rmtree(self.work / "media", ignore_errors=True)
        return 1 if self.summary.get("lost") else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--keep-db", action="store_true", help="reuse spbe_bench if present")
    options = parser.parse_args()
    fresh = not (options.keep_db or options.quick)
    sys.exit(Bench(quick=options.quick, port=options.port, fresh=fresh).main())
