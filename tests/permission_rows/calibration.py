"""Matrix rows for the calibration page: ministry admins only."""

from . import Row, only


def _period(cast):
    return {"pk": cast.period.pk}


ROWS = [
    Row("evaluations:calibration", only({"admin": 200}), setup=_period),
    Row(
        "evaluations:calibration",
        only({"admin": 302}),
        setup=_period,
        method="post",
        data=lambda cast: {"share": "50", "seed": "7"},
        id="post:evaluations:calibration",
    ),
]
