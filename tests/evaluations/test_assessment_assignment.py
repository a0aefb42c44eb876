"""Assignment services: universities (one, CSV, automatic, undo) and assessors."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from evaluations.models import AssessorAssignment, AuditEvent, Evaluation, EvaluationPeriod
from evaluations.services import assignment as svc
from evaluations.services import assignment_csv as csv_svc
from institutions.models import Role
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def universities(db):
    return [f.UniversityFactory(code=f"u{i}", short_name=f"U{i}") for i in range(5)]


@pytest.fixture
def many(period):
    return [f.EvaluationFactory(period=period) for _ in range(23)]


def _counts(period):
    counts = {}
    for uid in Evaluation.objects.filter(period=period).values_list("university_id", flat=True):
        counts[uid] = counts.get(uid, 0) + 1
    return counts


def test_auto_assign_universities_balanced_within_one(period, universities, many, admin_user):
    run = svc.auto_assign_universities(period=period, by=admin_user)
    counts = _counts(period)
    assert run.changed == 23 and None not in counts
    assert max(counts.values()) - min(counts.values()) <= 1
    assert (
        AuditEvent.objects.filter(action=svc.ACTION_UNIVERSITY, changes__batch=run.batch).count()
        == 23
    )


def test_auto_assign_universities_honours_university_conflict(
    period, universities, many, admin_user
):
    barred = many[0]
    for u in universities[:4]:
        f_conflict(institution=barred.institution, university=u)
    svc.auto_assign_universities(period=period, by=admin_user)
    barred.refresh_from_db()
    assert barred.university == universities[4]


def f_conflict(**kwargs):
    from evaluations.models import ConflictOfInterest

    return ConflictOfInterest.objects.create(reason="alumni", **kwargs)


def test_auto_assign_universities_leaves_out_fully_conflicted(
    period, universities, many, admin_user
):
    for u in universities:
        f_conflict(institution=many[0].institution, university=u)
    run = svc.auto_assign_universities(period=period, by=admin_user)
    assert run.left_out == [many[0].pk]
    many[0].refresh_from_db()
    assert many[0].university is None


def test_auto_assign_universities_not_same_as_last_period(universities, admin_user):
    framework = f.FrameworkFactory()
    earlier = f.EvaluationPeriodFactory(framework=framework, opens_at=_ago(400), deadline=_ago(340))
    current = f.EvaluationPeriodFactory(framework=framework)
    pairs = []
    for i in range(10):
        inst = f.InstitutionFactory()
        old = f.EvaluationFactory(period=earlier, institution=inst, university=universities[i % 5])
        pairs.append((old, f.EvaluationFactory(period=current, institution=inst)))
    svc.auto_assign_universities(period=current, by=admin_user, avoid_previous=True)
    for old, new in pairs:
        new.refresh_from_db()
        assert new.university_id is not None and new.university_id != old.university_id


def _ago(days):
    import datetime as dt

    from django.utils import timezone

    return timezone.now() - dt.timedelta(days=days)


def test_previous_universities_uses_same_framework_first(universities):
    fw, other_fw = f.FrameworkFactory(), f.FrameworkFactory()
    same = f.EvaluationPeriodFactory(framework=fw, opens_at=_ago(800), deadline=_ago(700))
    later_other = f.EvaluationPeriodFactory(
        framework=other_fw, opens_at=_ago(400), deadline=_ago(300)
    )
    current = f.EvaluationPeriodFactory(framework=fw)
    inst = f.InstitutionFactory()
    f.EvaluationFactory(period=same, institution=inst, university=universities[0])
    f.EvaluationFactory(period=later_other, institution=inst, university=universities[1])
    assert svc.previous_universities(current) == {inst.pk: universities[0].pk}
    assert isinstance(current, EvaluationPeriod)


def test_undo_university_batch_restores_and_keeps_later_changes(
    period, universities, many, admin_user
):
    svc.assign_university(evaluation=many[0], university=universities[2], by=admin_user)
    run = svc.auto_assign_universities(period=period, by=admin_user)
    moved = many[1]
    moved.refresh_from_db()
    svc.assign_university(
        evaluation=moved,
        university=universities[0] if moved.university != universities[0] else universities[1],
        by=admin_user,
    )
    restored = svc.undo_university_batch(period=period, by=admin_user)
    assert restored == run.changed - 1
    counts = _counts(period)
    assert counts[None] == 21  # all but the two set by hand
    many[0].refresh_from_db()
    assert many[0].university == universities[2]
    with pytest.raises(ValidationError) as exc:
        svc.undo_university_batch(period=period, by=admin_user)
    assert exc.value.messages == [str(svc.NOTHING_TO_UNDO)]


def test_assign_university_refuses_conflict_and_non_admin(
    evaluation, university, other_university, admin_user, coordinator
):
    f_conflict(institution=evaluation.institution, university=other_university)
    with pytest.raises(ValidationError) as exc:
        svc.assign_university(evaluation=evaluation, university=other_university, by=admin_user)
    assert exc.value.code == "conflict"
    with pytest.raises(PermissionDenied):
        svc.assign_university(evaluation=evaluation, university=None, by=coordinator)


def test_assign_university_change_drops_other_universities_assessors(
    evaluation, other_university, admin_user
):
    svc.assign_university(evaluation=evaluation, university=other_university, by=admin_user)
    assert not AssessorAssignment.objects.filter(evaluation=evaluation).exists()
    event = AuditEvent.objects.get(evaluation=evaluation, action=svc.ACTION_UNIVERSITY)
    assert event.changes["university"][1] == other_university.pk


def test_assign_university_locked_after_assessment(evaluation, other_university, admin_user):
    Evaluation.objects.filter(pk=evaluation.pk).update(status=Evaluation.Status.APPROVED)
    with pytest.raises(ValidationError) as exc:
        svc.assign_university(evaluation=evaluation, university=other_university, by=admin_user)
    assert exc.value.messages == [str(svc.ASSIGNMENT_LOCKED)]


def test_csv_preview_reports_changes_and_bad_rows(period, universities, admin_user):
    a, b = f.EvaluationFactory(period=period), f.EvaluationFactory(period=period)
    stranger = f.InstitutionFactory()  # no evaluation in this period
    f_conflict(institution=b.institution, university=universities[1])
    content = (
        "institution_code,university_code\n"
        f"{a.institution.code},u0\n"
        f"{b.institution.code},u1\n"
        "NOPE,u0\n"
        f"{stranger.code},u0\n"
        f"{a.institution.code},u2\n"
        f"{a.institution.code.upper()}x,zz\n"
    )
    preview = csv_svc.preview_university_csv(period=period, content=content)
    assert [r.line for r in preview.changing] == [2]
    errors = {r.line: r.error for r in preview.errors}
    assert "conflict" in errors[3]
    assert "NOPE" in errors[4]
    assert "no evaluation" in errors[5]
    assert errors[6] == str(csv_svc.CSV_DUPLICATE)
    assert not preview.ok
    with pytest.raises(ValidationError):
        csv_svc.apply_university_csv(period=period, content=content, by=admin_user)
    a.refresh_from_db()
    assert a.university is None  # nothing applied


def test_csv_bad_header_and_apply(period, universities, admin_user):
    a = f.EvaluationFactory(period=period)
    assert csv_svc.preview_university_csv(period=period, content="code,uni\n1,2\n").error == str(
        csv_svc.CSV_BAD_HEADER
    )
    run = csv_svc.apply_university_csv(
        period=period,
        content=f"institution_code,university_code\n{a.institution.code},u3\n",
        by=admin_user,
    )
    a.refresh_from_db()
    assert run.changed == 1 and a.university == universities[3]
    assert svc.undo_university_batch(period=period, by=admin_user) == 1
    a.refresh_from_db()
    assert a.university is None


def test_csv_refuses_unknown_columns_stray_values_and_control_characters(
    period, universities, admin_user
):
    a, b = f.EvaluationFactory(period=period), f.EvaluationFactory(period=period)
    extra = "institution_code,university_code,note\n"
    assert csv_svc.preview_university_csv(period=period, content=extra).error == str(
        csv_svc.CSV_UNKNOWN_COLUMNS % {"columns": "note"}
    )
    content = (
        "institution_code,university_code\n"
        f"{a.institution.code},u0,lebih\n"
        f"{b.institution.code},u\u202e1\n"
    )
    preview = csv_svc.preview_university_csv(period=period, content=content)
    errors = {r.line: r.error for r in preview.errors}
    assert errors[2] == str(csv_svc.CSV_UNKNOWN_COLUMNS % {"columns": "#3"})
    assert errors[3].startswith("university_code:") and "U+202E" in errors[3]
    with pytest.raises(ValidationError):
        csv_svc.apply_university_csv(period=period, content=content, by=admin_user)
    a.refresh_from_db()
    assert a.university is None  # nothing applied


# --- assessors ---------------------------------------------------------------------


@pytest.fixture
def staffed(period, university, coordinator):
    assessors = [f.UserFactory(role=Role.ASSESSOR, university=university) for _ in range(3)]
    evaluations = [f.EvaluationFactory(period=period, university=university) for _ in range(10)]
    return assessors, evaluations


def _loads(period):
    loads = {}
    for aid in AssessorAssignment.objects.filter(evaluation__period=period).values_list(
        "assessor_id", flat=True
    ):
        loads[aid] = loads.get(aid, 0) + 1
    return loads


def test_auto_assign_assessors_balanced_and_emails_once_each(
    period, university, coordinator, staffed, django_capture_on_commit_callbacks
):
    assessors, _evaluations = staffed
    with django_capture_on_commit_callbacks(execute=True):
        run = svc.auto_assign_assessors(period=period, university=university, by=coordinator)
    loads = _loads(period)
    assert run.changed == 10 and sorted(loads.values()) == [3, 3, 4]
    assert len(mail.outbox) == 3
    assert {m.to[0] for m in mail.outbox} == {a.email for a in assessors}
    assert not AssessorAssignment.objects.filter(notified_at__isnull=True).exists()
    assert (
        svc.notify_assessor_assignments(
            assignment_ids=list(AssessorAssignment.objects.values_list("pk", flat=True))
        )
        == 0
    )


def test_auto_assign_assessors_cap_and_conflict(period, university, coordinator, staffed):
    assessors, evaluations = staffed
    f_conflict(institution=evaluations[0].institution, assessor=assessors[0])
    run = svc.auto_assign_assessors(period=period, university=university, by=coordinator, cap=3)
    assert run.changed == 9 and len(run.left_out) == 1
    assert max(_loads(period).values()) == 3
    assert not AssessorAssignment.objects.filter(
        evaluation=evaluations[0], assessor=assessors[0]
    ).exists()


def test_auto_assign_assessors_only_own_university(period, university, other_coordinator):
    with pytest.raises(PermissionDenied):
        svc.auto_assign_assessors(period=period, university=university, by=other_coordinator)


def test_undo_assessor_batch(period, university, coordinator, staffed):
    svc.auto_assign_assessors(period=period, university=university, by=coordinator, notify=False)
    assert svc.undo_assessor_batch(period=period, university=university, by=coordinator) == 10
    assert not AssessorAssignment.objects.filter(evaluation__period=period).exists()
    with pytest.raises(ValidationError):
        svc.undo_assessor_batch(period=period, university=university, by=coordinator)


def test_assign_assessor_guards(
    evaluation,
    coordinator,
    other_coordinator,
    other_university,
    unassigned_assessor,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        assert svc.assign_assessor(
            evaluation=evaluation, assessor=unassigned_assessor, by=coordinator
        )
    assert len(mail.outbox) == 1 and evaluation.institution.name in mail.outbox[0].body
    assert (
        svc.assign_assessor(evaluation=evaluation, assessor=unassigned_assessor, by=coordinator)
        is None
    )
    outsider = f.UserFactory(role=Role.ASSESSOR, university=other_university)
    with pytest.raises(ValidationError) as exc:
        svc.assign_assessor(evaluation=evaluation, assessor=outsider, by=coordinator)
    assert exc.value.messages == [str(svc.ASSESSOR_OTHER_UNIVERSITY)]
    with pytest.raises(PermissionDenied):
        svc.assign_assessor(
            evaluation=evaluation, assessor=unassigned_assessor, by=other_coordinator
        )
    conflicted = f.UserFactory(role=Role.ASSESSOR, university=evaluation.university)
    f_conflict(institution=evaluation.institution, assessor=conflicted)
    with pytest.raises(ValidationError) as exc:
        svc.assign_assessor(evaluation=evaluation, assessor=conflicted, by=coordinator)
    assert exc.value.code == "conflict"
    assert svc.unassign_assessor(
        evaluation=evaluation, assessor=unassigned_assessor, by=coordinator
    )
    assert not svc.unassign_assessor(
        evaluation=evaluation, assessor=unassigned_assessor, by=coordinator
    )
    assert (
        AuditEvent.objects.filter(evaluation=evaluation, action=svc.ACTION_ASSESSOR_REMOVED).count()
        == 1
    )


def test_undo_assessor_batch_records_only_the_pairs_it_removed(
    period, university, coordinator, staffed
):
    """One pair removed by hand after the run, one evaluation already scored and one being
    scored: the undo removes the other seven, and the trail says exactly those seven."""
    _assessors, evaluations = staffed
    svc.auto_assign_assessors(period=period, university=university, by=coordinator, notify=False)
    by_hand = AssessorAssignment.objects.get(evaluation=evaluations[0])
    svc.unassign_assessor(evaluation=evaluations[0], assessor=by_hand.assessor, by=coordinator)
    Evaluation.objects.filter(pk=evaluations[1].pk).update(status=Evaluation.Status.ASSESSED)
    # Being scored: its assessor stays (an undo is no reason to replace one).
    Evaluation.objects.filter(pk=evaluations[2].pk).update(
        status=Evaluation.Status.UNDER_ASSESSMENT
    )
    removed_events = AuditEvent.objects.filter(action=svc.ACTION_ASSESSOR_REMOVED)
    before = removed_events.count()

    assert svc.undo_assessor_batch(period=period, university=university, by=coordinator) == 7

    undo_events = removed_events.order_by("pk")[before:]
    assert len(undo_events) == 7
    assert {e.evaluation_id for e in undo_events} == {ev.pk for ev in evaluations[3:]}
    assert AssessorAssignment.objects.filter(evaluation=evaluations[1]).exists()
    assert AssessorAssignment.objects.filter(evaluation=evaluations[2]).exists()
