"""The benchmark's load steps, apart from the order of the run (bench/run.py): one locust
run and its figures (with the CPU each group of processes used), the nothing-lost check,
and the fault injected into a rush stage with its recovery probe. A mixin of
`bench.run.Bench`, whose processes, environment and helpers (`run`, `say`, `start_broker`,
`start_workers`) these steps use.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import sys
import time
from pathlib import Path

from bench import cpu

PY = sys.executable
BIN = Path(PY).parent


class LoadSteps:
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
        cpu_before, locust_before = cpu.sample(), cpu.children_seconds()
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
        used = cpu.used(cpu_before, cpu.sample())
        used["load generator (locust)"] += cpu.children_seconds() - locust_before
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
        return {"stats": stats, "acks": acks, "seconds": elapsed, "cpu": used}

    def verify(self, acks: Path) -> dict:
        result = self.run(PY, "bench/verify.py", str(acks), check=False)
        return json.loads(result.stdout)

    # --- the measurements -----------------------------------------------------------
    def probe(self, period_id: int) -> dict:
        out = self.run(PY, "bench/recovery.py", str(period_id), check=False).stdout
        return json.loads(out.strip().splitlines()[-1])

    def fault(self, plan: Path, latest: float, found: dict) -> None:
        """During a rush stage, once the first submissions are recorded (or `latest`
        seconds in): SIGKILL the workers and stop the broker for 10 s, bring both back,
        then time how long until what was pending is through: the receipts of the
        submissions acknowledged so far emailed, no task left in the outbox."""
        period_id = json.loads(plan.read_text())["period_id"]
        started = time.monotonic()
        while time.monotonic() - started < latest and not self.probe(period_id)["submitted"]:
            time.sleep(0.5)
        found["at_seconds"] = time.monotonic() - started
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

    def _wait_for_receipts(self, plan: Path, timeout: float) -> tuple[dict, dict, float | None]:
        """Probe until every submission's receipt is emailed and the outbox is empty, or
        `timeout` seconds: (the first state, the last, the seconds it took or None)."""
        period_id = json.loads(plan.read_text())["period_id"]
        started = time.monotonic()
        state = first = self.probe(period_id)
        while state["pending"] or state["outbox"]:
            if time.monotonic() - started > timeout:
                return first, state, None
            time.sleep(2)
            state = self.probe(period_id)
        return first, state, time.monotonic() - started

    def receipts_after(self, plan: Path, timeout: float) -> dict:
        """Once the campaign's last institution has submitted: how many receipts were
        already emailed, then how long until every one was (the interactive worker
        renders them one after another, with the share of the cores the rush left it)."""
        first, last, seconds = self._wait_for_receipts(plan, timeout)
        return {
            "submitted": first["submitted"],
            "pending_at_end": len(first["pending"]),
            "pending_after": len(last["pending"]),
            "duplicate_receipts": last["duplicate_receipts"],
            "seconds": seconds,
            "timeout": timeout,
        }

    def after_fault(self, plan: Path) -> dict:
        """Once the stage is over: every acknowledged submission's receipt emailed once."""
        return self._wait_for_receipts(plan, 300)[1]
