"""Matrix rows for the portal's root and institutions URLs."""

from . import LOGIN, Row, everyone, only

ROWS = [
    Row("home", everyone(302)),
    Row("healthz", everyone(200, anonymous=200)),
    Row("institutions:list", only({"admin": 200})),
    Row(
        "institutions:detail",
        only({"admin": 200}),
        setup=lambda cast: {"pk": cast.institution.pk},
        id="institutions:detail-own",
    ),
    Row(
        "institutions:detail",
        only({"admin": 200}),
        setup=lambda cast: {"pk": cast.institution.province_id},
        id="institutions:detail-province",
    ),
    Row(
        "evaluations:institution-dashboard",
        only({"operator": 200, "supervisor": 200, "other_operator": 200}),
    ),
    Row("evaluations:assessor-queue", only({"assessor": 200, "unassigned_assessor": 200})),
    Row("evaluations:coordinator-dashboard", only({"coordinator": 200, "other_coordinator": 200})),
    Row("evaluations:admin-dashboard", only({"admin": 200})),
]

assert LOGIN
