"""Peak memory of the application workers, from the kernel's own figures (/proc).

`measure` reads each gunicorn worker's high-water mark (VmHWM) after the load steps,
resets it, uploads one 20 MiB evidence PDF through the proxy and reads it again: the
serving worker's growth is what checking a large file costs.
"""

from __future__ import annotations

import contextlib
import re
import time
from pathlib import Path

from bench.pdfs import unique_pdf

# The memory bound per application worker the benchmark reports against. A worker is
# one process per core with four threads: its idle size (about 160 MiB), four requests
# at once holding an evidence upload each (Django keeps up to 5 MiB in memory, and
# pypdf's parse of it about as much again), and what the rush's pages leave allocated
# (a worker of eight threads peaked at about 410 MiB), rounded up: 512 MiB. The two
# workers of the 2-core reference server then take 1 GiB, which leaves a 4 GiB server
# room for PostgreSQL's shared buffers, Redis, two Celery workers rendering PDFs and
# the page cache. (Six workers of four threads each had 300 MiB each, 1.8 GiB in all.)
RSS_BOUND_MIB = 512
MIB = 1024  # the /proc figures are in KiB


def children(pid: int) -> list[int]:
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


def proc_kib(pid: int, key: str) -> int:
    """A memory figure of /proc/<pid>/status in KiB (VmRSS now, VmHWM the peak)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def reset_peak(pid: int) -> None:
    """Start the kernel's peak RSS (VmHWM) of `pid` again from its current RSS."""
    with contextlib.suppress(OSError):  # an older kernel: the figure is then since start
        Path(f"/proc/{pid}/clear_refs").write_text("5")


def measure(host: str, plan: dict, workers: list[int]) -> dict:
    """The workers' peaks under the load so far, then around one 20 MiB upload through
    `host` by the first institution of `plan` (an open period of the bench's)."""
    import requests

    rush = {pid: proc_kib(pid, "VmHWM") for pid in workers}
    for pid in workers:
        reset_peak(pid)
    idle = {pid: proc_kib(pid, "VmRSS") for pid in workers}
    inst = plan["institutions"][0]
    size = 20 * 1024 * 1024 - 4096  # just under the portal's 20 MiB limit
    content = unique_pdf(size, "bench-20mb")
    session = requests.Session()
    page = session.get(f"{host}/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    session.post(
        f"{host}/accounts/login/",
        data={
            "username": f"bench-op-{inst['code']}",
            "password": plan["password"],
            "csrfmiddlewaretoken": token.group(1) if token else "",
        },
        timeout=60,
    )
    started = time.monotonic()
    response = session.post(
        f"{host}/evaluations/{inst['evaluation']}/evidence/upload/",
        data={"indicator": plan["indicators"][0][0], "entry": 1, "title": "", "page_ref": ""},
        files={"file": ("renstra-20mb.pdf", content, "application/pdf")},
        headers={"X-CSRFToken": session.cookies.get("csrftoken", "")},
        timeout=300,
    )
    upload = {pid: proc_kib(pid, "VmHWM") for pid in workers}
    served = max(workers, key=lambda pid: upload[pid] - idle[pid]) if workers else None
    return {
        "workers": len(workers),
        "rush_all": sorted(v / MIB for v in rush.values()),
        "peak_rush": max(rush.values(), default=0) / MIB,
        "peak_upload": upload.get(served, 0) / MIB,
        "grew": (upload.get(served, 0) - idle.get(served, 0)) / MIB,
        "size_mib": size / 2**20,
        "accepted": response.status_code == 200 and "alert-success" in response.text,
        "status": response.status_code,
        "upload_seconds": time.monotonic() - started,
    }
