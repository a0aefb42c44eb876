"""The markdown sections of the benchmark's report, from the figures bench/run.py
measured (kept apart so that run.py reads as the order of the steps)."""

from __future__ import annotations

import hashlib
import os
import platform
import time
from importlib.metadata import PackageNotFoundError, version

from bench.cpu import GROUPS
from bench.memory import RSS_BOUND_MIB


def _within(mib: float) -> str:
    return "yes" if mib <= RSS_BOUND_MIB else "**no**"


def save_vs_ceiling(users: int, seconds: int, c: dict, s: dict, ratio: float, checked: dict):
    return (
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


def request_cpu(runs: list[tuple[str, dict, int]]) -> str:
    """CPU ms per request of each group of processes in the ceiling and save runs.

    `runs`: (label, the locust run's result, its requests). Each run's CPU includes
    its users' sign-ins and the load generator's start, spread over its requests. The
    last row says how busy the cores were: a run well below 100 % is held back by
    waits (locks, commits), not by the CPU a request costs.
    """
    cores = os.cpu_count() or 1
    names = [name for name, _needle in GROUPS if any(r["cpu"].get(name) for _l, r, _n in runs)]
    rows = [
        "| processes | " + " | ".join(label for label, _r, _n in runs) + " |",
        "|---|" + "---:|" * len(runs),
    ]
    for name in names:
        cells = [f"{1000 * r['cpu'].get(name, 0.0) / max(n, 1):.2f}" for _l, r, n in runs]
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    totals = [f"{1000 * sum(r['cpu'].values()) / max(n, 1):.2f}" for _l, r, n in runs]
    rows.append("| all | " + " | ".join(f"**{t}**" for t in totals) + " |")
    busy = [f"{100 * sum(r['cpu'].values()) / (cores * r['seconds']):.0f} %" for _l, r, _n in runs]
    rows.append(f"| {cores} cores busy | " + " | ".join(busy) + " |")
    return (
        "### CPU per request\n\n"
        "CPU ms per request of each group of processes (bench/cpu.py), in the same runs:\n\n"
        + "\n".join(rows)
        + "\n"
    )


def proxy_cost(c: dict, direct: dict) -> str:
    cost = (c["rps"] / direct["rps"]) if direct["rps"] else 0.0
    return (
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


def _stage_table(stats: dict) -> list[str]:
    lines = [
        "| request | count | errors | req/s | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, s in stats.items():
        if name != "Aggregated":
            lines.append(
                f"| {name} | {s['n']} | {s['fail']} | {s['rps']:.1f} | {s['p50']} "
                f"| {s['p95']} | {s['p99']} |"
            )
    agg = stats.get("Aggregated")
    if agg:
        lines.append(
            f"| **all** | {agg['n']} | {agg['fail']} | {agg['rps']:.1f} | {agg['p50']} "
            f"| {agg['p95']} | {agg['p99']} |"
        )
    return lines


def _acknowledged(checked: dict) -> str:
    return (
        f"\nAcknowledged: {checked['saves_acknowledged']} saves "
        f"({checked['answers_checked']} answers), {checked['uploads_acknowledged']} "
        f"uploads ({checked['upload_bytes'] / 1e6:.0f} MB), "
        f"{checked['links_acknowledged']} links, "
        f"{checked['submissions_acknowledged']} submissions. "
        f"**Lost or duplicated: {checked['problems']}**"
        + (f" ({'; '.join(checked['first_problems'][:5])})" if checked["problems"] else "")
        + ".\n"
    )


def _fault(found: dict, after: dict) -> str:
    seconds = found.get("recovery_seconds")
    return (
        "**Fault during this stage**: both workers killed (SIGKILL) and the broker "
        f"stopped for 10 s, {found.get('at_seconds', 0):.0f} s into the stage (once the "
        "first submissions were recorded). Time to recover after the "
        "broker returned (the "
        f"{found.get('backlog', 0)} receipts pending at that moment emailed, no "
        "task left in the outbox): "
        + (f"**{seconds:.1f} s**" if seconds is not None else "**not recovered**")
        + f". After the stage: {after.get('submitted', 0)} submissions, "
        f"{len(after.get('pending', []))} receipts missing, "
        f"{after.get('duplicate_receipts', 0)} duplicated.\n"
    )


def rush(
    rows: list, stage_seconds: dict, faults: tuple[dict, dict], receipts: dict | None = None
) -> str:
    """rows: (users, locust result, verify result, is the whole-campaign stage);
    receipts: the campaign's receipts after its last submission (load.receipts_after)."""
    text = ["## Deadline rush\n"]
    for users, result, checked, last in rows:
        head = f"### {users} concurrent browsers" + (
            " — the whole campaign to the end" if last else f" — {stage_seconds[users]} s"
        )
        text.append(head + "\n")
        text += _stage_table(result["stats"])
        text.append(_acknowledged(checked))
        if last:
            text.append(
                f"Time to absorb the campaign: **{result['seconds']:.0f} s** "
                f"({checked['submissions_acknowledged']} institutions submitted).\n"
            )
            if receipts:
                text.append(_receipts(receipts))
            text.append(cpu_table(result, checked["submissions_acknowledged"]))
        if users == 50:
            text.append(_fault(*faults))
    return "\n".join(text)


def _receipts(found: dict) -> str:
    """The receipts are rendered and emailed by the interactive worker, outside the
    requests: the campaign's time stops at the last submission, this says how far
    behind the receipts were then and when they caught up."""
    done = found["submitted"] - found["pending_at_end"]
    caught_up = (
        f"all emailed **{found['seconds']:.0f} s** after it"
        if found["seconds"] is not None
        else f"**{found['pending_after']} still not emailed** {found['timeout']:.0f} s after it"
    )
    return (
        f"Receipts: {done} of {found['submitted']} emailed when the last institution "
        f"submitted; {caught_up} (one interactive worker process renders them one after "
        f"another); {found['duplicate_receipts']} duplicated.\n"
    )


def cpu_table(result: dict, institutions: int) -> str:
    """Where the campaign's CPU went (bench/cpu.py), per group of processes."""
    used = result.get("cpu") or {}
    total = sum(used.values())
    if not total or not institutions:
        return ""
    cores = os.cpu_count() or 1
    rows = [
        "| processes | CPU s | per institution (s) | share |",
        "|---|---:|---:|---:|",
    ]
    for name, seconds in sorted(used.items(), key=lambda item: -item[1]):
        rows.append(
            f"| {name} | {seconds:.0f} | {seconds / institutions:.2f} | "
            f"{100 * seconds / total:.0f} % |"
        )
    busy = 100 * total / (cores * result["seconds"])
    rows.append(f"| all | {total:.0f} | {total / institutions:.2f} | 100 % |")
    return (
        f"Where the CPU went ({cores} cores busy {busy:.0f} % of the stage):\n\n"
        + "\n".join(rows)
        + "\n"
    )


def memory(found: dict) -> str:
    """The workers' peak RSS (bench/memory.py's figures) against the bound."""
    upload_state = "accepted" if found["accepted"] else f"NOT accepted: HTTP {found['status']}"
    return (
        "## Memory of the application workers\n\n"
        f"{found['workers']} gunicorn workers (two instances). Bound chosen: "
        f"**{RSS_BOUND_MIB} MiB per worker** of four threads (its idle size, four "
        "evidence uploads at once and what the rush's pages leave allocated): the two "
        "workers of a 2-core server then take 1 GiB, which leaves a 4 GiB server room "
        "for PostgreSQL's shared buffers, Redis, two Celery workers rendering PDFs and "
        "the page cache.\n\n"
        "| when | peak RSS per worker (MiB) | within the bound |\n|---|---:|---|\n"
        f"| ceiling, save and rush steps (highest of {found['workers']} workers; all: "
        + ", ".join(f"{v:.0f}" for v in found["rush_all"])
        + f") | {found['peak_rush']:.0f} | {_within(found['peak_rush'])} |\n"
        f"| one {found['size_mib']:.0f} MiB evidence PDF uploaded and checked "
        f"({upload_state}, {found['upload_seconds']:.1f} s) | {found['peak_upload']:.0f} "
        f"(+{found['grew']:.0f} over its idle RSS) | {_within(found['peak_upload'])} |\n\n"
        "Django keeps an upload over 5 MiB in a temporary file, and the evidence check "
        "hashes it in chunks and lets pypdf read it in place: the growth is about one "
        "copy of the file (pypdf's parsed content stream), not the three of reading it "
        "whole.\n"
    )


def targets(summary: dict, quick: bool) -> str:
    """The figures the write path is held to, each against its baseline of this run
    (reported, never asserted: the machine's load decides a run's noise)."""
    get = summary.get
    rows = [
        ("Autosave throughput / ceiling", f"{get('save_ratio', 0):.2f}", ">= 0.70"),
        ("Autosave p95 / ceiling p95", f"{get('save_p95_ratio', 0):.2f}", "<= 2.0"),
    ]
    if "campaign_seconds" in summary and not quick:
        rows.append(
            (
                "Whole campaign at 200 browsers (s)",
                f"{get('campaign_seconds'):.0f}",
                # Seconds follow the machine's speed that day: the ratio to the code
                # before, run again on the same machine, is bench/before_after.py's.
                "<= 700 (half of the 1,400 s before); after / before: `make bench-before-after`",
            )
        )
    rows.append(
        ("Lost or duplicated writes", str(len(get("lost", []))), "0"),
    )
    if "rss_rush_mib" in summary:
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
    lines.append("\nSign-in CPU per request: the Sign-in section (target: a third of PBKDF2's).\n")
    return "\n".join(lines) + "\n"


def header(quick: bool, summary: dict, pg_version: str, upkeep: str) -> str:
    """The run's title line: when, the machine, the versions, how the portal was served."""
    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            mem = f"{int(fh.readline().split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    versions = {}
    for name in ("django", "celery", "weasyprint", "gunicorn", "locust", "psycopg2"):
        try:
            versions[name] = version(name if name != "psycopg2" else "psycopg2-binary")
        except PackageNotFoundError:
            versions[name] = "?"
    return (
        f"# SPBE portal benchmark{' (quick)' if quick else ''}\n\n"
        f"{time.strftime('%Y-%m-%d %H:%M %Z')} · {os.cpu_count()} cores · {mem} · "
        f"Python {platform.python_version()} · PostgreSQL {pg_version} · "
        + " · ".join(f"{k} {v}" for k, v in versions.items())
        + f"\n\nServer: gunicorn {summary.get('gunicorn')}, behind "
        f"{summary.get('proxy')}; DEBUG off, Redis cache, a "
        "broker of the bench's own (redis-server), Celery workers for the interactive and "
        "the bulk queue (one process each) and beat; load generator (locust) on the same "
        f"machine. {upkeep}.\n" + _reference(summary) + _steps(summary.get("steps", []))
    )


def reference_ms() -> float:
    """This machine's speed now: CPU ms of a fixed piece of pure computation (PBKDF2-SHA256,
    100,000 iterations, median of 7), with nothing else of the bench running.

    The targets are ratios inside one run, but the campaign's time is in seconds, and the
    same machine has been seen to run a tenth slower an hour later (a shared host). The
    header gives this reference at the start and the end of the run, so that two runs'
    times can be compared in its units."""
    samples = []
    for _ in range(7):
        started = time.process_time()
        hashlib.pbkdf2_hmac("sha256", b"reference", b"spbe-bench", 100_000)
        samples.append((time.process_time() - started) * 1000)
    return sorted(samples)[len(samples) // 2]


def _reference(summary: dict) -> str:
    start, end = summary.get("reference_start_ms"), summary.get("reference_end_ms")
    if start is None:
        return ""
    text = "\nMachine speed (a reference computation, ms of CPU; lower is faster): "
    text += f"{start:.1f} at the start"
    if end is not None:
        text += f", {end:.1f} at the end"
    return text + ".\n"


def _steps(steps: list) -> str:
    if not steps:
        return ""
    total = sum(seconds for _name, seconds in steps)
    return (
        f"\nSteps ({total / 60:.1f} min): "
        + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in steps)
        + ".\n"
    )
