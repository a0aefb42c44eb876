"""Matrix rows for the monitoring URLs (dashboard, heatmap, reminders, extensions,
exports, audit trail). Admin-only except the coordinator's own monitoring and heatmap."""

import datetime as dt

from django.core.files.base import ContentFile

from evaluations.models import Report
from tests import factories as f

from . import Row, only


def _extension(cast):
    ext = f.ExtensionFactory(
        period=cast.period, institution=cast.institution, granted_by=cast.admin
    )
    return {"pk": ext.pk}


def _export(status):
    def setup(cast):
        report = f.ReportFactory(
            kind=Report.Kind.EXPORT,
            evaluation=None,
            period=cast.period,
            format="csv",
            params={"dataset": "results"},
            status=status,
            filename="x.csv",
        )
        if status == Report.Status.READY:
            report.file.save("x.csv", ContentFile(b"a,b\n1,2\n"))
        return {"pk": report.pk}

    return setup


ADMIN_ONLY = only({"admin": 200})

ROWS = [
    Row("evaluations:admin-dashboard", ADMIN_ONLY, id="monitoring-admin-dashboard"),
    Row(
        "evaluations:admin-dashboard",
        ADMIN_ONLY,
        setup=lambda cast: {},
        headers={"HTTP_HX_REQUEST": "true"},
        id="monitoring-admin-dashboard-htmx",
    ),
    Row(
        "evaluations:university-monitoring",
        only({"coordinator": 200, "other_coordinator": 200}),
    ),
    Row(
        "evaluations:monitoring-heatmap",
        only({"admin": 200, "coordinator": 200, "other_coordinator": 200}),
    ),
    Row(
        "evaluations:reminder-send",
        only({"admin": 302}),
        method="post",
        data=lambda cast: {"evaluation": cast.evaluation.pk},
    ),
    Row("evaluations:extension-list", ADMIN_ONLY),
    Row("evaluations:extension-grant", ADMIN_ONLY, id="extension-grant-form"),
    Row(
        "evaluations:extension-grant",
        only({"admin": 302}),
        method="post",
        data=lambda cast: {
            "institution": cast.institution.pk,
            "new_deadline": (cast.period.deadline + dt.timedelta(days=3)).strftime(
                "%Y-%m-%dT%H:%M"
            ),
            "reason": "Banjir",
        },
        id="extension-grant-post",
    ),
    Row(
        "evaluations:extension-revoke",
        only({"admin": 302}),
        setup=_extension,
        method="post",
        data=lambda cast: {"reason": "Salah input"},
    ),
    Row("evaluations:export-list", ADMIN_ONLY),
    Row(
        "evaluations:export-create",
        only({"admin": 302}),
        method="post",
        data=lambda cast: {"dataset": "results", "format": "csv"},
    ),
    Row("evaluations:export-progress", ADMIN_ONLY),
    Row("evaluations:export-status", ADMIN_ONLY, setup=_export(Report.Status.QUEUED)),
    Row("evaluations:export-download", ADMIN_ONLY, setup=_export(Report.Status.READY)),
    Row("evaluations:audit-log", ADMIN_ONLY),
]

ROWS += [
    Row("evaluations:analytics-gap", only({"admin": 200})),
    Row("evaluations:analytics-trend", only({"admin": 200})),
]
