"""Matrix rows for the interview and site-visit pages: only the assigned assessor;
another institution's evaluation is 404 for everyone outside its scope."""

import datetime as dt

from django.utils import timezone

from evaluations.models import Evaluation, PeriodMode

from . import Row, everyone, only
from .assessment import OTHER_EVALUATION, SCORE, SCORE_POST, _submitted


def _at_interview(cast):
    kwargs = _submitted(cast)
    Evaluation.objects.filter(pk=cast.evaluation.pk).update(
        status=Evaluation.Status.UNDER_ASSESSMENT
    )
    period = cast.period
    period.mode = PeriodMode.EVALUATION
    period.interview_opens_at = timezone.now() - dt.timedelta(days=1)
    period.interview_closes_at = timezone.now() + dt.timedelta(days=1)
    period.save()
    return {**kwargs, "stage": "interview"}


def _answer_kwargs(cast):
    return {**_at_interview(cast), "indicator_pk": cast.indicator.pk, "entry": 1}


ROWS = [
    Row("evaluations:stage-sheet", SCORE, setup=_at_interview),
    Row(
        "evaluations:stage-sheet",
        OTHER_EVALUATION,
        setup=lambda c: {"pk": c.other_evaluation.pk, "stage": "interview"},
        id="stage-sheet-other-evaluation",
    ),
    Row(
        "evaluations:stage-answer-save",
        SCORE_POST,
        setup=_answer_kwargs,
        method="post",
        data=lambda c: {"level": "4", "facts": "Wawancara", "version": "0"},
    ),
]


def _agenda_kwargs(cast):
    kwargs = _at_interview(cast)
    kwargs.pop("stage")
    return {**kwargs, "indicator_pk": cast.indicator.pk}


ROWS += [
    Row(
        "evaluations:agenda-mark",
        SCORE_POST,
        setup=_agenda_kwargs,
        method="post",
        data=lambda c: {"question": "Mana buktinya?"},
    ),
]


def _provisional(cast):
    """A's evaluation under assessment, its document stage closed an hour ago, in an
    evaluation-mode period: the provisional result is out and the window open."""
    kwargs = _submitted(cast)
    Evaluation.objects.filter(pk=cast.evaluation.pk).update(
        status=Evaluation.Status.UNDER_ASSESSMENT
    )
    period = cast.period
    now = timezone.now()
    period.mode = PeriodMode.EVALUATION
    period.opens_at = now - dt.timedelta(days=60)
    period.deadline = now - dt.timedelta(days=20)
    period.document_deadline = now - dt.timedelta(hours=1)
    period.save()
    return kwargs


def _response(cast):
    from evaluations.models import ClarificationResponse

    kwargs = _provisional(cast)
    cast.response = ClarificationResponse.objects.create(
        evaluation=cast.evaluation,
        indicator=cast.indicator,
        text="Tanggapan.",
        written_by=cast.supervisor,
        written_at=timezone.now(),
    )
    return {**kwargs, "response_pk": cast.response.pk}


# Institution A's staff, its assessor, its coordinator and admins see the provisional
# result; the other institution and the unassigned assessor get 404.
PROVISIONAL = everyone(
    200,
    unassigned_assessor=404,
    other_operator=404,
    other_coordinator=404,
)

ROWS += [
    Row("evaluations:provisional", PROVISIONAL, setup=_provisional),
    Row(
        "evaluations:provisional",
        {**OTHER_EVALUATION, "admin": 200},
        setup=lambda c: {"pk": c.other_evaluation.pk},
        id="provisional-other-evaluation",
    ),
    Row(
        "evaluations:response-save",
        everyone(
            403,
            operator=302,
            supervisor=302,
            unassigned_assessor=404,
            other_operator=404,
            other_coordinator=404,
        ),
        setup=lambda c: {**_provisional(c), "indicator_pk": c.indicator.pk, "entry": 1},
        method="post",
        data=lambda c: {"text": "Tanggapan kami."},
    ),
    Row("evaluations:responses", SCORE, setup=_provisional),
    Row(
        "evaluations:response-decide",
        SCORE_POST,
        setup=_response,
        method="post",
        data=lambda c: {"decision": "not_accepted", "reason": "Tidak cukup."},
    ),
]


