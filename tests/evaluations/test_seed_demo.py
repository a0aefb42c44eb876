"""seed_demo: the demo database behind `make run` (refusal, idempotency, periods, accounts)."""

import datetime as dt
import zoneinfo
from base64 import b32encode
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from evaluations import deadlines
from evaluations.demo import STAGED_NAME, STAGED_PER_KIND
from evaluations.management.commands.seed_demo import (
    DEMO_ACCOUNTS,
    DEMO_TOTP_KEY_HEX,
    DEMO_TOTP_SECRET,
    next_october_deadline,
)
from evaluations.models import Evaluation, EvaluationPeriod
from institutions.models import Institution, Role, University, User

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")
UTC = dt.UTC


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "institutions": Institution.objects.count(),
        "universities": University.objects.count(),
        "periods": EvaluationPeriod.objects.count(),
        "evaluations": Evaluation.objects.count(),
        "users": User.objects.count(),
    }


@pytest.mark.django_db
def test_seed_demo_refuses_when_debug_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        seed()

    assert User.objects.count() == 0
    assert EvaluationPeriod.objects.count() == 0


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 11, 28, 8, 0, tzinfo=UTC), tick=False)
def test_seed_demo_second_run_changes_nothing(settings):
    settings.DEBUG = True
    first_out = seed()
    first = counts()

    second_out = seed()

    assert counts() == first
    assert first["institutions"] == 623
    assert first["universities"] == 5
    assert first["periods"] == 3
    staged = Evaluation.objects.filter(period__name=STAGED_NAME).count()
    assert staged == 5 * STAGED_PER_KIND + 1  # eight of each kind and the demo institution
    assert first["evaluations"] == 2 * Institution.objects.filter(is_active=True).count() + staged
    assert "nothing changed" not in first_out
    assert "nothing changed" in second_out
    assert f"{STAGED_NAME}: deadline" in second_out


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 11, 28, 8, 0, tzinfo=UTC), tick=False)
def test_seed_demo_creates_one_account_per_role_with_the_password(settings):
    settings.DEBUG = True

    out = seed(password="another-demo-pass")

    users = {u.username: u for u in User.objects.select_related("institution", "university")}
    assert {a.username: a.role for a in DEMO_ACCOUNTS} == {
        name: users[name].role for name in users if name.startswith("demo-")
    }
    assert sorted(a.role for a in DEMO_ACCOUNTS) == sorted(Role.values)
    assert users["demo-operator"].institution.code in {"5171", "51.71"}
    assert users["demo-supervisor"].institution == users["demo-operator"].institution
    assert users["demo-assessor"].university.code == "ui"
    assert users["demo-coordinator"].university.code == "ui"
    admin = users["demo-admin"]
    assert (admin.is_staff, admin.is_superuser, admin.institution, admin.university) == (
        True,
        True,
        None,
        None,
    )
    assert all(users[a.username].check_password("another-demo-pass") for a in DEMO_ACCOUNTS)
    assert "another-demo-pass" in out
    assert all(a.username in out for a in DEMO_ACCOUNTS)
    # Every demo account signs in with the documented authenticator key.
    devices = TOTPDevice.objects.filter(user__username__in=[a.username for a in DEMO_ACCOUNTS])
    assert sorted(d.user.username for d in devices if d.confirmed) == sorted(
        a.username for a in DEMO_ACCOUNTS
    )
    assert {d.key for d in devices} == {DEMO_TOTP_KEY_HEX}
    assert b32encode(bytes.fromhex(DEMO_TOTP_KEY_HEX)).decode() == DEMO_TOTP_SECRET
    assert DEMO_TOTP_SECRET in out
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert DEMO_TOTP_SECRET in readme


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 11, 28, 8, 0, tzinfo=UTC), tick=False)
def test_seed_demo_periods_have_the_october_deadlines(settings):
    settings.DEBUG = True

    seed()

    open_period = EvaluationPeriod.objects.get(name="Evaluasi SPBE 2027")
    assert open_period.deadline == dt.datetime(2027, 10, 31, 23, 59, 59, tzinfo=WIB)
    assert open_period.deadline.astimezone(WIB).timetuple()[1:6] == (10, 31, 23, 59, 59)
    now = dt.datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
    assert now - dt.timedelta(weeks=8) < open_period.opens_at < now
    assert deadlines.is_open_for_writes(open_period, now)
    assert open_period.grace_minutes == 0
    assert open_period.reminder_offsets_days == [14, 7, 3, 1]
    assert open_period.document_deadline == dt.datetime(2027, 11, 30, 23, 59, 59, tzinfo=WIB)
    assert open_period.framework.code == "permenpanrb-5-2018"

    closed = EvaluationPeriod.objects.get(name="Evaluasi SPBE 2019")
    assert closed.deadline == dt.datetime(2019, 10, 31, 16, 59, 59, tzinfo=UTC)
    assert closed.opens_at == dt.datetime(2019, 8, 1, tzinfo=WIB)
    assert closed.document_deadline == dt.datetime(2019, 11, 30, 23, 59, 59, tzinfo=WIB)
    assert closed.framework == open_period.framework
    assert not deadlines.is_open_for_writes(closed, now)


