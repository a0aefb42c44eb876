"""Selectors of the monitoring dashboard: counts, breakdowns, curve, heatmap, at-risk, list."""

import datetime as dt

import pytest
from django.utils import timezone

from evaluations import deadlines, filters
from evaluations.models import Evaluation, Phase
from evaluations.selectors import audit as audit_sel
from evaluations.selectors import monitoring as sel
from evaluations.selectors import progress_charts
from institutions.models import Institution
from tests import factories as f

S = Evaluation.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def framework():
    fw = f.FrameworkFactory()
    aspect = f.AspectFactory(domain=f.DomainFactory(framework=fw))
    for n in range(1, 11):
        f.IndicatorFactory(aspect=aspect, framework=fw, number=n)
    return fw


@pytest.fixture
def open_period(framework):
    now = timezone.now()
    return f.EvaluationPeriodFactory(
        framework=framework,
        opens_at=now - dt.timedelta(days=20),
        deadline=now + dt.timedelta(days=5),
    )


def _ev(period, status=S.NOT_STARTED, answered=0, institution=None, **kw):
    return f.EvaluationFactory(
        period=period,
        status=status,
        answered_count=answered,
        institution=institution or f.InstitutionFactory(),
        **kw,
    )


def _submitted(period, at, **kw):
    user = f.UserFactory(role="admin")
    return _ev(period, status=S.SUBMITTED, answered=10, submitted_at=at, submitted_by=user, **kw)


def test_status_counts_cover_every_status_and_share_submitted(open_period):
    now = timezone.now()
    _ev(open_period)
    _ev(open_period, S.IN_PROGRESS, 4)
    _submitted(open_period, now)
    _ev(open_period, S.RELEASED, 10)
    summary = sel.dashboard_summary(
        Evaluation.objects.filter(period=open_period),
        period=open_period,
        now=now,
        indicator_total=10,
    )
    counts = {c.status: c.count for c in summary.counts}
    assert counts == {
        "not_started": 1,
        "in_progress": 1,
        "submitted": 1,
        "returned": 0,
        "under_assessment": 0,
        "assessed": 0,
        "approved": 0,
        "released": 1,
    }
    assert summary.total == 4
    assert summary.submitted == 2
    assert summary.submitted_percent == 50.0
    # Until writes are refused: the deadline is the last accepted second.
    assert summary.time_left.seconds == int((open_period.deadline - now).total_seconds()) + 1


def test_status_counts_ignore_other_periods(open_period):
    other = f.EvaluationPeriodFactory(framework=open_period.framework)
    _ev(open_period)
    _ev(other, S.IN_PROGRESS)
    counts = sel.status_counts(Evaluation.objects.filter(period=open_period))
    assert counts["not_started"] == 1
    assert counts["in_progress"] == 0


def test_at_risk_rule_little_progress_or_not_started_close_to_deadline(framework):
    now = timezone.now()
    close = f.EvaluationPeriodFactory(
        framework=framework,
        opens_at=now - dt.timedelta(days=20),
        deadline=now + dt.timedelta(days=5),
    )
    far = f.EvaluationPeriodFactory(
        framework=framework,
        opens_at=now - dt.timedelta(days=20),
        deadline=now + dt.timedelta(days=10),
    )
    risky = _ev(close, S.IN_PROGRESS, answered=4)  # 40 % with 5 days left
    _ev(close, S.IN_PROGRESS, answered=5)  # 50 % is enough
    _submitted(close, now)
    not_started_far = _ev(far)  # 10 days left, not started: < 14 days
    _ev(far, S.IN_PROGRESS, answered=1)  # 10 days left: not yet at risk
    for period, expected in ((close, {risky.pk}), (far, {not_started_far.pk})):
        qs = sel.with_at_risk(
            deadlines.annotate_deadline(Evaluation.objects.filter(period=period)),
            now=now,
            indicator_total=10,
        )
        assert {e.pk for e in qs if e.at_risk} == expected


def test_at_risk_follows_an_extension(open_period):
    now = timezone.now()
    ev = _ev(open_period, S.IN_PROGRESS, answered=2)
    f.ExtensionFactory(
        period=open_period,
        institution=ev.institution,
        new_deadline=open_period.deadline + dt.timedelta(days=20),
    )
    summary = sel.dashboard_summary(
        Evaluation.objects.filter(period=open_period),
        period=open_period,
        now=now,
        indicator_total=10,
    )
    assert summary.at_risk == 0
    assert summary.extensions == 1


def test_with_deadline_extension_never_shortens_the_period(open_period):
    """Like evaluations.deadlines: the later of the period's and the extension's deadline."""
    ev = _ev(open_period, S.IN_PROGRESS, answered=2)
    f.ExtensionFactory(
        period=open_period,
        institution=ev.institution,
        new_deadline=open_period.deadline + dt.timedelta(days=3),
    )
    open_period.deadline += dt.timedelta(days=10)
    open_period.save()
    row = deadlines.annotate_deadline(Evaluation.objects.filter(pk=ev.pk)).get()
    assert row.effective_deadline == open_period.deadline
    assert row.extended_until == open_period.deadline - dt.timedelta(days=7)


