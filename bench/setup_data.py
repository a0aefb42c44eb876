"""Data for `make bench`: the roster, accounts for every institution, the campaign periods.

  python bench/setup_data.py base            frameworks, 623 institutions, two staff accounts
                                              per institution, an admin, and the closed 2019
                                              period filled with a released campaign
  python bench/setup_data.py period NAME OUT  a new open period (the most recently opened one,
                                              so the dashboards show it) with every
                                              institution's evaluation; writes the plan to OUT

Runs against DATABASE_URL; refuses a database whose name does not start with "spbe_bench".
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spbe_portal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from evaluations.models import EvaluationPeriod, Framework, Indicator  # noqa: E402
from evaluations.services.core import create_evaluations_for_period  # noqa: E402
from institutions.models import Institution, Role, User  # noqa: E402

PASSWORD = "bench-pass-2019"
FRAMEWORK = "permenpanrb-5-2018"


def _guard() -> None:
    name = settings.DATABASES["default"]["NAME"]
    if not str(name).startswith("spbe_bench"):
        sys.exit(f"refusing to fill database {name!r}: use a spbe_bench* database")


def base() -> None:
    started = time.monotonic()
    call_command("load_framework", verbosity=0)
    call_command("load_institutions", verbosity=0)
    hashed = make_password(PASSWORD)
    existing = set(
        User.objects.filter(username__startswith="bench-").values_list("username", flat=True)
    )
    users = []
    for inst in Institution.objects.active().only("pk", "code"):
        for prefix, role in (("bench-op-", Role.OPERATOR), ("bench-sup-", Role.SUPERVISOR)):
            username = f"{prefix}{inst.code}"
            if username not in existing:
                users.append(
                    User(
                        username=username,
                        password=hashed,
                        role=role,
                        institution=inst,
                        first_name=prefix.strip("-").split("-")[1].title(),
                        last_name=inst.code,
                        email=f"{username}@bench.invalid",
                    )
                )
    if "bench-admin" not in existing:
        users.append(
            User(
                username="bench-admin",
                password=hashed,
                role=Role.ADMIN,
                is_staff=True,
                email="bench-admin@bench.invalid",
            )
        )
    User.objects.bulk_create(users, batch_size=500)

    # The closed 2019 campaign, fully assessed and released: what the dashboards,
    # reports and exports are measured on.
    from evaluations.demo import seed_closed_campaign

    wib = dt.timezone(dt.timedelta(hours=7))
    closed, _ = EvaluationPeriod.objects.get_or_create(
        name="Evaluasi SPBE 2019",
        defaults={
            "year": 2019,
            "framework": Framework.objects.get(code=FRAMEWORK),
            "opens_at": dt.datetime(2019, 8, 1, tzinfo=wib),
            "deadline": dt.datetime(2019, 10, 31, 23, 59, 59, tzinfo=wib),
            "document_deadline": dt.datetime(2019, 11, 30, 23, 59, 59, tzinfo=wib),
            "reminder_offsets_days": [14, 7, 3, 1],
        },
    )
    seed_closed_campaign(period=closed)
    print(
        json.dumps(
            {
                "institutions": Institution.objects.active().count(),
                "users": User.objects.filter(username__startswith="bench-").count(),
                "closed_period": closed.pk,
                "seconds": round(time.monotonic() - started, 1),
            }
        )
    )


def period(name: str, out: str) -> None:
    now = timezone.now()
    framework = Framework.objects.get(code=FRAMEWORK)
    # Opened "just now" (later than any earlier bench period): the institution
    # dashboard takes the most recently opened period.
    p = EvaluationPeriod.objects.create(
        name=name,
        year=now.year,
        framework=framework,
        opens_at=now - dt.timedelta(seconds=5),
        deadline=now + dt.timedelta(days=7),
        document_deadline=now + dt.timedelta(days=37),
        reminder_offsets_days=[14, 7, 3, 1],
    )
    create_evaluations_for_period(period=p)
    plan = {
        "period_id": p.pk,
        "password": PASSWORD,
        "indicators": list(
            Indicator.objects.filter(framework=framework)
            .order_by("number")
            .values_list("pk", "number", "max_entries")
        ),
        "institutions": [
            {"code": code, "evaluation": ev}
            for code, ev in p.evaluations.order_by("institution__code").values_list(
                "institution__code", "pk"
            )
        ],
    }
    Path(out).write_text(json.dumps(plan))
    print(json.dumps({"period": p.pk, "evaluations": len(plan["institutions"])}))


if __name__ == "__main__":
    _guard()
    if sys.argv[1:2] == ["base"]:
        base()
    elif sys.argv[1:2] == ["period"] and len(sys.argv) == 4:
        period(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
