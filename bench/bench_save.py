"""Time of a full save of one indicator on the server, on PostgreSQL.

Builds a throwaway database (the configured name + "_bench_save", created and dropped by
Django's test-database machinery) with the real 35-indicator 5/2018 framework, one
institution, an open period and an operator; then saves one indicator N times:

- "request": an htmx autosave POST through the Django test client: the whole server path
  (middleware, session, CSRF-exempt test client, form, service with the row lock, version
  check, audit event, progress recount over 35 indicators, partial template);
- "service": `save_answer` alone (the same transaction, without the HTTP layer).

Each save changes the level and the justification, so every one writes. Prints the median,
p95 and the number of queries of one save.

Run:  DATABASE_URL=postgres://postgres@127.0.0.1/spbe_self \
      .venv/bin/python bench/bench_save.py [-n 200]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spbe_portal.settings")


def summary(label: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return (
        f"{label:<8} n={len(samples)}  median {statistics.median(samples) * 1000:.2f} ms  "
        f"p95 {p95 * 1000:.2f} ms  min {ordered[0] * 1000:.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--saves", type=int, default=200)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="print the queries of one save and a pyinstrument profile",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    settings.AXES_ENABLED = False
    test_name = connection.settings_dict["NAME"] + "_bench_save"
    connection.settings_dict.setdefault("TEST", {})["NAME"] = test_name
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from django.test import Client
        from django.urls import reverse
        from django.utils import timezone

        from evaluations.models import Evaluation, EvaluationPeriod, Framework, Indicator
        from evaluations.services.selfeval import save_answer
        from institutions.models import Institution, Role, User

        call_command("load_framework", verbosity=0)
        framework = Framework.objects.get(code="permenpanrb-5-2018")
        now = timezone.now()
        period = EvaluationPeriod.objects.create(
            year=2019,
            name="Bench save",
            framework=framework,
            opens_at=now - dt.timedelta(days=30),
            deadline=now + dt.timedelta(days=30),
        )
        institution = Institution.objects.create(
            code="BENCH1",
            name="Kota Bench",
            short_name="Kota Bench",
            kind=Institution.Kind.KEMENTERIAN,
        )
        operator = User.objects.create_user(
            "bench_operator", "op@example.go.id", "x", role=Role.OPERATOR, institution=institution
        )
        evaluation = Evaluation.objects.create(institution=institution, period=period)
        indicators = list(Indicator.objects.filter(framework=framework).order_by("number"))
        # A realistic evaluation: 34 other indicators answered already.
        for ind in indicators[1:]:
            save_answer(
                evaluation=evaluation,
                indicator=ind,
                by=operator,
                level=3,
                note="Ada.",
                service_name="Layanan" if ind.max_entries > 1 else "",
                base_version=0,
            )
        target = indicators[0]
        client = Client()
        client.force_login(operator)
        url = reverse("evaluations:answer-edit", args=[evaluation.pk, target.pk])

        def post(i: int, version: int):
            return client.post(
                url,
                {
                    "entry": 1,
                    "e1-entry": 1,
                    "e1-base_version": version,
                    "e1-level": 1 + i % 5,
                    "e1-note": f"Justifikasi versi {i}: kebijakan internal sudah ditetapkan.",
                },
                HTTP_HX_REQUEST="true",
            )

        version = 0
        for i in range(10):  # warm up (templates, caches, connection)
            assert b'id="version-1"' in post(i, version).content
            version += 1
        with CaptureQueriesContext(connection) as queries:
            assert b'id="version-1"' in post(10, version).content
        # Counted now: the next request's request_started signal clears the query log.
        n_queries = len(queries.captured_queries)
        version += 1
        if args.profile:
            for q in queries.captured_queries:
                print(f"{q['time']:>6}s  {q['sql'][:160]}")
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
            for i in range(100):
                post(1000 + i, version)
                version += 1
            profiler.stop()
            print(profiler.output_text(unicode=False, color=False, show_all=False))
        request_times = []
        cpu_start = time.process_time()
        for i in range(args.saves):
            start = time.perf_counter()
            response = post(11 + i, version)
            request_times.append(time.perf_counter() - start)
            assert response.status_code == 200 and b'id="version-1"' in response.content, (
                response.content
            )
            version += 1
        # This process's CPU (Django and the driver, not PostgreSQL's): steadier than
        # the wall time on a busy machine.
        request_cpu = (time.process_time() - cpu_start) / args.saves

        service_times = []
        for i in range(args.saves):
            start = time.perf_counter()
            answer = save_answer(
                evaluation=evaluation,
                indicator=target,
                by=operator,
                level=1 + (i + 2) % 5,
                note=f"Layanan {i}",
                base_version=version,
            )
            service_times.append(time.perf_counter() - start)
            version = answer.version

        from django.db import transaction

        ceiling_times = []
        for i in range(args.saves):
            start = time.perf_counter()
            with transaction.atomic():
                row = Evaluation.objects.select_for_update().only("pk").get(pk=evaluation.pk)
                Evaluation.objects.filter(pk=row.pk).update(answered_count=i % 35)
            ceiling_times.append(time.perf_counter() - start)

        if os.environ.get("BENCH_PROFILE"):
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
            for i in range(50):
                answer = save_answer(
                    evaluation=evaluation,
                    indicator=target,
                    by=operator,
                    level=1 + (i + 3) % 5,
                    note=f"Profil {i}",
                    base_version=version,
                )
                version = answer.version
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)

        print(
            f"PostgreSQL {connection.pg_version}, {len(indicators)} indicators, "
            f"{args.saves} saves each"
        )
        print(
            summary("request", request_times)
            + f"  CPU {request_cpu * 1000:.2f} ms  ({n_queries} queries per save request)"
        )
        print(summary("service", service_times))
        print(summary("ceiling", ceiling_times) + "  (SELECT FOR UPDATE + UPDATE of one row)")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