@pytest.mark.parametrize(
    ("now", "expected_year"),
    [
        (dt.datetime(2026, 3, 1, 12, 0, tzinfo=WIB), 2026),
        (dt.datetime(2026, 10, 31, 23, 59, 59, tzinfo=WIB), 2026),
        (dt.datetime(2026, 11, 1, 0, 0, 0, tzinfo=WIB), 2027),
        # 31 Oct 17:30 UTC is already 1 November in Jakarta.
        (dt.datetime(2026, 10, 31, 17, 30, tzinfo=UTC), 2027),
    ],
)
def test_next_october_deadline_rolls_over_after_31_october_wib(now, expected_year):
    assert next_october_deadline(now) == dt.datetime(expected_year, 10, 31, 23, 59, 59, tzinfo=WIB)


@pytest.mark.django_db
@time_machine.travel(dt.datetime(2026, 11, 28, 8, 0, tzinfo=UTC), tick=False)
def test_seed_demo_staged_period_is_part_way_through_its_stages(settings):
    """The 59/2020 period in evaluation mode: every stage has institutions, the reviewed
    ones come from the review sample and may be released, the demo assessor has work."""
    from evaluations import review_scope
    from evaluations.models import (
        Answer,
        EvaluationReview,
        EvidenceFile,
        GeneralRecommendation,
        Phase,
        TextReview,
    )

    settings.DEBUG = True
    seed()
    period = EvaluationPeriod.objects.get(name=STAGED_NAME)
    assert (period.framework.code, period.mode, period.review_scope) == (
        "permenpanrb-59-2020",
        "evaluation",
        "sample",
    )
    now = dt.datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
    assert deadlines.is_stage_open(period, "interview", now)
    assert deadlines.is_stage_open(period, "review", now)
    evs = list(Evaluation.objects.filter(period=period).select_related("period", "review"))
    statuses = {ev.status for ev in evs}
    assert statuses == {
        Evaluation.Status.SUBMITTED,
        Evaluation.Status.UNDER_ASSESSMENT,
        Evaluation.Status.APPROVED,
    }
    reviewed = [ev for ev in evs if hasattr(ev, "review")]
    assert reviewed and all(ev.in_review_sample for ev in reviewed)
    assert EvaluationReview.objects.filter(evaluation__period=period).count() == len(reviewed)
    waiting = [
        ev
        for ev in evs
        if ev.status == Evaluation.Status.APPROVED
        and review_scope.needs_review(ev)
        and not hasattr(ev, "review")
    ]
    assert waiting  # approved, sampled, not reviewed yet
    # Corrections are review answers with a level; interview levels exist for some entries.
    assert Answer.objects.filter(
        evaluation__period=period, phase=Phase.REVIEW, level__isnull=False
    ).count() == len(reviewed)
    assert Answer.objects.filter(evaluation__period=period, phase=Phase.INTERVIEW).exists()
    assert TextReview.objects.filter(evaluation__period=period, state="accepted").count() == len(
        reviewed
    )
    rec = GeneralRecommendation.objects.filter(evaluation__period=period).first()
    assert rec.weakest.startswith("Aspek terlemah adalah")
    # Some evidence is older than the framework's two years: the recency flag has content.
    cutoff = period.deadline.date().replace(year=period.deadline.year - 2)
    assert EvidenceFile.objects.filter(evaluation__period=period, document_date__lt=cutoff).exists()
    demo = User.objects.get(username="demo-assessor")
    assert Evaluation.objects.filter(period=period, assignments__assessor=demo).count() == len(evs)
