"""Matrix rows for opening periods and changing their participants: ministry admins only."""

from tests import factories as f

from . import Row, only

ADMIN_ONLY = only({"admin": 200})


def _period(cast):
    return {"pk": cast.period.pk}


def _add_data(cast):
    return {"add-institution": f.InstitutionFactory().pk, "add-reason": "Pemekaran wilayah"}


def _withdraw_data(cast):
    return {"withdraw-institution": cast.other_institution.pk, "withdraw-reason": "Tidak aktif"}


ROWS = [
    Row("evaluations:period-list", ADMIN_ONLY),
    Row("evaluations:period-open", ADMIN_ONLY),
    Row(
        "evaluations:period-open",
        ADMIN_ONLY,
        method="post",
        data=lambda cast: {"action": "preview"},
        id="post:evaluations:period-open",
    ),
    Row("evaluations:period-detail", ADMIN_ONLY, setup=_period),
    Row(
        "evaluations:period-add",
        only({"admin": 302}),
        setup=_period,
        method="post",
        data=_add_data,
    ),
    Row(
        "evaluations:period-withdraw",
        only({"admin": 302}),
        setup=_period,
        method="post",
        data=_withdraw_data,
    ),
]
