"""Benchmark of the ministry monitoring dashboard at full scale.

Builds (once) all 623 institutions of the 2019 roster with the real 35-indicator
framework, one open period near its deadline, a full period of answers (self
answers for every indicator of most institutions, evidence links, document-phase
answers for the assessed ones), supervisors, extensions and reminders; then
requests the dashboard through the Django test client (the whole server path:
middleware, session, view, queries, templates) many times and prints the median,
p95 and the query count per page.

Run:  DATABASE_URL=postgres://postgres@127.0.0.1/spbe_mon_bench \
      .venv/bin/python bench/bench_dashboard.py [--requests 60] [--rebuild]

The database named by DATABASE_URL is created when missing and filled on the
first run (about a minute); later runs reuse it. On a shared, busy machine the wall
times include waiting for a CPU: the table also gives the minimum and this process's
CPU time, and `nice -n -10` (as root) brings the figures closer to a dedicated server.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spbe_portal.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1/spbe_mon_bench")

PERIOD_NAME = "Bench monitoring (623)"
SEED = 2019


def ensure_database() -> None:
    """Create the benchmark database when it does not exist yet."""
    import environ
    import psycopg2

    cfg = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    conn = psycopg2.connect(
        dbname="postgres",
        user=cfg.get("USER") or "postgres",
        host=cfg.get("HOST") or "127.0.0.1",
        port=cfg.get("PORT") or 5432,
        password=cfg.get("PASSWORD") or None,
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]])
        if not cur.fetchone():
            cur.execute(f'CREATE DATABASE "{cfg["NAME"]}"')
    conn.close()


def build(rebuild: bool) -> None:
    """Fill the database (idempotent: skipped when the bench period has its answers)."""
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from evaluations.models import (
        PHASE_ORDER,
        Answer,
        Evaluation,
        EvaluationPeriod,
        EvidenceFile,
        EvidenceLink,
        Extension,
        Framework,
        Indicator,
        Phase,
        Reminder,
    )
    from evaluations.services.core import create_evaluations_for_period
    from institutions.models import Institution, Role, University, User

    assert PHASE_ORDER
    existing = EvaluationPeriod.objects.filter(name=PERIOD_NAME).first()
    if existing and not rebuild and Answer.objects.filter(evaluation__period=existing).exists():
        return
    print("building the benchmark data (once) ...", flush=True)
    call_command("migrate", verbosity=0)
    call_command("load_framework", verbosity=0)
    call_command("load_institutions", verbosity=0)
    rng = random.Random(SEED)
    now = timezone.now()
    framework = Framework.objects.get(code="permenpanrb-5-2018")
    with transaction.atomic():
        if existing:
            existing.delete()
        period = EvaluationPeriod.objects.create(
            year=now.year,
            name=PERIOD_NAME,
            framework=framework,
            opens_at=now - dt.timedelta(days=55),
            deadline=now + dt.timedelta(days=5),
        )
        universities = []
        for code, name in (
            ("ui", "Universitas Indonesia"),
            ("ugm", "Universitas Gadjah Mada"),
            ("itb", "Institut Teknologi Bandung"),
            ("its", "Institut Teknologi Sepuluh Nopember"),
            ("unhas", "Universitas Hasanuddin"),
        ):
            uni, _c = University.objects.get_or_create(
                code=code, defaults={"name": name, "short_name": code.upper()}
            )
            universities.append(uni)
        admin, _c = User.objects.get_or_create(
            username="bench-admin", defaults={"role": Role.ADMIN, "email": "admin@bench.go.id"}
        )
        create_evaluations_for_period(period=period)
        institutions = list(Institution.objects.active().order_by("pk"))
        have_sup = set(
            User.objects.filter(role=Role.SUPERVISOR).values_list("institution_id", flat=True)
        )
        User.objects.bulk_create(
            [
                User(
                    username=f"bench-pj-{inst.pk}",
                    role=Role.SUPERVISOR,
                    institution=inst,
                    first_name="Penanggung",
                    last_name=f"Jawab {inst.pk}",
                    email=f"pj{inst.pk}@bench.go.id",
                    phone="0812-0000-0000",
                )
                for inst in institutions
                if inst.pk not in have_sup
            ],
            batch_size=500,
        )
        indicators = list(Indicator.objects.filter(framework=framework).order_by("number"))
        evaluations = list(
            Evaluation.objects.filter(period=period).select_related("institution").order_by("pk")
        )
        answers, statuses = [], {}
        S = Evaluation.Status
        status_pool = (
            [S.NOT_STARTED] * 8
            + [S.IN_PROGRESS] * 30
            + [S.SUBMITTED] * 25
            + [S.RETURNED] * 2
            + [S.UNDER_ASSESSMENT] * 20
            + [S.ASSESSED] * 5
            + [S.APPROVED] * 5
            + [S.RELEASED] * 5
        )
        for i, ev in enumerate(evaluations):
            status = rng.choice(status_pool)
            statuses[ev.pk] = status
            if status == S.NOT_STARTED:
                continue
            full = status not in (S.IN_PROGRESS,)
            n = len(indicators) if full else rng.randint(3, len(indicators))
            assessed = status in (S.UNDER_ASSESSMENT, S.ASSESSED, S.APPROVED, S.RELEASED)
            for ind in indicators[:n]:
                for entry in range(1, ind.max_entries + 1):
                    answers.append(
                        Answer(
                            evaluation=ev,
                            indicator=ind,
                            entry=entry,
                            phase=Phase.SELF,
                            level=rng.randint(1, 5),
                            note=f"Penjelasan tingkat kematangan indikator {ind.number}.",
                        )
                    )
                    if assessed:
                        answers.append(
                            Answer(
                                evaluation=ev,
                                indicator=ind,
                                entry=entry,
                                phase=Phase.DOCUMENT,
                                level=rng.randint(1, 5),
                                note="Sesuai data dukung.",
                            )
                        )
            ev.university = universities[i % len(universities)]
        Answer.objects.bulk_create(answers, batch_size=2000)
        # Evidence: three files per started evaluation, linked to most self answers.
        files = []
        for ev in evaluations:
            if statuses[ev.pk] == S.NOT_STARTED:
                continue
            for k in range(3):
                files.append(
                    EvidenceFile(
                        evaluation=ev,
                        file=f"evidence/{ev.pk}/bench-{k}.pdf",
                        original_name=f"bukti-{k}.pdf",
                        size=100_000,
                        sha256=f"{ev.pk:032x}{k:032x}",
                        page_count=3,
                    )
                )
        EvidenceFile.objects.bulk_create(files, batch_size=2000)
        files_by_ev: dict[int, list[int]] = {}
        for pk, ev_id in EvidenceFile.objects.filter(evaluation__period=period).values_list(
            "pk", "evaluation_id"
        ):
            files_by_ev.setdefault(ev_id, []).append(pk)
        links = []
        counts: dict[int, dict[str, set]] = {}
        for a_pk, ev_id, ind_id, phase in Answer.objects.filter(
            evaluation__period=period
        ).values_list("pk", "evaluation_id", "indicator_id", "phase"):
            c = counts.setdefault(
                ev_id, {"answered": set(), "evidenced": set(), "validated": set()}
            )
            if phase == Phase.SELF:
                c["answered"].add(ind_id)
                if rng.random() < 0.8:
                    links.append(
                        EvidenceLink(evidence_id=rng.choice(files_by_ev[ev_id]), answer_id=a_pk)
                    )
                    c["evidenced"].add(ind_id)
            else:
                c["validated"].add(ind_id)
        EvidenceLink.objects.bulk_create(links, batch_size=2000, ignore_conflicts=True)
        span = (period.deadline - period.opens_at).total_seconds() - 6 * 86400
        for ev in evaluations:
            c = counts.get(ev.pk, {"answered": (), "evidenced": (), "validated": ()})
            ev.status = statuses[ev.pk]
            ev.answered_count = len(c["answered"])
            ev.evidenced_count = len(c["evidenced"])
            ev.validated_count = len(c["validated"])
            ev.last_activity_at = (
                now - dt.timedelta(hours=rng.randint(1, 600)) if ev.answered_count else None
            )
            if ev.status not in (S.NOT_STARTED, S.IN_PROGRESS):
                # Submissions bunch up towards the end, as on a real campaign.
                frac = rng.random() ** 0.4
                ev.submitted_at = period.opens_at + dt.timedelta(seconds=span * frac)
                ev.submitted_by = admin
        Evaluation.objects.bulk_update(
            evaluations,
            [
                "status",
                "answered_count",
                "evidenced_count",
                "validated_count",
                "last_activity_at",
                "submitted_at",
                "submitted_by",
                "university",
            ],
            batch_size=500,
        )
        behind = [ev for ev in evaluations if ev.status == S.IN_PROGRESS][:40]
        Extension.objects.bulk_create(
            [
                Extension(
                    period=period,
                    institution=ev.institution,
                    new_deadline=period.deadline + dt.timedelta(days=7),
                    reason="Bench",
                    granted_by=admin,
                )
                for ev in behind
            ]
        )
        Reminder.objects.bulk_create(
            [
                Reminder(evaluation=ev, offset_days=7, deadline=period.deadline, sent_at=now)
                for ev in evaluations
                if ev.status in (S.NOT_STARTED, S.IN_PROGRESS)
            ]
        )
    # Fresh statistics, as autovacuum would have them on a live database: without
    # them the planner assumes one row per table and picks nested loops.
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"built: {len(evaluations)} evaluations, {len(answers)} answers,", end=" ")
    print(f"{len(links)} evidence links", flush=True)


def measure(requests: int) -> list[tuple]:
    """Per page: min, median and p95 wall time, median CPU time of this process (the
    Python side, less sensitive to other load on the machine), SQL time of one
    request, the query count, and the number of institutions."""
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from evaluations.models import Evaluation, EvaluationPeriod
    from institutions.models import User

    period = EvaluationPeriod.objects.get(name=PERIOD_NAME)
    admin = User.objects.get(username="bench-admin")
    client = Client()
    client.force_login(admin)
    dash = reverse("evaluations:admin-dashboard")
    pages = [
        ("dashboard (full page)", dash, {"period": period.pk}),
        ("  part: summary (htmx poll)", dash, {"period": period.pk, "part": "summary"}),
        ("  part: list (htmx poll)", dash, {"period": period.pk, "part": "list"}),
        (
            "dashboard, filtered + sorted",
            dash,
            {"period": period.pk, "kind": "kabupaten", "sort": "progress", "at_risk": "on"},
        ),
        (
            "heatmap (40 institutions x 35)",
            reverse("evaluations:monitoring-heatmap"),
            {"period": period.pk},
        ),
    ]
    n_evaluations = Evaluation.objects.filter(period=period).count()
    results = []
    settings.DEBUG = False  # no query logging while timing
    for label, url, params in pages:
        for _i in range(5):  # warm-up: templates compiled, connection open
            assert client.get(url, params).status_code == 200
        reset_queries()  # the log is cleared at each request start anyway
        with CaptureQueriesContext(connection) as ctx:
            client.get(url, params)
        # captured_queries reads the connection's log lazily: count it now.
        queries = len(ctx.captured_queries)
        sql_ms = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
        timings, cpu = [], []
        for _i in range(requests):
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(url, params)
            timings.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            assert response.status_code == 200
        timings.sort()
        p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
        results.append(
            (
                label,
                timings[0],
                statistics.median(timings),
                p95,
                statistics.median(cpu),
                sql_ms,
                queries,
                n_evaluations,
            )
        )
    return results


def measure_exports() -> list[tuple[str, float, int]]:
    """Build the answers and results exports of the bench period once each (the
    Celery task's service, in this process; files kept in memory)."""
    from django.conf import settings
    from django.test import override_settings

    from evaluations.models import EvaluationPeriod, Report
    from evaluations.services.monitoring import build_export

    period = EvaluationPeriod.objects.get(name=PERIOD_NAME)
    results = []
    storages = {"default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    with override_settings(STORAGES={**settings.STORAGES, **storages}):
        for dataset, fmt in (("answers", "xlsx"), ("answers", "csv"), ("results", "xlsx")):
            report = Report.objects.create(
                kind=Report.Kind.EXPORT, period=period, format=fmt, params={"dataset": dataset}
            )
            start = time.perf_counter()
            done = build_export(report_id=report.pk)
            elapsed = time.perf_counter() - start
            results.append((f"{dataset} {fmt.upper()}", elapsed, done.file.size))
            report.delete()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--exports", action="store_true", help="also time the exports")
    args = parser.parse_args()
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    build(args.rebuild)
    rows = measure(args.requests)
    print()
    load = os.getloadavg()[0]
    print(f"Monitoring dashboard, {rows[0][-1]} institutions, {args.requests} requests each")
    print(f"machine: {os.cpu_count()} cores, load average {load:.1f} during the run")
    print()
    print("| page | min ms | median ms | p95 ms | CPU ms (median) | SQL ms (1 req) | queries |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, fastest, median, p95, cpu, sql_ms, queries, _n in rows:
        print(
            f"| {label.strip()} | {fastest:.1f} | {median:.1f} | {p95:.1f} | {cpu:.1f} "
            f"| {sql_ms:.1f} | {queries} |"
        )
    print()
    print("min: the least contended request; median and p95 also include waiting for the CPU")
    print("when the machine is busy (see the load average); CPU ms is this process only.")
    if args.exports:
        print()
        print("| export (623 institutions) | seconds | bytes |")
        print("|---|---:|---:|")
        for label, seconds, size in measure_exports():
            print(f"| {label} | {seconds:.2f} | {size} |")


if __name__ == "__main__":
    main()
