"""`make bench`: the deadline-day load on one small server, each figure against a
baseline measured in the same run.

What it does (see bench/README.md for how to read the table):
1. A fresh PostgreSQL database (spbe_bench), the roster, two staff accounts per
   institution and the released 2019 campaign (bench/setup_data.py).
2. The portal as in production: two gunicorn instances behind Caddy (one worker
   process per core in all, 4 threads each),
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

  python bench/run.py            the whole benchmark (about 45 minutes here)
  python bench/run.py --quick    a smaller run for checking a change (about 3.5 minutes here)
  python bench/run.py --campaign 60 [--users 200]
                                 only the campaign stage for 60 institutions: its time
                                 and where the CPU went (reuses the database;
                                 --fresh drops it and migrates a new one)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
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
from bench import memory, sections  # noqa: E402 - after the path that finds them
from bench.load import LoadSteps  # noqa: E402
from bench.maintenance import Maintenance  # noqa: E402

RESULTS = ROOT / "bench" / "results"
PY = sys.executable
BIN = Path(PY).parent
DB_NAME = "spbe_bench"
PG = "postgres://postgres@127.0.0.1:5432"


# The quick run's campaign: enough institutions for the fault step to land in the middle
# of submissions, few enough for the whole run to stay a check of a few minutes.
QUICK_INSTITUTIONS = 16

# A request kind locust never completed in a run (e.g. every user still signing in on an
# overloaded machine): reported as zeros instead of stopping the benchmark.
NO_REQUESTS = {"n": 0, "fail": 0, "rps": 0.0, "p50": "0", "p95": "0", "p99": "0"}


class Bench(LoadSteps):
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
        # The campaign's receipts after its last submission (bench/load.py, receipts_after).
        self.receipts: dict = {}
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

    @contextlib.contextmanager
    def step(self, name: str):
        """Time one step of the run: the header lists them, so a slow run says where."""
        started = time.monotonic()
        try:
            yield
        finally:
            self.summary.setdefault("steps", []).append((name, time.monotonic() - started))

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
        """Drop what a previous run left to do, so that this run's workers render only
        this run's files: the tasks in the bench's Redis database, and the files still
        queued or rendering in the reused database. Without the second, the portal's
        reclaim job finds those rows (their messages flushed) and sends them again, and
        the worker renders hundreds of old receipts in the middle of the measurements
        (seen: a quick run after a full one recovered from the fault in 183 s instead of
        28, busy with the full run's 306 receipts)."""
        import redis

        redis.Redis.from_url(self.env["BENCH_CELERY_BROKER_URL"]).flushdb()
        self.run(PY, "bench/recovery.py", "retire")

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
        # One worker process per core in all (Python runs one thread at a time in a
        # process), four threads each to overlap the waits on PostgreSQL. Measured on
        # the campaign (--campaign 80, runs alternated): 13 % less CPU in the
        # application servers than 2 x 3 processes of 4 threads (fewer processes
        # competing for the two cores and their caches); against eight threads, 5 %
        # less CPU per institution (2.81 s against 2.95 s, three runs against two on a
        # slow host day; more threads only queue for the interpreter lock and hold more
        # database connections); three threads were no better than four.
        # BENCH_WORKERS and BENCH_THREADS override it.
        workers = int(os.environ.get("BENCH_WORKERS", max(1, cores // 2)))  # per instance
        threads = os.environ.get("BENCH_THREADS", "4")
        self.app_hosts = [f"127.0.0.1:{self.port + 1}", f"127.0.0.1:{self.port + 2}"]
        self.summary["gunicorn"] = (
            f"2 instances x {workers} workers x {threads} threads (gthread), ports "
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
                threads,
                "--timeout",
                "120",
                # Longer than Caddy keeps an idle upstream connection (deploy/Caddyfile).
                "--keep-alive",
                "75",
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
        self.sections.append(sections.save_vs_ceiling(users, seconds, c, s, ratio, checked))
        self.sections.append(
            sections.request_cpu(
                [
                    ("ceiling, before", before, c1["n"]),
                    ("autosave", save, s["n"]),
                    ("ceiling, after", after, c2["n"]),
                ]
            )
        )
        if direct is not None:
            self.sections.append(sections.proxy_cost(c, direct))

    def rush(self) -> None:
        levels = [10, 50] if self.quick else [10, 50, 200]
        # Timed stages. The full run's 50-browser stage is long enough for its first
        # institutions to submit (about two minutes each at that load), so that the
        # fault in it meets receipts in flight.
        stage_seconds = {10: 15} if self.quick else {10: 60, 50: 150}
        rows = []
        for users in levels:
            last = users == levels[-1]
            plan = self.new_period(f"Bench rush {users}")
            limit = 0
            seconds = stage_seconds.get(users, 0)
            if last:
                # The whole campaign, to the end (quick: a slice of it).
                limit = QUICK_INSTITUTIONS if self.quick else 0
                seconds = 3600 * 3
            self.say(f"rush at {users} browsers" + (" (whole campaign)" if last else ""))
            found: dict = {}
            fault = None
            if users == 50:
                # The fault lands once submissions are coming in (their receipts are what
                # it puts at risk), at the latest three quarters into a timed stage.
                latest = seconds * 0.75 if not last else 120
                fault = threading.Thread(target=self.fault, args=(plan, latest, found))
                fault.start()
            with self.step(f"rush at {users} browsers"):
                result = self.locust(
                    plan=plan,
                    scenario="campaign",
                    users=users,
                    seconds=seconds,
                    label=f"rush-{users}",
                    limit=limit,
                )
            if last and not self.quick:
                with self.step("receipts after the campaign"):
                    self.receipts = self.receipts_after(plan, timeout=1200)
                if self.receipts["pending_after"] or self.receipts["duplicate_receipts"]:
                    self.summary.setdefault("lost", []).append(f"receipts: {self.receipts}")
            if fault is not None:
                with self.step("fault: recovery and receipts"):
                    fault.join()
                    after = self.after_fault(plan)
                self.faults = (found, after)
                if after["pending"] or after["duplicate_receipts"]:
                    self.summary.setdefault("lost", []).append(f"after the fault: {after}")
            with self.step(f"verify the {users}-browser stage"):
                checked = self.verify(result["acks"])
            rows.append((users, result, checked, last))
            if checked["problems"]:
                self.summary.setdefault("lost", []).extend(checked["first_problems"])
        for users, result, _checked, last in rows:
            if last:
                self.summary["campaign_seconds"] = result["seconds"]
            if users == 50:
                save = result["stats"].get("save answer (autosave)", {})
                self.summary["save_p95_at_50"] = save.get("p95")
        self.sections.append(sections.rush(rows, stage_seconds, self.faults, self.receipts))

    def memory(self) -> None:
        """Peak RSS of each application worker under the load so far, then around one
        20 MiB evidence upload through the proxy (bench/memory.py)."""
        plan = json.loads(self.new_period("Bench upload").read_text())
        workers = [pid for master in self.app_masters for pid in memory.children(master.pid)]
        found = memory.measure(self.host, plan, workers)
        self.summary["rss_rush_mib"] = found["peak_rush"]
        self.summary["rss_upload_mib"] = found["peak_upload"]
        self.sections.append(sections.memory(found))

    def helper_bench(self, title: str, *args: str, timeout: float = 7200) -> None:
        self.say(title)
        with self.step(title):
            result = self.run(PY, *args, timeout=timeout, check=False)
        body = result.stdout.strip() or result.stderr.strip()[-3000:]
        status = "" if result.returncode == 0 else f"\n\n(exit code {result.returncode})"
        self.sections.append(f"## {title}\n\n{body}{status}\n")

    def header(self) -> str:
        pg = self.run(
            "psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "SHOW server_version", check=False
        ).stdout.strip()
        return sections.header(self.quick, self.summary, pg, self.maintenance.describe())

    def campaign_only(self, institutions: int, users: int) -> int:
        """Only the campaign stage, for a slice of the institutions: how long they take
        and where the CPU goes, to check a change to the write path in minutes."""
        try:
            self.database()
            self.maintenance.start()
            self.flush_queues()
            self.serve()
            plan = self.new_period(f"Bench campaign {users}")
            self.say(f"campaign: {institutions} institutions at {users} browsers")
            result = self.locust(
                plan=plan,
                scenario="campaign",
                users=users,
                seconds=3600 * 3,
                label=f"campaign-{users}",
                limit=institutions,
            )
            checked = self.verify(result["acks"])
        finally:
            self.maintenance.stop()
            self.stop_all()
        text = sections.rush([(users, result, checked, True)], {}, ({}, {}))
        done = checked["submissions_acknowledged"]
        if done:
            text += (
                f"\n{60 * done / result['seconds']:.1f} institutions a minute; at that pace "
                f"the 623 would take about {623 * result['seconds'] / done:.0f} s.\n"
            )
        print(text)
        return 1 if checked["problems"] else 0

    def main(self) -> int:
        self.summary["reference_start_ms"] = sections.reference_ms()
        try:
            with self.step("database, seed"):
                self.database()
            self.maintenance.start()
            self.flush_queues()
            with self.step("servers up"):
                self.serve()
            with self.step("save vs ceiling, proxy"):
                self.ceiling_vs_save()
            self.rush()
            with self.step("memory"):
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
        self.summary["reference_end_ms"] = sections.reference_ms()
        RESULTS.mkdir(parents=True, exist_ok=True)
        text = (
            self.header()
            + "\n"
            + sections.targets(self.summary, self.quick)
            + "\n"
            + "\n".join(self.sections)
        )
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
    parser.add_argument(
        "--campaign",
        type=int,
        metavar="N",
        help="only the campaign stage, for the first N institutions (reuses spbe_bench)",
    )
    parser.add_argument("--users", type=int, default=200, help="browsers for --campaign")
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="drop spbe_bench and build it again even with --campaign or --quick "
        "(bench/before_after.py: each commit migrates its own schema)",
    )
    options = parser.parse_args()
    fresh = options.fresh or not (options.keep_db or options.quick or options.campaign)
    bench = Bench(quick=options.quick, port=options.port, fresh=fresh)
    if options.campaign:
        sys.exit(bench.campaign_only(options.campaign, options.users))
    sys.exit(bench.main())