def _meeting(cast):
    """A's interview proposed by its assessor, one time to choose."""
    from evaluations.models import Meeting, MeetingSlot

    kwargs = _at_interview(cast)
    kwargs["kind"] = kwargs.pop("stage")
    meeting = Meeting.objects.create(evaluation=cast.evaluation, kind="interview")
    start = timezone.now() + dt.timedelta(hours=6)
    cast.slot = MeetingSlot.objects.create(
        meeting=meeting, starts_at=start, ends_at=start + dt.timedelta(hours=1), location="Zoom"
    )
    return kwargs


def _scheduled(cast):
    from evaluations.models import Meeting

    kwargs = _meeting(cast)
    Meeting.objects.filter(evaluation=cast.evaluation).update(
        status="scheduled",
        starts_at=cast.slot.starts_at,
        ends_at=cast.slot.ends_at,
        location="Zoom",
    )
    return kwargs


def _wib(moment):
    return timezone.localtime(moment, dt.timezone(dt.timedelta(hours=7))).strftime("%Y-%m-%dT%H:%M")


# Everyone who sees A's evaluation sees its interview; the others get 404.
MEETING = everyone(200, unassigned_assessor=404, other_operator=404, other_coordinator=404)
STAFF_POST = everyone(
    403,
    operator=302,
    supervisor=302,
    unassigned_assessor=404,
    other_operator=404,
    other_coordinator=404,
)

ROWS += [
    Row("evaluations:meeting", MEETING, setup=_meeting),
    Row(
        "evaluations:meeting",
        # B's own staff see B's (empty) interview page; A's people get 404.
        {**OTHER_EVALUATION, "admin": 200, "other_operator": 200},
        setup=lambda c: {"pk": c.other_evaluation.pk, "kind": "interview"},
        id="meeting-other-evaluation",
    ),
    Row(
        "evaluations:meeting-propose",
        SCORE_POST,
        setup=_meeting,
        method="post",
        data=lambda c: {
            "starts_1": _wib(timezone.now() + dt.timedelta(hours=5)),
            "ends_1": _wib(timezone.now() + dt.timedelta(hours=6)),
            "location_1": "Zoom",
        },
    ),
    Row(
        "evaluations:meeting-choose",
        STAFF_POST,
        setup=lambda c: {**_meeting(c), "slot_pk": c.slot.pk},
        method="post",
    ),
    Row(
        "evaluations:meeting-reschedule",
        SCORE_POST,
        setup=_scheduled,
        method="post",
        data=lambda c: {
            "starts_at": _wib(timezone.now() + dt.timedelta(hours=8)),
            "ends_at": _wib(timezone.now() + dt.timedelta(hours=9)),
            "location": "Zoom",
            "reason": "Bentrok jadwal.",
        },
    ),
    Row(
        "evaluations:meeting-record",
        SCORE_POST,
        setup=_scheduled,
        method="post",
        data=lambda c: {"attendance": "Budi, Kadis", "minutes": "Dibahas."},
    ),
]


def _visit_period(cast):
    kwargs = _provisional(cast)
    period = cast.period
    now = timezone.now()
    period.interview_opens_at = now - dt.timedelta(days=1)
    period.interview_closes_at = now + dt.timedelta(days=1)
    period.visit_opens_at = now + dt.timedelta(days=2)
    period.visit_closes_at = now + dt.timedelta(days=9)
    period.save()
    return kwargs


ROWS += [
    Row(
        "evaluations:visit-list",
        only({"coordinator": 200, "other_coordinator": 200, "admin": 200}),
        setup=lambda c: {"period_pk": _visit_period(c) and c.period.pk},
    ),
    Row(
        "evaluations:visit-select",
        {
            **everyone(403, coordinator=302, admin=302),
            "unassigned_assessor": 404,
            "other_operator": 404,
            "other_coordinator": 404,
        },
        setup=_visit_period,
        method="post",
        data=lambda c: {"reason": "Validasi di lokasi."},
    ),
]
