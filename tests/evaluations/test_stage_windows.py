"""The assessor stages' windows (document, interview, visit) enforced on the server, the
three-part explanation, and the carry-over of a stage's result to the next."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from evaluations import deadlines, scoring
from evaluations.models import Answer, AuditEvent, Evaluation, PeriodMode, Phase
from evaluations.permissions import scoring_is_open
from evaluations.services import assessment as svc
from evaluations.services import assessment_texts as texts_svc
from tests.evaluations.assessment_helpers import small_framework, submit

pytestmark = pytest.mark.django_db

SECOND = dt.timedelta(seconds=1)
MS = dt.timedelta(milliseconds=1)
NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def indicators(period):
    return small_framework(period.framework)


def _evaluation_mode(period, *, interview=(NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=1))):
    period.mode = PeriodMode.EVALUATION
    period.interview_opens_at, period.interview_closes_at = interview
    period.save()
    return period


@pytest.fixture
def under_assessment(evaluation, indicators, assessor):
    """Document stage scored for every indicator (levels 2, 2, 2)."""
    submit(evaluation, levels=(4, 3, 2), indicators=indicators)
    for indicator in indicators:
        svc.save_validated_answer(
            evaluation=evaluation, indicator=indicator, by=assessor, level=2, note="Dokumen."
        )
    evaluation.refresh_from_db()
    return evaluation


def _score(evaluation, indicator, by, level=4, **kwargs):
    return svc.save_validated_answer(
        evaluation=evaluation, indicator=indicator, by=by, level=level, **kwargs
    )


# --- The rule --------------------------------------------------------------------------


def test_stage_state_is_exact_to_the_second(period):
    closes = NOW + dt.timedelta(days=2)
    opens = NOW + dt.timedelta(days=1)
    period.mode = PeriodMode.EVALUATION
    period.document_deadline = period.deadline + dt.timedelta(days=5)
    period.interview_opens_at, period.interview_closes_at = opens, closes
    rows = [
        ("interview", opens - MS, deadlines.STAGE_NOT_YET),
        ("interview", opens, deadlines.STAGE_OPEN),
        ("interview", closes + SECOND - MS, deadlines.STAGE_OPEN),
        ("interview", closes + SECOND, deadlines.STAGE_CLOSED),
        ("visit", opens, deadlines.STAGE_NOT_HELD),
        # The document stage opens with the submission, not at the self deadline.
        ("document", period.opens_at, deadlines.STAGE_OPEN),
        ("document", period.document_deadline + SECOND - MS, deadlines.STAGE_OPEN),
        ("document", period.document_deadline + SECOND, deadlines.STAGE_CLOSED),
    ]
    for stage, now, expected in rows:
        assert deadlines.stage_state(period, stage, now) == expected, (stage, now)


def test_document_stage_without_deadline_never_closes_and_self_is_not_an_assessor_stage(period):
    period.document_deadline = None
    assert deadlines.is_stage_open(period, "document", NOW + dt.timedelta(days=3650))
    with pytest.raises(ValueError):
        deadlines.stage_state(period, "self", NOW)


def test_a_monitoring_period_holds_no_interview(period):
    assert period.mode == PeriodMode.MONITORING
    assert deadlines.stage_state(period, "interview", NOW) == deadlines.STAGE_NOT_HELD


# --- The services ---------------------------------------------------------------------


def test_document_scoring_refused_after_the_document_deadline(
    under_assessment, indicators, assessor
):
    period = under_assessment.period
    period.document_deadline = period.deadline + dt.timedelta(days=1)
    period.save()
    after = period.document_deadline + SECOND
    with pytest.raises(ValidationError) as exc:
        _score(
            under_assessment,
            indicators[0],
            assessor,
            level=5,
            note="Terlambat.",
            version=1,
            now=after,
        )
    assert exc.value.code == "stage_closed"
    assert "WIB" in exc.value.messages[0]
    assert Answer.objects.get(indicator=indicators[0], phase=Phase.DOCUMENT).level == 2
    # The last accepted second still saves.
    _score(
        under_assessment,
        indicators[0],
        assessor,
        level=5,
        note="Tepat waktu.",
        version=1,
        now=after - MS,
    )
    assert Answer.objects.get(indicator=indicators[0], phase=Phase.DOCUMENT).level == 5


def test_scoring_page_is_read_only_once_the_document_stage_closed(under_assessment):
    period = under_assessment.period
    assert scoring_is_open(under_assessment)
    period.opens_at = NOW - dt.timedelta(days=60)
    period.deadline = NOW - dt.timedelta(days=30)
    period.document_deadline = NOW - dt.timedelta(days=1)
    period.save()
    under_assessment.refresh_from_db()
    assert not scoring_is_open(under_assessment)


def test_aspect_note_refused_after_the_document_deadline(under_assessment, indicators, assessor):
    period = under_assessment.period
    period.opens_at = NOW - dt.timedelta(days=60)
    period.deadline = NOW - dt.timedelta(days=30)
    period.document_deadline = NOW - dt.timedelta(days=1)
    period.save()
    with pytest.raises(ValidationError) as exc:
        texts_svc.save_aspect_note(
            evaluation=under_assessment,
            aspect=indicators[0].aspect,
            by=assessor,
            strengths="Kuat",
            weaknesses="",
        )
    assert exc.value.code == "stage_closed"


@pytest.mark.parametrize(
    "window, code",
    [
        ((NOW + dt.timedelta(hours=1), NOW + dt.timedelta(days=1)), "stage_not_yet"),
        ((NOW - dt.timedelta(days=2), NOW - dt.timedelta(days=1)), "stage_closed"),
        ((None, None), "stage_not_held"),
    ],
)
def test_interview_scoring_only_inside_its_window(
    under_assessment, indicators, assessor, window, code
):
    period = under_assessment.period
    if window[0] is None:
        assert period.mode == PeriodMode.MONITORING
    else:
        _evaluation_mode(period, interview=window)
    with pytest.raises(ValidationError) as exc:
        _score(under_assessment, indicators[0], assessor, phase=Phase.INTERVIEW, facts="Wawancara.")
    assert exc.value.code == code
    assert not Answer.objects.filter(phase=Phase.INTERVIEW).exists()


def test_visit_is_refused_where_the_period_sets_no_visit(under_assessment, indicators, assessor):
    _evaluation_mode(under_assessment.period)
    with pytest.raises(ValidationError) as exc:
        _score(under_assessment, indicators[0], assessor, phase=Phase.VISIT)
    assert exc.value.code == "stage_not_held"


def test_interview_comes_after_the_document_stage(evaluation, indicators, assessor):
    submit(evaluation, indicators=indicators)
    _evaluation_mode(evaluation.period)
    with pytest.raises(ValidationError) as exc:
        _score(evaluation, indicators[0], assessor, phase=Phase.INTERVIEW)
    assert exc.value.code == "status"


def test_the_final_phase_is_not_written_by_the_stage_service(
    under_assessment, indicators, assessor
):
    with pytest.raises(ValidationError) as exc:
        _score(under_assessment, indicators[0], assessor, phase=Phase.FINAL)
    assert exc.value.code == "phase"


# --- Three parts and carry-over -------------------------------------------------------


def test_interview_level_with_three_part_explanation_and_carry_over(
    under_assessment, indicators, assessor
):
    _evaluation_mode(under_assessment.period)
    answer = _score(
        under_assessment,
        indicators[1],
        assessor,
        phase=Phase.INTERVIEW,
        facts="  SK Walikota 12/2023 pasal 3.  ",
        analysis="Memenuhi kriteria level 4.",
        justification="Kebijakan sudah diterapkan di seluruh unit.",
    )
    assert answer.phase == Phase.INTERVIEW and answer.version == 1
    assert answer.facts == "SK Walikota 12/2023 pasal 3."
    event = AuditEvent.objects.filter(action="assessment.answer_saved").latest("pk")
    assert event.changes["phase"] == "interview"
    assert event.changes["justification"] == ["", "Kebijakan sudah diterapkan di seluruh unit."]
    under_assessment.refresh_from_db()
    assert under_assessment.status == Evaluation.Status.UNDER_ASSESSMENT

    answers = list(Answer.objects.filter(evaluation=under_assessment))
    at_interview = scoring.stage_answers(answers, Phase.INTERVIEW)
    by_indicator = {key[0]: result for key, result in at_interview.items()}
    assert by_indicator[indicators[1].pk].answer.level == 4
    assert not by_indicator[indicators[1].pk].carried_over
    for untouched in (indicators[0], indicators[2]):
        assert by_indicator[untouched.pk].carried_over
        assert by_indicator[untouched.pk].answer.level == 2
        assert by_indicator[untouched.pk].answer.phase == Phase.DOCUMENT
    # At the document stage nothing is carried over and the interview is not yet seen.
    at_document = scoring.stage_answers(answers, Phase.DOCUMENT)
    assert {r.answer.level for r in at_document.values()} == {2}
    assert not any(r.carried_over for r in at_document.values())
    # The final level follows the latest stage.
    assert scoring.final_levels(answers) == {
        indicators[0].pk: [2],
        indicators[1].pk: [4],
        indicators[2].pk: [2],
    }


def test_interview_may_be_recorded_after_the_assessment_is_marked_complete(
    under_assessment, assessor, indicators
):
    svc.complete_assessment(evaluation=under_assessment, by=assessor)
    _evaluation_mode(under_assessment.period)
    _score(under_assessment, indicators[0], assessor, level=3, phase=Phase.INTERVIEW)
    under_assessment.refresh_from_db()
    assert under_assessment.status == Evaluation.Status.ASSESSED
    Evaluation.objects.filter(pk=under_assessment.pk).update(status=Evaluation.Status.APPROVED)
    with pytest.raises(ValidationError) as exc:
        _score(under_assessment, indicators[0], assessor, level=5, phase=Phase.INTERVIEW, version=1)
    assert exc.value.code == "status"


def test_the_refusal_speaks_indonesian(under_assessment, indicators, assessor):
    from django.utils import translation

    _evaluation_mode(under_assessment.period, interview=(NOW - 2 * SECOND, NOW - SECOND))
    with translation.override("id"), pytest.raises(ValidationError) as exc:
        _score(under_assessment, indicators[0], assessor, phase=Phase.INTERVIEW)
    with translation.override("id"):
        text = exc.value.messages[0]
    assert text.startswith("Tahap penilaian interviu ditutup pada ") and text.endswith(
        "tidak ada lagi yang dapat dicatat."
    )
