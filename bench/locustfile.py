"""Deadline-day load: institution staff in browsers, played by locust.

Scenarios (environment variable BENCH_SCENARIO):
- "campaign": each simulated browser takes institutions from a shared queue and does
  what their staff do on the last day: the operator logs in, opens the dashboard,
  opens every indicator, chooses a level and writes a justification (two autosaves,
  as htmx sends them), uploads evidence PDFs of realistic sizes (100 KB - 5 MB) and
  links them to the indicators (from the indicator page, as htmx sends them: the
  entry's evidence panel comes back); then the supervisor logs in, opens the check page,
  the confirmation page and submits. When the queue is empty the run stops by itself.
- "save": logged-in operators autosave answers as fast as the server answers.
- "ceiling": the same operators post to /bench/ceiling (one SELECT FOR UPDATE + UPDATE).

Every write the server acknowledges is recorded (BENCH_ACK_LOG, JSON lines) so that
bench/verify.py can check afterwards that nothing was lost or duplicated.
Plan (institutions, evaluation ids, indicator ids): the JSON file BENCH_PLAN.
"""

from __future__ import annotations

import collections
import hashlib
import json
import os
import random
import re
import sys
import threading
from pathlib import Path

import gevent
from locust import FastHttpUser, events, task
from locust.exception import StopUser

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pdfs import unique_pdf

PLAN = json.loads(Path(os.environ["BENCH_PLAN"]).read_text())
SCENARIO = os.environ.get("BENCH_SCENARIO", "campaign")
PASSWORD = PLAN["password"]
PERIOD_ID = PLAN["period_id"]
INDICATORS = PLAN["indicators"]  # [[id, number, max_entries], ...] in order
MULTI_ENTRY = {row[0] for row in INDICATORS if row[2] > 1}
FILES_PER_INSTITUTION = int(os.environ.get("BENCH_FILES", "8"))
LIMIT = int(os.environ.get("BENCH_LIMIT", "0")) or len(PLAN["institutions"])
# Set for a run without the proxy: the application servers' base URLs, comma-separated.
HOSTS = [h for h in os.environ.get("BENCH_HOSTS", "").split(",") if h]

QUEUE = collections.deque(PLAN["institutions"][:LIMIT])
ACKS: list[dict] = []
ACK_LOCK = threading.Lock()
ACTIVE = {"users": 0, "started": 0}

VERSION_RE = re.compile(rb'value="(\d+)" id="version-(\d+)"')
DOWNLOAD_RE = re.compile(rb"/evidence/(\d+)/download/")
CSRF_RE = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
RNG = random.Random(2019)


# Evidence sizes: log-normal around 600 KB, clipped to 100 KB .. 5 MB.
def evidence_size(rng: random.Random) -> int:
    return int(min(5_000_000, max(100_000, rng.lognormvariate(13.3, 0.9))))


def ack(kind: str, **data) -> None:
    with ACK_LOCK:
        ACKS.append({"kind": kind, **data})


@events.quitting.add_listener
def _dump_acks(environment, **kwargs):
    path = os.environ.get("BENCH_ACK_LOG")
    if path:
        with open(path, "a") as fh:
            for row in ACKS:
                fh.write(json.dumps(row) + "\n")


