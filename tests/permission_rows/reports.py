"""Matrix rows for the reports area: requests, status pages, downloads, the bulk page.

The cast's evaluation (institution A) is assessed by `assessor` (assigned) and the
`coordinator`'s university. Setups put it in the state the URL needs (submitted for
receipts, released for the institution report) and create the report rows.
"""

from django.core.files.base import ContentFile
from django.utils import timezone

from evaluations.models import Evaluation, Report
from tests import factories as f

from . import LOGIN, Row, everyone, only

PDF = b"%PDF-1.4\n%%EOF\n"


def _submitted(cast, evaluation=None):
    ev = evaluation or cast.evaluation
    ev.status = Evaluation.Status.SUBMITTED
    ev.submitted_at = timezone.now()
    ev.submitted_by = cast.supervisor if ev == cast.evaluation else None
    if ev.submitted_by is None:
        ev.submitted_by = f.UserFactory(role="supervisor", institution=ev.institution)
    ev.submission_count = 1
    ev.submission_hash = "ab" * 32
    ev.save()
    return ev


def _released(cast, evaluation=None):
    ev = _submitted(cast, evaluation)
    ev.status = Evaluation.Status.RELEASED
    ev.released_at = timezone.now()
    ev.final_index = "2.50"
    ev.final_predicate = "Cukup"
    ev.save()
    return ev


def _ready(kind, *, evaluation=None, period=None, fmt="pdf"):
    report = f.ReportFactory(
        kind=kind,
        evaluation=evaluation,
        period=period or evaluation.period,
        status=Report.Status.READY,
        filename=f"dokumen.{fmt}",
        format=fmt,
        params={"submission": 1, "emailed_at": "x"} if kind == Report.Kind.RECEIPT else {},
    )
    report.file.save(f"dokumen.{fmt}", ContentFile(PDF))
    return report


def _receipt(cast):
    return {"pk": _ready(Report.Kind.RECEIPT, evaluation=_submitted(cast)).pk}


def _institution_report(cast):
    return {"pk": _ready(Report.Kind.INSTITUTION, evaluation=_released(cast)).pk}


def _unreleased_report(cast):
    # Assessed but not yet released: staff may not have it, reviewers may.
    return {"pk": _ready(Report.Kind.INSTITUTION, evaluation=_submitted(cast)).pk}


def _other_report(cast):
    return {
        "pk": _ready(Report.Kind.INSTITUTION, evaluation=_released(cast, cast.other_evaluation)).pk
    }


def _national(cast):
    return {"pk": _ready(Report.Kind.NATIONAL, period=cast.period).pk}


def _archive(cast):
    return {"pk": _ready(Report.Kind.ARCHIVE, period=cast.period, fmt="zip").pk}


def _period(cast):
    return {"pk": cast.period.pk}


# Who may have a receipt of A: its staff, its assessor, admins; the coordinator sees
# the evaluation but not the receipt (403); everyone else does not see it (404).
RECEIPT = everyone(
    404,
    operator=200,
    supervisor=200,
    assessor=200,
    admin=200,
    coordinator=403,
)
# The released institution report of A: its staff, assessor, coordinator, admins.
INSTITUTION = everyone(404, operator=200, supervisor=200, assessor=200, coordinator=200, admin=200)
# Before release: staff 403, reviewers 200.
UNRELEASED = everyone(404, operator=403, supervisor=403, assessor=200, coordinator=200, admin=200)
OTHER = everyone(404, other_operator=200, admin=200)
ADMIN_ONLY_404 = everyone(404, admin=200)


def _with_status(expect, ok):
    """Same expectations with `ok` in place of 200 (e.g. 302 after a POST)."""
    return {role: (ok if code == 200 else code) for role, code in expect.items()}


ROWS = [
    # Status pages, partials and downloads, per kind of document
    *[
        Row(name, expect, setup=setup, id=f"{name}:{label}")
        for name in (
            "evaluations:report-detail",
            "evaluations:report-status",
            "evaluations:report-download",
        )
        for label, setup, expect in (
            ("receipt", _receipt, RECEIPT),
            ("institution", _institution_report, INSTITUTION),
            ("unreleased", _unreleased_report, UNRELEASED),
            ("other-institution", _other_report, OTHER),
            ("national", _national, ADMIN_ONLY_404),
            ("archive", _archive, ADMIN_ONLY_404),
        )
    ],
    # An evaluation's documents page: anyone who sees the evaluation
    Row(
        "evaluations:report-list",
        everyone(404, operator=200, supervisor=200, assessor=200, coordinator=200, admin=200),
        setup=lambda cast: {"pk": _submitted(cast).pk},
    ),
    # Requests (POST): a READY matching report is reused, so the allowed roles get a
    # redirect to its status page; the setup makes the evaluation submitted/released.
    Row(
        "evaluations:report-request",
        _with_status(RECEIPT, 302),
        setup=lambda cast: {"pk": _submitted(cast).pk, "kind": "receipt"},
        method="post",
        id="report-request:receipt",
    ),
    Row(
        "evaluations:report-request",
        _with_status(INSTITUTION, 302),
        setup=lambda cast: {"pk": _released(cast).pk, "kind": "institution"},
        method="post",
        id="report-request:institution",
    ),
    Row(
        "evaluations:report-request",
        _with_status(UNRELEASED, 302),
        setup=lambda cast: {"pk": _submitted(cast).pk, "kind": "institution"},
        method="post",
        id="report-request:unreleased",
    ),
    Row(
        "evaluations:report-request",
        _with_status(OTHER, 302),
        setup=lambda cast: {"pk": _released(cast, cast.other_evaluation).pk, "kind": "institution"},
        method="post",
        id="report-request:other-institution",
    ),
    # Period-wide documents: ministry admins only
    Row("evaluations:period-reports", only({"admin": 200}), setup=_period),
    Row("evaluations:period-reports-progress", only({"admin": 200}), setup=_period),
    Row("evaluations:national-report-request", only({"admin": 302}), setup=_period, method="post"),
    Row("evaluations:period-reports-generate", only({"admin": 302}), setup=_period, method="post"),
    Row("evaluations:period-reports-archive", only({"admin": 302}), setup=_period, method="post"),
]

assert LOGIN


def _issued(cast, *, release: bool):
    """A stored, numbered institution report of A (released or only submitted)."""
    evaluation = _released(cast) if release else _submitted(cast)
    return f.IssuedDocumentFactory(
        report=_ready(Report.Kind.INSTITUTION, evaluation=evaluation), evaluation=evaluation
    )


# The verification page is public: anyone with the number, signed in or not, once the
# results are released; before that, nobody (404).
ROWS += [
    Row(
        "evaluations:document-verify",
        everyone(200, anonymous=200),
        setup=lambda cast: {"number": _issued(cast, release=True).number},
        id="document-verify:released",
    ),
    Row(
        "evaluations:document-verify",
        everyone(404, anonymous=404),
        setup=lambda cast: {"number": _issued(cast, release=False).number},
        id="document-verify:unreleased",
    ),
    Row(
        "evaluations:document-verify",
        everyone(404, anonymous=404),
        setup=lambda cast: {"number": "SPBE-LE-2026-99999"},
        id="document-verify:unknown",
    ),
]