def test_breakdown_by_kind_counts_and_progress(open_period):
    ministry = f.MinistryFactory()
    _ev(open_period, S.IN_PROGRESS, answered=5, institution=ministry)
    _ev(open_period, answered=0)
    _submitted(open_period, timezone.now())
    rows = sel.breakdown_by_kind(Evaluation.objects.filter(period=open_period), indicator_total=10)
    by_key = {r.key: r for r in rows}
    assert [r.key for r in rows] == ["kementerian", "kota"]
    assert (by_key["kementerian"].total, by_key["kementerian"].answered_percent) == (1, 50.0)
    assert (by_key["kota"].total, by_key["kota"].submitted, by_key["kota"].not_started) == (2, 1, 1)
    assert by_key["kota"].submitted_percent == 50.0


def test_breakdown_by_province_groups_a_province_with_its_cities(open_period):
    province = f.ProvinceFactory(name="Bali")
    _ev(open_period, institution=province)
    _ev(open_period, institution=f.InstitutionFactory(province=province))
    _ev(open_period, institution=f.MinistryFactory())
    rows = sel.breakdown_by_province(
        Evaluation.objects.filter(period=open_period), indicator_total=10
    )
    assert [(r.label, r.total) for r in rows] == [("Bali", 2), ("Central government", 1)]


def test_breakdown_by_university_shows_assessment_progress(open_period):
    ui = f.UniversityFactory(code="ui", short_name="UI", name="Universitas Indonesia")
    _ev(open_period, S.UNDER_ASSESSMENT, answered=10, university=ui, validated_count=5)
    _ev(open_period, S.APPROVED, answered=10, university=ui, validated_count=10)
    _ev(open_period)
    rows = sel.breakdown_by_university(
        Evaluation.objects.filter(period=open_period), indicator_total=10
    )
    assert [r.label for r in rows] == ["UI", "Not assigned"]
    assert rows[0].extra == {"under_assessment": 1, "approved": 1}
    assert rows[0].validated_percent == 75.0


def test_submission_curve_per_day_and_cumulative_in_wib(open_period):
    # 23:30 WIB on day 1 (16:30 UTC) counts for day 1, not day 2.
    day1 = open_period.opens_at.astimezone(sel.WIB).replace(hour=23, minute=30) + dt.timedelta(
        days=1
    )
    _submitted(open_period, day1)
    _submitted(open_period, day1 + dt.timedelta(minutes=10))  # 23:40 WIB same day
    _submitted(open_period, day1 + dt.timedelta(days=2))
    _ev(open_period)
    curve = progress_charts.submission_curve(
        Evaluation.objects.filter(period=open_period),
        period=open_period,
        now=timezone.now(),
        total=4,
    )
    by_day = {p.day: (p.count, p.cumulative) for p in curve.points}
    assert by_day[day1.date()] == (2, 2)
    assert by_day[day1.date() + dt.timedelta(days=2)] == (1, 3)
    assert curve.points[-1].day == open_period.deadline.astimezone(sel.WIB).date()
    assert curve.total == 3
    assert curve.max_per_day == 2
    assert curve.deadline_x is not None
    assert len(curve.polyline.split()) == len(curve.points)


def test_heatmap_states_per_indicator_and_filter_by_kind(open_period, framework):
    indicators = list(framework.indicators.order_by("number"))
    ev = _ev(open_period, S.IN_PROGRESS, institution=f.InstitutionFactory(name="Kota A"))
    f.AnswerFactory(evaluation=ev, indicator=indicators[0], level=2)
    with_evidence = f.AnswerFactory(evaluation=ev, indicator=indicators[1], level=3)
    f.EvidenceLinkFactory(answer=with_evidence, evidence=f.EvidenceFileFactory(evaluation=ev))
    f.AnswerFactory(evaluation=ev, indicator=indicators[2], level=3)
    f.AnswerFactory(evaluation=ev, indicator=indicators[2], level=2, phase=Phase.DOCUMENT)
    f.AnswerFactory(evaluation=ev, indicator=indicators[3], level=None)  # started, no level
    _ev(open_period, institution=f.MinistryFactory(name="Kementerian B"))
    qs = Evaluation.objects.filter(period=open_period)

    def filtered(**data):
        return filters.HeatmapFilter(data, queryset=qs, provinces=sel.provinces_for_filter()).qs

    hm = progress_charts.heatmap(filtered(), period=open_period, page=1)
    assert [r.evaluation.institution.name for r in hm.rows] == ["Kementerian B", "Kota A"]
    pc = progress_charts
    assert hm.rows[1].cells[:5] == [pc.ANSWERED, pc.EVIDENCED, pc.VALIDATED, pc.EMPTY, 0]
    assert hm.rows[0].cells == [progress_charts.EMPTY] * 10
    assert hm.totals[0] == {"answered": 1, "evidenced": 0, "validated": 0}

    only_cities = progress_charts.heatmap(
        filtered(kind=Institution.Kind.KOTA), period=open_period, page=1
    )
    assert [r.evaluation.pk for r in only_cities.rows] == [ev.pk]
    by_province = progress_charts.heatmap(
        filtered(province=ev.institution.province_id), period=open_period, page=1
    )
    assert [r.evaluation.pk for r in by_province.rows] == [ev.pk]


