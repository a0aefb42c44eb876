"""Self-evaluation services: every guard and exit (evaluations/services/selfeval.py, and
the return in evaluations/services/reopening.py)."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from evaluations.models import AuditEvent, Evaluation, EvidenceLink, Reopening
from evaluations.selectors import selfeval as selfeval_sel
from evaluations.services import evidence as evidence_svc
from evaluations.services import reopening as reopening_svc
from evaluations.services import selfeval as s
from institutions.models import Role
from tests import factories as f

from .selfeval_helpers import make_pdf, small_framework, upload

WIB = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture
def indicators(period):
    return small_framework(period)


def save(evaluation, indicator, by, level=3, note="Ada SK", entry=1, base=None, **kw):
    if base is None:
        existing = evaluation.answers.filter(indicator=indicator, entry=entry).first()
        base = existing.version if existing else 0
    return s.save_answer(
        evaluation=evaluation,
        indicator=indicator,
        entry=entry,
        by=by,
        level=level,
        note=note,
        base_version=base,
        **kw,
    )


def fill_all(evaluation, indicators, by, *, evidence=True):
    """Answer every indicator completely (entry 1 only), with one linked PDF."""
    ev_file = evidence_svc.upload_evidence(
        evaluation=evaluation, by=by, uploaded_file=upload(make_pdf())
    )
    for ind in indicators:
        kwargs = {"service_name": "Perizinan"} if ind.max_entries > 1 else {}
        answer = save(evaluation, ind, by, **kwargs)
        if evidence:
            evidence_svc.link_evidence(evidence=ev_file, answer=answer, by=by)
    return ev_file


# --- save_answer ---------------------------------------------------------------------------


def test_save_answer_creates_version_1_and_moves_to_in_progress(evaluation, indicators, operator):
    answer = save(evaluation, indicators[0], operator, level=2, note="Kebijakan ada")
    evaluation.refresh_from_db()
    assert (answer.version, answer.level, answer.updated_by) == (1, 2, operator)
    assert evaluation.status == Evaluation.Status.IN_PROGRESS
    assert evaluation.last_activity_at is not None
    event = AuditEvent.objects.get(action="answer.saved")
    assert event.changes == {"level": [None, 2], "note": ["", "Kebijakan ada"]}
    assert event.indicator == indicators[0]
    assert AuditEvent.objects.filter(to_status=Evaluation.Status.IN_PROGRESS).count() == 1


def test_save_answer_history_records_old_and_new(evaluation, indicators, operator, supervisor):
    save(evaluation, indicators[0], operator, level=2)
    save(evaluation, indicators[0], supervisor, level=4)
    latest = AuditEvent.objects.filter(action="answer.saved").first()
    assert latest.changes == {"level": [2, 4]}
    assert latest.actor == supervisor


def test_save_answer_unchanged_writes_nothing(evaluation, indicators, operator):
    a = save(evaluation, indicators[0], operator)
    again = save(evaluation, indicators[0], operator)
    assert again.version == a.version == 1
    assert AuditEvent.objects.filter(action="answer.saved").count() == 1


def test_save_answer_conflict_refused_with_both_versions(
    evaluation, indicators, operator, supervisor
):
    save(evaluation, indicators[0], operator, level=2, note="versi operator")
    with pytest.raises(s.EditConflict) as exc:
        save(evaluation, indicators[0], supervisor, level=5, note="versi supervisor", base=0)
    assert exc.value.mine["level"] == 5 and exc.value.mine["note"] == "versi supervisor"
    assert exc.value.theirs.version == 1 and exc.value.theirs.note == "versi operator"
    stored = evaluation.answers.get()
    assert (stored.level, stored.note, stored.version) == (2, "versi operator", 1)


def test_save_answer_other_institution_denied(evaluation, indicators, other_operator):
    with pytest.raises(PermissionDenied):
        save(evaluation, indicators[0], other_operator)
    assert not evaluation.answers.exists()


@pytest.mark.parametrize("role", [Role.ASSESSOR, Role.ADMIN, Role.COORDINATOR])
def test_save_answer_non_staff_denied(evaluation, indicators, role):
    user = f.UserFactory(role=role, is_staff=role == Role.ADMIN)
    with pytest.raises(PermissionDenied):
        save(evaluation, indicators[0], user)


def test_save_answer_indicator_of_other_framework_denied(evaluation, indicators, operator):
    foreign = f.IndicatorFactory()
    with pytest.raises(PermissionDenied):
        save(evaluation, foreign, operator)


def test_save_answer_level_out_of_range(evaluation, indicators, operator):
    with pytest.raises(ValidationError) as exc:
        save(evaluation, indicators[0], operator, level=6)
    assert exc.value.message == s.LEVEL_OUT_OF_RANGE


def test_save_answer_respects_min_self_level(evaluation, indicators, operator):
    evaluation.period.framework.min_self_level = 1
    evaluation.period.framework.save()
    with pytest.raises(ValidationError) as exc:
        save(evaluation, indicators[0], operator, level=0)
    assert exc.value.params == {"min": 1}


def test_save_answer_entry_beyond_max_refused(evaluation, indicators, operator):
    with pytest.raises(ValidationError) as exc:
        save(evaluation, indicators[0], operator, entry=2)
    assert exc.value.message == s.ENTRY_OUT_OF_RANGE
    save(evaluation, indicators[2], operator, entry=3, service_name="Perizinan")


def test_save_answer_draft_without_justification_allowed(evaluation, indicators, operator):
    answer = save(evaluation, indicators[0], operator, level=3, note="")
    assert answer.level == 3
    evaluation.refresh_from_db()
    assert evaluation.answered_count == 0


@pytest.fixture
def deadline_period(db):
    return f.EvaluationPeriodFactory(
        opens_at=dt.datetime(2019, 8, 1, tzinfo=WIB),
        deadline=dt.datetime(2019, 10, 31, 23, 59, 59, tzinfo=WIB),
    )


def test_save_answer_at_235959_wib_succeeds_and_at_midnight_fails(deadline_period, operator):
    ind = small_framework(deadline_period)[0]
    ev = f.EvaluationFactory(institution=operator.institution, period=deadline_period)
    with time_machine.travel(dt.datetime(2019, 10, 31, 23, 59, 59, 500000, tzinfo=WIB), tick=False):
        save(ev, ind, operator, level=1, note="tepat waktu")
    with (
        time_machine.travel(dt.datetime(2019, 11, 1, 0, 0, 0, tzinfo=WIB), tick=False),
        pytest.raises(ValidationError) as exc,
    ):
        save(ev, ind, operator, level=5, note="terlambat")
    assert exc.value.message == s.DEADLINE_PASSED
    assert "31-10-2019 23:59:59" in exc.value.messages[0]
    stored = ev.answers.get()
    assert (stored.level, stored.note) == (1, "tepat waktu")  # the draft is kept


def test_save_answer_extension_moves_deadline(deadline_period, operator):
    ind = small_framework(deadline_period)[0]
    ev = f.EvaluationFactory(institution=operator.institution, period=deadline_period)
    f.ExtensionFactory(
        period=deadline_period,
        institution=operator.institution,
        new_deadline=dt.datetime(2019, 11, 3, 23, 59, 59, tzinfo=WIB),
    )
    with time_machine.travel(dt.datetime(2019, 11, 3, 23, 59, 59, tzinfo=WIB), tick=False):
        save(ev, ind, operator)
    with (
        time_machine.travel(dt.datetime(2019, 11, 4, 0, 0, 0, tzinfo=WIB), tick=False),
        pytest.raises(ValidationError),
    ):
        save(ev, ind, operator, level=4)


def test_save_answer_revoked_extension_does_not_count(deadline_period, operator, admin_user):
    ind = small_framework(deadline_period)[0]
    ev = f.EvaluationFactory(institution=operator.institution, period=deadline_period)
    f.ExtensionFactory(
        period=deadline_period,
        institution=operator.institution,
        revoked_at=dt.datetime(2019, 10, 30, tzinfo=WIB),
    )
    with (
        time_machine.travel(dt.datetime(2019, 11, 2, tzinfo=WIB), tick=False),
        pytest.raises(ValidationError),
    ):
        save(ev, ind, operator)


def test_save_answer_grace_minutes(deadline_period, operator):
    deadline_period.grace_minutes = 10
    deadline_period.save()
    ind = small_framework(deadline_period)[0]
    ev = f.EvaluationFactory(institution=operator.institution, period=deadline_period)
    with time_machine.travel(dt.datetime(2019, 11, 1, 0, 9, 59, tzinfo=WIB), tick=False):
        save(ev, ind, operator)
    with (
        time_machine.travel(dt.datetime(2019, 11, 1, 0, 10, 0, tzinfo=WIB), tick=False),
        pytest.raises(ValidationError),
    ):
        save(ev, ind, operator, level=4)


def test_save_answer_before_period_opens(operator):
    period = f.EvaluationPeriodFactory(
        opens_at=dt.datetime(2030, 1, 1, tzinfo=WIB), deadline=dt.datetime(2030, 2, 1, tzinfo=WIB)
    )
    ind = small_framework(period)[0]
    ev = f.EvaluationFactory(institution=operator.institution, period=period)
    with pytest.raises(ValidationError) as exc:
        save(ev, ind, operator)
    assert exc.value.message == s.NOT_OPEN_YET


def test_save_answer_after_submission_read_only(evaluation, indicators, operator, supervisor):
    fill_all(evaluation, indicators, operator)
    s.submit_evaluation(evaluation=evaluation, by=supervisor)
    with pytest.raises(ValidationError) as exc:
        save(evaluation, indicators[0], operator, level=1)
    assert exc.value.message == s.READ_ONLY_SUBMITTED


# --- progress counters -----------------------------------------------------------------------


def test_progress_counts_answered_and_evidenced(evaluation, indicators, operator):
    pdf = evidence_svc.upload_evidence(
        evaluation=evaluation, by=operator, uploaded_file=upload(make_pdf())
    )
    a1 = save(evaluation, indicators[0], operator, level=3)
    save(evaluation, indicators[1], operator, level=0, note="")
    save(evaluation, indicators[2], operator, level=2, service_name="")  # no service name
    evaluation.refresh_from_db()
    # Level 0 needs no file, so it is answered, but "with evidence" counts files only.
    assert (evaluation.answered_count, evaluation.evidenced_count) == (2, 0)
    evidence_svc.link_evidence(evidence=pdf, answer=a1, by=operator)
    evaluation.refresh_from_db()
    assert (evaluation.answered_count, evaluation.evidenced_count) == (2, 1)


# --- evidence --------------------------------------------------------------------------------


def test_upload_evidence_records_hash_pages_and_sanitised_name(evaluation, indicators, operator):
    data = make_pdf(pages=3)
    ev_file = evidence_svc.upload_evidence(
        evaluation=evaluation,
        by=operator,
        uploaded_file=upload(data, name="../../etc/SK <Tim>\x00 SPBE.PDF"),
        title="SK Tim",
    )
    import hashlib

    assert ev_file.sha256 == hashlib.sha256(data).hexdigest()
    assert ev_file.page_count == 3 and ev_file.size == len(data)
    assert ev_file.original_name == "SK _Tim_ SPBE.pdf"
    assert ev_file.file.name.startswith(f"evidence/{evaluation.pk}/")
    assert "SK" not in ev_file.file.name  # unguessable storage name
    assert AuditEvent.objects.filter(action="evidence.uploaded").exists()


def test_upload_evidence_duplicate_names_existing_file(evaluation, indicators, operator):
    data = make_pdf()
    evidence_svc.upload_evidence(
        evaluation=evaluation, by=operator, uploaded_file=upload(data, "asli.pdf")
    )
    with pytest.raises(ValidationError) as exc:
        evidence_svc.upload_evidence(
            evaluation=evaluation, by=operator, uploaded_file=upload(data, "copy.pdf")
        )
    assert exc.value.message == evidence_svc.DUPLICATE_FILE
    assert "“asli.pdf”" in exc.value.messages[0]
    assert evaluation.evidence.count() == 1


def test_upload_evidence_after_deadline_refused(evaluation, indicators, operator):
    with (
        time_machine.travel(evaluation.period.deadline + dt.timedelta(seconds=1), tick=False),
        pytest.raises(ValidationError) as exc,
    ):
        evidence_svc.upload_evidence(
            evaluation=evaluation, by=operator, uploaded_file=upload(make_pdf())
        )
    assert exc.value.message == s.DEADLINE_PASSED
    assert not evaluation.evidence.exists()


def test_upload_evidence_other_institution_denied(evaluation, other_operator):
    with pytest.raises(PermissionDenied):
        evidence_svc.upload_evidence(
            evaluation=evaluation, by=other_operator, uploaded_file=upload(make_pdf())
        )


def test_link_evidence_twice_refused_and_other_evaluation_refused(
    evaluation, other_evaluation, indicators, operator, other_operator
):
    pdf = evidence_svc.upload_evidence(
        evaluation=evaluation, by=operator, uploaded_file=upload(make_pdf())
    )
    answer = save(evaluation, indicators[0], operator)
    link = evidence_svc.link_evidence(evidence=pdf, answer=answer, by=operator, page_ref=" hal. 3 ")
    assert link.page_ref == "hal. 3"
    with pytest.raises(ValidationError) as exc:
        evidence_svc.link_evidence(evidence=pdf, answer=answer, by=operator)
    assert exc.value.message == evidence_svc.ALREADY_LINKED
    other_pdf = evidence_svc.upload_evidence(
        evaluation=other_evaluation, by=other_operator, uploaded_file=upload(make_pdf(2))
    )
    with pytest.raises(ValidationError) as exc:
        evidence_svc.link_evidence(evidence=other_pdf, answer=answer, by=operator)
    assert exc.value.message == evidence_svc.EVIDENCE_OTHER_EVALUATION


def test_unlink_and_delete_evidence(evaluation, indicators, operator):
    pdf = evidence_svc.upload_evidence(
        evaluation=evaluation, by=operator, uploaded_file=upload(make_pdf())
    )
    a1 = save(evaluation, indicators[0], operator)
    a2 = save(evaluation, indicators[1], operator)
    link = evidence_svc.link_evidence(evidence=pdf, answer=a1, by=operator)
    evidence_svc.link_evidence(evidence=pdf, answer=a2, by=operator)
    evidence_svc.unlink_evidence(link=link, by=operator)
    assert list(EvidenceLink.objects.values_list("answer_id", flat=True)) == [a2.pk]
    assert evidence_svc.delete_evidence(evidence=pdf, by=operator) == 1
    assert not evaluation.evidence.exists() and not EvidenceLink.objects.exists()
    event = AuditEvent.objects.filter(action="evidence.deleted").get()
    assert event.changes["indicators"] == [2]


def test_delete_evidence_after_deadline_refused(evaluation, indicators, operator):
    pdf = evidence_svc.upload_evidence(
        evaluation=evaluation, by=operator, uploaded_file=upload(make_pdf())
    )
    with (
        time_machine.travel(evaluation.period.deadline + dt.timedelta(minutes=1), tick=False),
        pytest.raises(ValidationError),
    ):
        evidence_svc.delete_evidence(evidence=pdf, by=operator)
    assert evaluation.evidence.count() == 1


# --- check and submit ------------------------------------------------------------------------


def test_check_submission_lists_each_missing_item_with_link(evaluation, indicators, operator):
    save(evaluation, indicators[0], operator, level=3, note="")
    save(evaluation, indicators[2], operator, level=2, service_name="")
    problems = selfeval_sel.check_submission(evaluation)
    messages = {(p.number, p.entry, p.message) for p in problems}
    assert (1, 1, "Level 3 without a justification") in messages
    assert (1, 1, "Level 3 without evidence (required from level 1)") in messages
    assert (2, 1, "No level chosen") in messages
    assert (3, 1, "Entry 1 has no service name") in messages
    assert all(p.url.endswith(f"/indicators/{p.indicator_id}/") for p in problems)


def test_check_submission_respects_evidence_rule(evaluation, indicators, operator):
    framework = evaluation.period.framework
    framework.evidence_required_from_level = 4
    framework.save()
    for ind in indicators:
        save(evaluation, ind, operator, level=3, service_name="Perizinan")
    assert selfeval_sel.check_submission(evaluation) == []


def test_submit_records_moment_who_hash_and_index(evaluation, indicators, operator, supervisor):
    fill_all(evaluation, indicators, operator)
    moment = dt.datetime.now(tz=WIB).replace(microsecond=0)
    with time_machine.travel(moment, tick=False):
        ev = s.submit_evaluation(evaluation=evaluation, by=supervisor)
    ev.refresh_from_db()
    assert ev.status == Evaluation.Status.SUBMITTED
    assert ev.submitted_at == moment and ev.submitted_by == supervisor
    assert ev.submission_hash == s.submission_content_hash(ev) and len(ev.submission_hash) == 64
    assert str(ev.self_index) == "3.00" and ev.self_predicate == "Baik"
    assert ev.submission_count == 1
    assert AuditEvent.objects.filter(action="evaluation.submitted").count() == 1


def test_submit_twice_submits_once(evaluation, indicators, operator, supervisor):
    fill_all(evaluation, indicators, operator)
    s.submit_evaluation(evaluation=evaluation, by=supervisor)
    again = s.submit_evaluation(evaluation=evaluation, by=supervisor)
    assert again.submission_count == 1
    assert AuditEvent.objects.filter(action="evaluation.submitted").count() == 1


def test_submit_by_operator_denied(evaluation, indicators, operator):
    fill_all(evaluation, indicators, operator)
    with pytest.raises(PermissionDenied):
        s.submit_evaluation(evaluation=evaluation, by=operator)


def test_submit_other_institution_supervisor_denied(evaluation, indicators, operator):
    fill_all(evaluation, indicators, operator)
    other = f.UserFactory(role=Role.SUPERVISOR)
    with pytest.raises(PermissionDenied):
        s.submit_evaluation(evaluation=evaluation, by=other)


def test_submit_incomplete_refused(evaluation, indicators, operator, supervisor):
    fill_all(evaluation, indicators, operator, evidence=False)
    with pytest.raises(ValidationError) as exc:
        s.submit_evaluation(evaluation=evaluation, by=supervisor)
    assert exc.value.message == s.SUBMISSION_INCOMPLETE
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.IN_PROGRESS


def test_submit_not_started_refused(evaluation, indicators, supervisor):
    with pytest.raises(ValidationError) as exc:
        s.submit_evaluation(evaluation=evaluation, by=supervisor)
    assert exc.value.message == s.NOT_SUBMITTABLE


def test_submit_after_deadline_refused(evaluation, indicators, operator, supervisor):
    fill_all(evaluation, indicators, operator)
    with (
        time_machine.travel(evaluation.period.deadline + dt.timedelta(seconds=1), tick=False),
        pytest.raises(ValidationError) as exc,
    ):
        s.submit_evaluation(evaluation=evaluation, by=supervisor)
    assert exc.value.message == s.DEADLINE_PASSED


def test_content_hash_deterministic_and_sensitive(evaluation, indicators, operator):
    fill_all(evaluation, indicators, operator)
    first = s.submission_content_hash(evaluation)
    assert s.submission_content_hash(evaluation) == first
    save(evaluation, indicators[0], operator, level=4)
    changed = s.submission_content_hash(evaluation)
    assert changed != first
    save(evaluation, indicators[0], operator, level=3)
    assert s.submission_content_hash(evaluation) == first
    evidence_svc.upload_evidence(
        evaluation=evaluation, by=operator, uploaded_file=upload(make_pdf(2))
    )
    assert s.submission_content_hash(evaluation) != first


# --- return ----------------------------------------------------------------------------------


@pytest.fixture
def submitted(evaluation, indicators, operator, supervisor):
    fill_all(evaluation, indicators, operator)
    return s.submit_evaluation(evaluation=evaluation, by=supervisor)


def test_return_partial_allows_only_named_indicators(
    submitted, indicators, operator, supervisor, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        reopening = reopening_svc.reopen_evaluation(
            evaluation=submitted,
            by=admin_user,
            kind=Reopening.Kind.RETURN,
            reason="Bukti indikator 2 tidak terbaca",
            indicators=[indicators[1]],
        )
    submitted.refresh_from_db()
    assert submitted.status == Evaluation.Status.RETURNED
    assert list(reopening.indicators.all()) == [indicators[1]]
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == [operator.email, supervisor.email]
    assert "Bukti indikator 2 tidak terbaca" in mail.outbox[0].body
    assert "2" in mail.outbox[0].body
    save(submitted, indicators[1], operator, level=4)
    with pytest.raises(ValidationError) as exc:
        save(submitted, indicators[0], operator, level=5)
    assert exc.value.message == s.NOT_REOPENED
    ev = s.submit_evaluation(evaluation=submitted, by=supervisor)
    assert ev.status == Evaluation.Status.SUBMITTED and ev.submission_count == 2
    reopening.refresh_from_db()
    assert reopening.closed_at is not None
    with pytest.raises(ValidationError):
        save(submitted, indicators[1], operator, level=2)


def test_return_whole_allows_every_indicator(submitted, indicators, operator, admin_user):
    reopening_svc.reopen_evaluation(
        evaluation=submitted, by=admin_user, kind=Reopening.Kind.RETURN, reason="Ulangi", whole=True
    )
    save(submitted, indicators[0], operator, level=5)


def test_return_twice_refused_and_non_admin_denied(submitted, indicators, operator, admin_user):
    with pytest.raises(PermissionDenied):
        reopening_svc.reopen_evaluation(
            evaluation=submitted, by=operator, kind=Reopening.Kind.RETURN, reason="x", whole=True
        )
    reopening_svc.reopen_evaluation(
        evaluation=submitted, by=admin_user, kind=Reopening.Kind.RETURN, reason="x", whole=True
    )
    with pytest.raises(ValidationError) as exc:
        reopening_svc.reopen_evaluation(
            evaluation=submitted, by=admin_user, kind=Reopening.Kind.RETURN, reason="x", whole=True
        )
    assert exc.value.message == reopening_svc.ALREADY_RETURNED


def test_return_guards(evaluation, submitted, indicators, admin_user):
    with pytest.raises(ValidationError) as exc:
        reopening_svc.reopen_evaluation(
            evaluation=submitted, by=admin_user, kind=Reopening.Kind.RETURN, reason=" ", whole=True
        )
    assert exc.value.message == reopening_svc.RETURN_NEEDS_REASON
    with pytest.raises(ValidationError) as exc:
        reopening_svc.reopen_evaluation(
            evaluation=submitted, by=admin_user, kind=Reopening.Kind.RETURN, reason="x"
        )
    assert exc.value.message == reopening_svc.RETURN_NEEDS_INDICATORS


def test_return_of_unsubmitted_refused(evaluation, indicators, admin_user):
    with pytest.raises(ValidationError) as exc:
        reopening_svc.reopen_evaluation(
            evaluation=evaluation, by=admin_user, kind=Reopening.Kind.RETURN, reason="x", whole=True
        )
    assert exc.value.message == reopening_svc.RETURN_NOT_SUBMITTED


def test_return_after_deadline_needs_due_at_and_honours_it(
    submitted, indicators, operator, admin_user
):
    after = submitted.period.deadline + dt.timedelta(days=2)
    with time_machine.travel(after, tick=False):
        with pytest.raises(ValidationError) as exc:
            reopening_svc.reopen_evaluation(
                evaluation=submitted,
                by=admin_user,
                kind=Reopening.Kind.RETURN,
                reason="x",
                whole=True,
            )
        assert exc.value.message == reopening_svc.RETURN_NEEDS_DUE
        reopening_svc.reopen_evaluation(
            evaluation=submitted,
            by=admin_user,
            kind=Reopening.Kind.RETURN,
            reason="x",
            whole=True,
            due_at=after + dt.timedelta(days=1),
        )
        save(submitted, indicators[0], operator, level=5)
    with (
        time_machine.travel(after + dt.timedelta(days=1, seconds=1), tick=False),
        pytest.raises(ValidationError) as exc,
    ):
        save(submitted, indicators[0], operator, level=4)
    assert exc.value.message == s.REOPENING_DUE_PASSED


def test_clarification_by_assigned_assessor_only(
    submitted, indicators, assessor, unassigned_assessor
):
    with pytest.raises(PermissionDenied):
        reopening_svc.reopen_evaluation(
            evaluation=submitted,
            by=unassigned_assessor,
            kind=Reopening.Kind.CLARIFICATION,
            reason="x",
            indicators=[indicators[0]],
        )
    r = reopening_svc.reopen_evaluation(
        evaluation=submitted,
        by=assessor,
        kind=Reopening.Kind.CLARIFICATION,
        reason="Mohon jelaskan",
        indicators=[indicators[0]],
    )
    assert r.kind == Reopening.Kind.CLARIFICATION


def test_returned_evidence_only_for_returned_indicators(
    submitted, indicators, operator, admin_user
):
    reopening_svc.reopen_evaluation(
        evaluation=submitted,
        by=admin_user,
        kind=Reopening.Kind.RETURN,
        reason="Bukti indikator 2",
        indicators=[indicators[1]],
    )
    shared = submitted.evidence.get()  # linked to every indicator by fill_all
    with pytest.raises(ValidationError) as exc:
        evidence_svc.delete_evidence(evidence=shared, by=operator)
    assert exc.value.message == s.NOT_REOPENED
    new = evidence_svc.upload_evidence(
        evaluation=submitted, by=operator, uploaded_file=upload(make_pdf(4))
    )
    returned_answer = submitted.answers.get(indicator=indicators[1])
    evidence_svc.link_evidence(evidence=new, answer=returned_answer, by=operator)
    other_answer = submitted.answers.get(indicator=indicators[0])
    with pytest.raises(ValidationError):
        evidence_svc.link_evidence(evidence=new, answer=other_answer, by=operator)
    link = other_answer.evidence_links.get()
    with pytest.raises(ValidationError):
        evidence_svc.unlink_evidence(link=link, by=operator)
    assert evidence_svc.delete_evidence(evidence=new, by=operator) == 1
