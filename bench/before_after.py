"""The campaign of an earlier commit and of this checkout, one after the other on the
same machine, through the same harness: how much faster the portal absorbs deadline
day than the code it replaced, as a ratio that does not depend on how fast the
machine is that day.

The campaign's time in seconds follows the machine: the same code took 678 s on a
host whose reference computation (`sections.reference_ms`) ran in 30 ms and 1,031 s
on one that ran it in 36-55 ms. A target stated against an earlier run's seconds can
therefore only be checked against the earlier code run again here, now.

How: the earlier commit's files are exported (`git archive`) into a temporary folder,
its `bench/` and `deploy/Caddyfile` are replaced by this checkout's (the same load,
the same proxy, the same servers, threads, checks and CPU accounting) and it runs on
this checkout's virtualenv (its interpreter runs both). Then
`bench/run.py --campaign N --fresh` runs in that folder and in this checkout, each on a
freshly migrated `spbe_bench` database of its own schema. The table gives both times,
what each lost (both must be 0 for the ratio to mean anything; the exit status says so)
and this checkout's time over the earlier code's.

  python bench/before_after.py                      the whole campaign (623), 40-55 min
  python bench/before_after.py --campaign 80        a slice, about 8 minutes
  python bench/before_after.py --before <commit>    another earlier state

The default earlier state is the last commit before the autosave was cut from nine
queries to six: the write path as it stood when deadline day took 1,400 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import sections  # noqa: E402 - after the path that finds it

BEFORE = "8b84b78"
TIME_RE = re.compile(r"Time to absorb the campaign: \*\*(\d+) s\*\* \((\d+) institutions")
LOST_RE = re.compile(r"\*\*Lost or duplicated: (\d+)\*\*")
CPU_RE = re.compile(r"^\| (.+?) \| (\d+) \| ([\d.]+) \| (\d+) % \|$", re.M)


def git(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, **kw)


def export(commit: str, into: Path) -> str:
    """The commit's files in `into`, with this checkout's benchmark; returns its full id."""
    full = git("rev-parse", "--verify", f"{commit}^{{commit}}", text=True).stdout.strip()
    archive = git("archive", "--format=tar", full).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    shutil.rmtree(into / "bench")
    shutil.copytree(ROOT / "bench", into / "bench", ignore=shutil.ignore_patterns("results"))
    (into / "bench" / "results").mkdir()
    shutil.copy2(ROOT / "deploy" / "Caddyfile", into / "deploy" / "Caddyfile")
    return full


def campaign(tree: Path, institutions: int, users: int) -> dict:
    """`bench/run.py --campaign` in `tree`, on a database migrated by that tree's code.
    A run that lost writes still reports (its exit status is 1); one with no report stops
    the comparison."""
    speed = sections.reference_ms()
    command = ["bench/run.py", "--campaign", str(institutions), "--users", str(users), "--fresh"]
    run = subprocess.run([sys.executable, *command], cwd=tree, capture_output=True, text=True)
    found = parse(run.stdout)
    if found is None:
        sys.stderr.write(run.stdout[-3000:] + run.stderr[-3000:])
        raise SystemExit(f"the campaign in {tree} did not finish (exit status {run.returncode})")
    return {**found, "speed": (speed, sections.reference_ms())}


def parse(out: str) -> dict | None:
    """The figures of `bench/run.py --campaign`'s report (bench/sections.py writes it);
    None when it has no campaign time or no check of lost writes."""
    timed, lost = TIME_RE.search(out), LOST_RE.findall(out)
    if not timed or not lost:
        return None
    return {
        "seconds": int(timed.group(1)),
        "submitted": int(timed.group(2)),
        "lost": sum(int(n) for n in lost),
        "cpu": {name: (float(s), float(per)) for name, s, per, _ in CPU_RE.findall(out)},
        "report": out,
    }


def table(before: dict, after: dict, commit: str, here: str, institutions: int, users: int):
    ratio = after["seconds"] / before["seconds"]
    groups = list(after["cpu"])
    lines = [
        f"## Campaign before and after: {institutions} institutions at {users} browsers",
        "",
        f"Before: {commit[:10]} with this checkout's bench/ and Caddyfile; after: {here[:10]}"
        " (this checkout). Same machine, same harness, one after the other.",
        "",
        "| figure | before | after |",
        "|---|---:|---:|",
        f"| time to absorb the campaign (s) | {before['seconds']} | {after['seconds']} |",
        f"| institutions submitted | {before['submitted']} | {after['submitted']} |",
        f"| lost or duplicated | {before['lost']} | {after['lost']} |",
    ]
    for name in groups:
        b = before["cpu"].get(name, (0.0, 0.0))[1]
        lines.append(f"| CPU per institution (s): {name} | {b:.2f} | {after['cpu'][name][1]:.2f} |")
    lines += [
        "| machine speed, start / end (ms) | {:.1f} / {:.1f} | {:.1f} / {:.1f} |".format(
            *before["speed"], *after["speed"]
        ),
        "",
        f"**After / before = {ratio:.2f}** (target: at most 0.5).",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=BEFORE, help="the earlier commit")
    parser.add_argument("--campaign", type=int, default=623, metavar="N")
    parser.add_argument("--users", type=int, default=200)
    options = parser.parse_args()
    here = git("rev-parse", "HEAD", text=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="spbe-before-") as tmp:
        tree = Path(tmp)
        commit = export(options.before, tree)
        print(f"before: {commit[:10]} in {tree}", flush=True)
        before = campaign(tree, options.campaign, options.users)
        print(f"before: {before['seconds']} s", flush=True)
    after = campaign(ROOT, options.campaign, options.users)
    print(f"after: {after['seconds']} s", flush=True)
    text = table(before, after, commit, here, options.campaign, options.users)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    out = ROOT / "bench" / "results" / f"before-after-{stamp}.md"
    out.parent.mkdir(exist_ok=True)
    reports = f"\n### Before\n\n{before['report']}\n### After\n\n{after['report']}"
    out.write_text(text + reports)
    print(text)
    print(f"Written to {out.relative_to(ROOT)}")
    return 0 if before["lost"] == after["lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