def test_institution_rows_search_filter_sort_and_contact(open_period):
    now = timezone.now()
    a = _ev(
        open_period, S.IN_PROGRESS, answered=8, institution=f.InstitutionFactory(name="Kota Alpha")
    )
    b = _ev(open_period, answered=0, institution=f.InstitutionFactory(name="Kota Beta"))
    f.UserFactory(
        role="supervisor", institution=a.institution, first_name="Sri", email="sri@alpha.go.id"
    )
    qs = Evaluation.objects.filter(period=open_period)

    def rows(data=None):
        filterset = filters.MonitoringListFilter(
            data,
            queryset=sel.list_queryset(qs, now=now, indicator_total=10),
            provinces=sel.provinces_for_filter(),
        )
        return sel.institution_rows(filterset.qs, now=now, indicator_total=10, page=1)

    page = rows()
    assert [e.pk for e in page] == [a.pk, b.pk]
    assert (page[0].supervisor_name, page[0].supervisor_email) == ("Sri", "sri@alpha.go.id")
    assert page[1].supervisor_email is None
    assert page[1].at_risk is True  # not started, 5 days left
    assert page[0].at_risk is False
    assert page[0].answered_percent == 80.0

    def pks(**kw):
        return [e.pk for e in rows(kw)]

    assert pks(q="beta") == [b.pk]
    assert pks(status=S.IN_PROGRESS) == [a.pk]
    assert pks(at_risk="on") == [b.pk]
    assert pks(status="nonsense") == [a.pk, b.pk]  # a stale value is ignored
    assert pks(sort="-name") == [b.pk, a.pk]
    assert pks(sort="progress") == [b.pk, a.pk]
    assert pks(province=a.institution.province_id) == [a.pk]
    assert pks(kind=Institution.Kind.KEMENTERIAN) == []


def test_institution_rows_paginate(open_period):
    for _i in range(sel.PAGE_SIZE + 2):
        _ev(open_period)
    qs = Evaluation.objects.filter(period=open_period)
    now = timezone.now()
    rows = filters.MonitoringListFilter(
        None, queryset=sel.list_queryset(qs, now=now, indicator_total=10)
    ).qs
    page2 = sel.institution_rows(rows, now=now, indicator_total=10, page=2)
    assert page2.paginator.count == sel.PAGE_SIZE + 2
    assert len(page2.object_list) == 2


def test_default_period_is_the_open_one():
    now = timezone.now()
    old = f.EvaluationPeriodFactory(
        opens_at=now - dt.timedelta(days=400), deadline=now - dt.timedelta(days=300)
    )
    current = f.EvaluationPeriodFactory()
    periods = sel.monitoring_periods()
    assert sel.default_period(periods, now) == current
    assert sel.pick_period(periods, str(old.pk), now) == old
    assert sel.pick_period(periods, "nonsense", now) == current


def test_audit_events_filters():
    ev = f.EvaluationFactory()
    other = f.EvaluationFactory()
    actor = f.UserFactory(role="admin", username="budi")
    now = timezone.now()
    e1 = f.AuditEventFactory(evaluation=ev, actor=actor, action="extension.granted", at=now)
    e2 = f.AuditEventFactory(evaluation=other, action="status", at=now - dt.timedelta(days=3))

    periods = sel.monitoring_periods()

    def pks(**kw):
        filterset = filters.AuditFilter(kw, queryset=audit_sel.audit_queryset(), periods=periods)
        return [e.pk for e in audit_sel.audit_events(filterset.qs, page=1)]

    assert pks() == [e1.pk, e2.pk]
    assert pks(institution=ev.institution_id) == [e1.pk]
    assert pks(institution_name=other.institution.name) == [e2.pk]
    assert pks(user="budi") == [e1.pk]
    assert pks(period=other.period_id) == [e2.pk]
    assert pks(action="status") == [e2.pk]
    today = now.astimezone(sel.WIB).date()
    assert pks(date_from=today) == [e1.pk]
    assert pks(date_to=today - dt.timedelta(days=1)) == [e2.pk]
    assert audit_sel.audit_actions() == [
        ("extension.granted", "Extension granted"),
        ("status", "Status changed"),
    ]
