"""Benchmark of the PDF reports.

(a) One institution report through `render_institution_report_pdf` (selector + charts +
    template + WeasyPrint with the static-only fetcher) against the same HTML rendered
    directly by WeasyPrint, median of N runs each, in the same process: the ratio is
    the overhead of the portal's pipeline.
(b) The bulk run: every institution report of the 2019 period (623 with the demo data)
    rendered by a real Celery worker with two processes on Redis, then the same run
    again with nothing changed (content-hash skip: no rendering).

Run (a database with the demo data: `manage.py seed_demo` fills the closed 2019
period with released results):

    DJANGO_SETTINGS_MODULE=spbe_portal.settings DATABASE_URL=postgres://.../spbe_x \\
        .venv/bin/python bench/bench_reports.py [--runs 10] [--skip-bulk]

The bulk part starts `celery -A spbe_portal worker -c 2` itself (broker
BENCH_CELERY_BROKER_URL, default redis://127.0.0.1:6379/13, on a queue of its own),
writes the files to a temporary MEDIA_ROOT and deletes the period's institution reports first, so it
must run against a demo/bench database, never production.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BROKER = os.environ.get("BENCH_CELERY_BROKER_URL", "redis://127.0.0.1:6379/13")
MEDIA = tempfile.mkdtemp(prefix="spbe-bench-reports-")

# The bench process sends tasks to Redis (not eager) and shares MEDIA_ROOT with the worker.
os.environ["CELERY_BROKER_URL"] = BROKER
os.environ["MEDIA_ROOT"] = MEDIA
# Both queues are this run's own one (the bulk run goes to the bulk queue).
os.environ["CELERY_BULK_QUEUE"] = os.environ["CELERY_INTERACTIVE_QUEUE"] = (
    f"bench-reports-{os.getpid()}"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spbe_portal.settings")
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

import logging  # noqa: E402

from weasyprint import HTML  # noqa: E402

from evaluations import documents  # noqa: E402
from evaluations.models import Evaluation, EvaluationPeriod, Report  # noqa: E402
from evaluations.services.reports import generate_period_reports  # noqa: E402
from institutions.models import Role, User  # noqa: E402
from spbe_portal.celery import app as celery_app  # noqa: E402

# A queue of this run's own: the Redis server is shared, another run must not take our tasks.
QUEUE = os.environ["CELERY_BULK_QUEUE"]
celery_app.conf.task_default_queue = QUEUE
celery_app.__dict__.pop("amqp", None)  # routes are built from the conf on first use

logging.getLogger("weasyprint").setLevel(logging.WARNING)
logging.getLogger("fontTools").setLevel(logging.WARNING)


def median_seconds(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def pick_period() -> EvaluationPeriod:
    period = (
        EvaluationPeriod.objects.filter(evaluations__status=Evaluation.Status.RELEASED)
        .distinct()
        .order_by("year")
        .first()
    )
    if period is None:
        sys.exit("No period with released results: run `manage.py seed_demo` first.")
    return period


def single(period, runs: int, language: str) -> dict:
    evaluation = (
        Evaluation.objects.filter(period=period, status=Evaluation.Status.RELEASED)
        .select_related("institution")
        .order_by("institution__code")
        .filter(institution__code__in=["5171", "51.71"])
        .first()
        or Evaluation.objects.filter(period=period, status=Evaluation.Status.RELEASED).first()
    )
    html = documents.render_html(Report.Kind.INSTITUTION, evaluation, language)
    # Warm up both (font loading, template compilation) before timing.
    documents.render_institution_report_pdf(evaluation, language)
    HTML(string=html, base_url=documents.BASE_URL).write_pdf()
    portal = median_seconds(
        lambda: documents.render_institution_report_pdf(evaluation, language), runs
    )
    raw = median_seconds(lambda: HTML(string=html, base_url=documents.BASE_URL).write_pdf(), runs)
    return {
        "institution": evaluation.institution.name,
        "portal": portal,
        "raw": raw,
        "ratio": portal / raw,
    }


def start_worker() -> subprocess.Popen:
    env = {**os.environ, "CELERY_BROKER_URL": BROKER, "MEDIA_ROOT": MEDIA}
    celery = str(Path(sys.executable).parent / "celery")
    return subprocess.Popen(
        [celery, "-A", "spbe_portal", "worker", "-c", "2", "-Q", QUEUE, "-l", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_all(period, language: str, total: int, timeout: float) -> tuple[float, int, int]:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        counts = {
            status: Report.objects.filter(
                period=period, kind=Report.Kind.INSTITUTION, language=language, status=status
            ).count()
            for status in (Report.Status.READY, Report.Status.FAILED)
        }
        if counts[Report.Status.READY] + counts[Report.Status.FAILED] >= total:
            return time.perf_counter() - start, counts["ready"], counts["failed"]
        time.sleep(0.5)
    raise SystemExit(f"Bulk run did not finish in {timeout:.0f} s")


def bulk(period, language: str, timeout: float) -> dict:
    admin = User.objects.filter(role=Role.ADMIN).first()
    if admin is None:
        sys.exit("No ministry admin user: run `manage.py seed_demo` first.")
    Report.objects.filter(period=period, kind=Report.Kind.INSTITUTION, language=language).delete()
    total = Evaluation.objects.filter(period=period, status=Evaluation.Status.RELEASED).count()
    worker = start_worker()
    try:
        time.sleep(3)  # let the worker connect before the first message
        start = time.perf_counter()
        generate_period_reports(period=period, by=admin, language=language)
        first, ready, failed = wait_all(period, language, total, timeout)
        first = time.perf_counter() - start
        start = time.perf_counter()
        generate_period_reports(period=period, by=admin, language=language)
        second, ready2, _failed2 = wait_all(period, language, total, timeout)
        second = time.perf_counter() - start
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    return {
        "total": total,
        "first": first,
        "ready": ready,
        "failed": failed,
        "second": second,
        "ready2": ready2,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--language", default="id")
    parser.add_argument("--skip-bulk", action="store_true")
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()

    period = pick_period()
    one = single(period, args.runs, args.language)
    print(f"## Reports benchmark ({period.name}, language {args.language})\n")
    print("| measure | value |")
    print("|---|---|")
    print(
        f"| institution report ({one['institution']}), portal pipeline, median of "
        f"{args.runs} | {one['portal'] * 1000:.0f} ms |"
    )
    print(f"| same HTML, WeasyPrint directly, median of {args.runs} | {one['raw'] * 1000:.0f} ms |")
    print(f"| ratio portal / raw WeasyPrint | {one['ratio']:.2f} |")
    if not args.skip_bulk:
        b = bulk(period, args.language, args.timeout)
        print(
            f"| bulk: {b['total']} institution reports, 1 worker x 2 processes | "
            f"{b['first']:.1f} s ({b['ready']} ready, {b['failed']} failed, "
            f"{b['first'] / max(b['total'], 1) * 1000:.0f} ms/report) |"
        )
        print(f"| bulk again, nothing changed (content-hash skip) | {b['second']:.1f} s |")


if __name__ == "__main__":
    main()
