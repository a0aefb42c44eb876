"""Benchmark of the admin's analytics and the calibration agreement at national scale,
against the ministry dashboard measured in the same run.

Builds (once) the 623 institutions of the 2019 roster evaluated on the 47-indicator
framework (PermenPANRB 59/2020) in two periods, the later one assessed by 60 assessors
of 5 universities, every entry with a self level and a validated level; a 10 %
calibration sample (the service's stratified draw) whose every entry has a second
assessor's level. Then, through the Django test client with DEBUG off, requests:

- the ministry dashboard of the later period (the baseline);
- the gap analysis (self against validated) and the year-on-year page;
- the calibration page (the agreement statistics with their bootstrap intervals);
- `calibration_agreement` alone (the statistics without the page);

and prints, per page, min / median / p95 ms, the query count and the ratio of its
median to the dashboard's.

Run:  DATABASE_URL=postgres://postgres@127.0.0.1/spbe_analytics_bench \
      .venv/bin/python bench/bench_analytics.py [--requests 15] [--rebuild]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spbe_portal.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1/spbe_analytics_bench")

from bench_dashboard import ensure_database  # noqa: E402

FRAMEWORK = "permenpanrb-59-2020"
NAMES = ("Bench analytics (previous)", "Bench analytics (current)")
SEED, SHARE = 2024, Decimal("0.10")
UNIVERSITIES = (("ui", "UI"), ("ugm", "UGM"), ("itb", "ITB"), ("its", "ITS"), ("unhas", "UNHAS"))
ASSESSORS_PER_UNIVERSITY = 12


def _levels(rng, framework_levels):
    own = rng.choice(framework_levels)
    validated = max(1, min(5, own - rng.choice([0, 0, 0, 1, 1, 2, -1])))
    return own, validated


def _assessors(University, User, Role):
    universities, assessors = [], {}
    for code, short in UNIVERSITIES:
        uni, _c = University.objects.get_or_create(
            code=code, defaults={"name": short, "short_name": short}
        )
        universities.append(uni)
        people = []
        for k in range(ASSESSORS_PER_UNIVERSITY):
            user, _c = User.objects.get_or_create(
                username=f"bench-{code}-{k}",
                defaults={"role": Role.ASSESSOR, "university": uni, "first_name": f"{short} {k}"},
            )
            people.append(user)
        assessors[uni.pk] = people
    return universities, assessors


def build(rebuild: bool) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from evaluations.models import (
        Answer,
        CalibrationAnswer,
        CalibrationItem,
        CalibrationSample,
        Evaluation,
        EvaluationPeriod,
        Framework,
        Indicator,
        Phase,
    )
    from evaluations.services.calibration import stratified_draw
    from evaluations.services.core import create_evaluations_for_period
    from institutions.models import Institution, Role, University, User

    current = EvaluationPeriod.objects.filter(name=NAMES[1]).first()
    if (
        current
        and not rebuild
        and CalibrationAnswer.objects.filter(item__sample__period=current).exists()
    ):
        return
    print("building the benchmark data (once) ...", flush=True)
    call_command("load_framework", verbosity=0)
    call_command("load_institutions", verbosity=0)
    rng = random.Random(SEED)
    now = timezone.now()
    framework = Framework.objects.get(code=FRAMEWORK)
    indicators = list(Indicator.objects.filter(framework=framework).order_by("number"))
    with transaction.atomic():
        EvaluationPeriod.objects.filter(name__in=NAMES).delete()
        admin, _c = User.objects.get_or_create(
            username="bench-admin", defaults={"role": Role.ADMIN, "email": "admin@bench.go.id"}
        )
        universities, assessors = _assessors(University, User, Role)
        periods = []
        for years_ago, name in zip((1, 0), NAMES, strict=True):
            opens = now - dt.timedelta(days=365 * years_ago + 200)
            period = EvaluationPeriod.objects.create(
                year=now.year - years_ago,
                name=name,
                framework=framework,
                opens_at=opens,
                deadline=opens + dt.timedelta(days=60),
            )
            create_evaluations_for_period(period=period)
            periods.append(period)
        answers = []
        for period in periods:
            evaluations = list(
                Evaluation.objects.filter(period=period).select_related("institution")
            )
            for i, ev in enumerate(evaluations):
                uni = universities[i % len(universities)]
                first = assessors[uni.pk][i % ASSESSORS_PER_UNIVERSITY]
                ev.university = uni
                ev.status = Evaluation.Status.APPROVED
                for ind in indicators:
                    own, validated = _levels(rng, [1, 2, 2, 3, 3, 3, 4, 4, 5])
                    answers.append(
                        Answer(evaluation=ev, indicator=ind, phase=Phase.SELF, level=own, note="-")
                    )
                    answers.append(
                        Answer(
                            evaluation=ev,
                            indicator=ind,
                            phase=Phase.DOCUMENT,
                            level=validated,
                            note="-",
                            updated_by=first,
                        )
                    )
            Evaluation.objects.bulk_update(evaluations, ["university", "status"], batch_size=500)
        Answer.objects.bulk_create(answers, batch_size=5000)
        period = periods[1]
        evaluations = list(Evaluation.objects.filter(period=period).select_related("institution"))
        chosen = stratified_draw(evaluations, share=SHARE, seed=SEED)
        sample = CalibrationSample.objects.create(
            period=period, share=SHARE, seed=SEED, drawn_by=admin
        )
        ids = [u.pk for u in universities]
        items = CalibrationItem.objects.bulk_create(
            [
                CalibrationItem(
                    sample=sample,
                    evaluation=ev,
                    second_assessor=rng.choice(
                        assessors[ids[(ids.index(ev.university_id) + 1) % len(ids)]]
                    ),
                )
                for ev in chosen
            ]
        )
        first_levels = {
            (a.evaluation_id, a.indicator_id): a.level
            for a in Answer.objects.filter(evaluation__in=chosen, phase=Phase.DOCUMENT).only(
                "evaluation_id", "indicator_id", "level"
            )
        }
        CalibrationAnswer.objects.bulk_create(
            [
                CalibrationAnswer(
                    item=item,
                    indicator=ind,
                    level=max(
                        1,
                        min(
                            5,
                            first_levels[(item.evaluation_id, ind.pk)]
                            + rng.choice([-2, -1, 0, 0, 0, 0, 0, 1, 1]),
                        ),
                    ),
                    assessor=item.second_assessor,
                )
                for item in items
                for ind in indicators
            ],
            batch_size=5000,
        )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(
        f"built: {len(Institution.objects.active())} institutions x {len(indicators)} "
        f"indicators, 2 periods, {len(answers)} answers, {len(items)} sampled evaluations",
        flush=True,
    )


def _time(fn, requests: int) -> tuple[float, float, float]:
    timings = []
    for _i in range(requests):
        start = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    return timings[0], statistics.median(timings), p95


def measure(requests: int) -> list[tuple]:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from evaluations.models import EvaluationPeriod
    from evaluations.selectors.calibration import calibration_agreement
    from institutions.models import User

    period = EvaluationPeriod.objects.get(name=NAMES[1])
    client = Client()
    client.force_login(User.objects.get(username="bench-admin"))
    params = {"period": period.pk}
    pages = [
        ("ministry dashboard (baseline)", reverse("evaluations:admin-dashboard")),
        ("self vs validated (gap analysis)", reverse("evaluations:analytics-gap")),
        ("year on year", reverse("evaluations:analytics-trend")),
        ("calibration page (agreement)", reverse("evaluations:calibration", args=[period.pk])),
    ]
    settings.DEBUG = False
    rows = []
    for label, url in pages:
        for _i in range(2):
            assert client.get(url, params).status_code == 200, label
        with CaptureQueriesContext(connection) as ctx:
            client.get(url, params)
        queries = len(ctx.captured_queries)
        fastest, median, p95 = _time(lambda url=url: client.get(url, params), requests)
        rows.append((label, fastest, median, p95, queries))
    fastest, median, p95 = _time(lambda: calibration_agreement(period), requests)
    rows.append(("calibration_agreement() alone", fastest, median, p95, None))
    result = calibration_agreement(period)
    return rows, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    build(args.rebuild)
    rows, agreement = measure(args.requests)
    baseline = rows[0][2]
    print()
    print(
        f"623 institutions x 47 indicators, 10 % double-assessed; {args.requests} requests "
        f"each; load average {os.getloadavg()[0]:.1f}"
    )
    print()
    print("| page | min ms | median ms | p95 ms | queries | median / dashboard |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, fastest, median, p95, queries in rows:
        print(
            f"| {label} | {fastest:.0f} | {median:.0f} | {p95:.0f} | "
            f"{'' if queries is None else queries} | {median / baseline:.2f} |"
        )
    overall = agreement["overall"]
    print()
    print(f"Agreement of the sample ({overall.n} pairs):")
    for name in ("exact", "mean_abs_diff", "kappa", "alpha"):
        e = getattr(overall, name)
        print(f"- {name}: {e.value:.3f} [{e.low:.3f}, {e.high:.3f}]")


if __name__ == "__main__":
    main()