class StaffBrowser(FastHttpUser):
    """One browser of an institution's staff member (no think time: the rush).

    locust's FastHttpUser (geventhttpclient): the load generator shares the two cores
    with the server it measures, and takes a fraction of the CPU of the requests-based
    HttpUser for the same requests.
    """

    wait_time = staticmethod(lambda: 0)

    def on_start(self):
        ACTIVE["users"] += 1
        ACTIVE["started"] += 1
        if HOSTS:
            # Straight to the application servers, the users spread evenly over them.
            self.client.base_url = HOSTS[(ACTIVE["started"] - 1) % len(HOSTS)]
        self.versions: dict[tuple[int, int], int] = {}
        self.institution = None
        if SCENARIO in ("save", "ceiling"):
            # A fixed institution per simulated user, round robin over the plan.
            inst = PLAN["institutions"][(ACTIVE["started"] - 1) % len(PLAN["institutions"])]
            self.institution = inst
            self.login(f"bench-op-{inst['code']}")

    def on_stop(self):
        ACTIVE["users"] -= 1
        if SCENARIO == "campaign" and not QUEUE and ACTIVE["users"] <= 0:
            # Everyone is done: stop the whole run (headless locust would wait for -t).
            gevent.spawn_later(0.1, self.environment.runner.quit)

    # --- helpers -------------------------------------------------------------------
    def csrf(self) -> str:
        return next((c.value for c in self.client.cookiejar if c.name == "csrftoken"), "")

    def login(self, username: str) -> None:
        self.client.cookiejar.clear()
        page = self.client.get("/accounts/login/", name="login page")
        token = CSRF_RE.search(page.content or b"")
        with self.client.post(
            "/accounts/login/",
            data={
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": token.group(1).decode() if token else self.csrf(),
            },
            name="login",
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login refused for {username}: {response.status_code}")
                raise StopUser

    def save(self, evaluation_id: int, indicator_id: int, entry: int, level: int, note: str):
        key = (indicator_id, entry)
        version = self.versions.get(key, 0)
        with self.client.post(
            f"/evaluations/{evaluation_id}/indicators/{indicator_id}/",
            data={
                "entry": entry,
                f"e{entry}-entry": entry,
                f"e{entry}-base_version": version,
                f"e{entry}-level": level,
                f"e{entry}-note": note,
                # Multi-entry indicators (35: public services) name the service.
                f"e{entry}-service_name": "Layanan perizinan daring"
                if indicator_id in MULTI_ENTRY
                else "",
            },
            headers={"HX-Request": "true", "X-CSRFToken": self.csrf()},
            name="save answer (autosave)",
            catch_response=True,
        ) as response:
            match = VERSION_RE.search(response.content or b"")
            if response.status_code == 200 and b"save-ok" in response.content and match:
                new_version = int(match.group(1))
                self.versions[key] = new_version
                ack(
                    "save",
                    institution=self.institution["code"],
                    evaluation=evaluation_id,
                    indicator=indicator_id,
                    entry=entry,
                    level=level,
                    note=note,
                    version=new_version,
                )
            else:
                response.failure(f"save not acknowledged: {response.status_code}")

    def upload(self, evaluation_id: int, indicator_id: int, tag: str) -> tuple[int, str] | None:
        """Upload a PDF linked to the indicator; returns (evidence id, sha256) when acknowledged."""
        size = evidence_size(RNG)
        content = unique_pdf(size, tag)
        sha = hashlib.sha256(content).hexdigest()
        name = f"data-dukung-{tag}.pdf"
        with self.client.post(
            f"/evaluations/{evaluation_id}/evidence/upload/",
            data={"indicator": indicator_id, "entry": 1, "title": "", "page_ref": ""},
            files={"file": (name, content, "application/pdf")},
            # As the indicator page's form sends it (htmx): the entry's evidence panel
            # comes back, not the whole page.
            headers={"HX-Request": "true", "X-CSRFToken": self.csrf()},
            name="upload evidence",
            catch_response=True,
        ) as response:
            body = response.content or b""
            # The panel lists the indicator's linked files, the new one last.
            linked = DOWNLOAD_RE.findall(body)
            if response.status_code == 200 and b"alert-success" in body and linked:
                ack(
                    "upload",
                    institution=self.institution["code"],
                    evaluation=evaluation_id,
                    indicator=indicator_id,
                    sha256=sha,
                    size=len(content),
                    name=name,
                )
                return int(linked[-1]), sha
            response.failure(f"upload not acknowledged: {response.status_code}")
            return None

    def link(self, evaluation_id: int, indicator_id: int, evidence_id: int, sha: str) -> None:
        with self.client.post(
            f"/evaluations/{evaluation_id}/indicators/{indicator_id}/evidence/link/",
            data={"evidence": evidence_id, "entry": 1, "page_ref": "1"},
            headers={"HX-Request": "true", "X-CSRFToken": self.csrf()},
            name="link evidence",
            catch_response=True,
        ) as response:
            # The entry's evidence panel comes back with the success message.
            if response.status_code == 200 and b"alert-success" in response.content:
                ack(
                    "link",
                    institution=self.institution["code"],
                    evaluation=evaluation_id,
                    indicator=indicator_id,
                    sha256=sha,
                )
            else:
                response.failure(f"link not acknowledged: {response.status_code}")

    # --- the scenarios ----------------------------------------------------------------
    @task
    def act(self):
        if SCENARIO == "save":
            return self.save_loop()
        if SCENARIO == "ceiling":
            return self.ceiling_loop()
        return self.one_institution()

    def save_loop(self):
        evaluation_id = self.institution["evaluation"]
        indicator_id, _number, _entries = RNG.choice(INDICATORS)
        level = RNG.randint(1, 5)
        self.save(evaluation_id, indicator_id, 1, level, f"Autosave {RNG.random():.6f}")

    def ceiling_loop(self):
        with self.client.post(
            "/bench/ceiling",
            data={"period": PERIOD_ID},
            headers={"X-CSRFToken": self.csrf()},
            name="ceiling (SELECT FOR UPDATE + UPDATE)",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or response.content != b"ok":
                response.failure(f"ceiling: {response.status_code}")

    def one_institution(self):
        try:
            inst = QUEUE.popleft()
        except IndexError:
            raise StopUser from None
        self.institution = inst
        self.versions = {}
        evaluation_id = inst["evaluation"]
        rng = random.Random(inst["code"])

        # The operator: levels, justifications, evidence.
        self.login(f"bench-op-{inst['code']}")
        self.client.get("/institution/", name="dashboard")
        uploaded: list[tuple[int, str]] = []
        for position, (indicator_id, number, _entries) in enumerate(INDICATORS):
            self.client.get(
                f"/evaluations/{evaluation_id}/indicators/{indicator_id}/", name="open indicator"
            )
            level = rng.randint(1, 5)
            # Autosave as the browser sends it: the level first, then the text typed.
            self.save(evaluation_id, indicator_id, 1, level, "")
            note = f"Indikator {number}: level {level} didukung dokumen kebijakan dan laporan."
            self.save(evaluation_id, indicator_id, 1, level, note)
            if position < FILES_PER_INSTITUTION:
                result = self.upload(evaluation_id, indicator_id, f"{inst['code']}-{number}")
                if result:
                    uploaded.append(result)
            elif uploaded:
                # Later indicators reuse a file from the library (one file, many indicators).
                evidence_id, sha = uploaded[position % len(uploaded)]
                self.link(evaluation_id, indicator_id, evidence_id, sha)

        # The supervisor: check, confirm, submit.
        self.login(f"bench-sup-{inst['code']}")
        self.client.get("/institution/", name="dashboard")
        self.client.get(f"/evaluations/{evaluation_id}/submit/check/", name="submission check")
        confirm = self.client.get(
            f"/evaluations/{evaluation_id}/submit/", name="submit (confirm page)"
        )
        token = CSRF_RE.search(confirm.content or b"")
        with self.client.post(
            f"/evaluations/{evaluation_id}/submit/",
            data={"csrfmiddlewaretoken": token.group(1).decode() if token else self.csrf()},
            name="submit",
            catch_response=True,
            allow_redirects=False,
        ) as response:
            # A recorded submission redirects to its confirmation page (time, receipt),
            # which the browser then opens.
            done = f"/evaluations/{evaluation_id}/submitted/"
            location = response.headers.get("Location", "") if response.headers else ""
            if response.status_code == 302 and done in location:
                ack("submit", institution=inst["code"], evaluation=evaluation_id)
            else:
                response.failure(f"submit not acknowledged: {response.status_code}")
                return
        self.client.get(done, name="submitted page")
