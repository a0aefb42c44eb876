"""The assessors' texts: fulfilment, strengths and weaknesses per aspect and the general
recommendation. When they may change, saving them, drafting the empty ones from the
levels, and their round trip with the review team (accepted, or sent back and handed in
again).

Every write locks the evaluation row and checks the writer after the lock (the assessor's
as the scoring does, `evaluations.services.assessment`; the reviewer's as the review
does, `evaluations.services.review`), and is audited in the same transaction.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluations import deadlines, drafting, scoring, text_limits
from evaluations.models import (
    Aspect,
    AspectNote,
    AuditEvent,
    Evaluation,
    EvaluationReview,
    GeneralRecommendation,
    Indicator,
    Phase,
    TextReview,
)
from evaluations.selectors.assessment import compute_results
from evaluations.services.assessment import (
    STAGE_SCORABLE,
    _apply_changes,
    _check_version,
    _lock_for_assessor,
    _require_scorable,
    _start_if_submitted,
    require_stage_open,
)
from evaluations.services.core import record_event
from evaluations.services.review import _lock as _lock_for_reviewer

SEND_BACK_NEEDS_NOTE = _("Say what the assessors should change in their texts.")
TEXTS_NOT_SENT_BACK = _("The review team has not sent these texts back.")


def _require_texts_editable(evaluation, now=None) -> None:
    """The assessors' texts (aspect notes, general recommendation) change while the
    document assessment, the interview or the visit is open for the evaluation, or after
    approval when the review team sent them back (until the review is complete)."""
    if evaluation.status == Evaluation.Status.APPROVED and texts_sent_back(evaluation):
        return
    # The texts follow the levels, which may still change at the interview or the visit.
    if evaluation.status in STAGE_SCORABLE and any(
        deadlines.is_stage_open(evaluation.period, phase, now or timezone.now())
        for phase in (Phase.INTERVIEW, Phase.VISIT)
    ):
        return
    _require_scorable(evaluation, now=now)


def texts_sent_back(evaluation) -> bool:
    """The review team sent the texts back and the review is not complete yet."""
    return (
        TextReview.objects.filter(evaluation=evaluation, state=TextReview.State.SENT_BACK).exists()
        and not EvaluationReview.objects.filter(evaluation=evaluation).exists()
    )


def texts_editable(evaluation, now=None) -> bool:
    """The same rule as `_require_texts_editable`, as a yes/no for the pages."""
    try:
        _require_texts_editable(evaluation, now)
    except ValidationError:
        return False
    return True


def _save_next_version(text, by) -> None:
    """Store an edited text row under the next version, which a page showing an older one
    no longer matches (`_check_version`)."""
    text.version += 1
    text.updated_by = by
    text.save()


@transaction.atomic
def save_aspect_note(
    *,
    evaluation: Evaluation,
    aspect,
    by,
    strengths: str,
    weaknesses: str,
    fulfilment: str | None = None,
    version: int | None = None,
) -> AspectNote:
    """Save the assessor's strengths and weaknesses (and, when given, the fulfilment) for
    one aspect (document phase).

    Same guards as `save_validated_answer` at the document stage (assignment, status,
    window, version), except that texts the review team sent back may be edited after
    approval (`_require_texts_editable`).
    """
    evaluation = _lock_for_assessor(evaluation, by)
    _require_texts_editable(evaluation)
    if aspect.domain.framework_id != evaluation.period.framework_id:
        raise PermissionDenied
    note = AspectNote.objects.filter(
        evaluation=evaluation, aspect=aspect, phase=Phase.DOCUMENT
    ).first()
    _check_version(note, version)
    if note is None:
        note = AspectNote(evaluation=evaluation, aspect=aspect, phase=Phase.DOCUMENT, version=0)
    values = {"strengths": (strengths or "").strip(), "weaknesses": (weaknesses or "").strip()}
    if fulfilment is not None:
        values["fulfilment"] = fulfilment.strip()
    for name, value in values.items():
        text_limits.check(
            value, text_limits.ASPECT_NOTE, AspectNote._meta.get_field(name).verbose_name
        )
    changes = _apply_changes(note, values)
    if note.pk and not changes:
        return note
    _save_next_version(note, by)
    _start_if_submitted(evaluation, by)
    record_event(
        action=AuditEvent.Action.ASPECT_NOTE_SAVED,
        actor=by,
        evaluation=evaluation,
        changes={"aspect": aspect.code, **text_limits.audit_changes(changes)},
    )
    return note


@transaction.atomic
def save_general_recommendation(
    *,
    evaluation: Evaluation,
    by,
    summary: str,
    strongest: str,
    weakest: str,
    advice: str,
    version: int | None = None,
) -> GeneralRecommendation:
    """Save the four parts of the general recommendation. Guards as for the aspect notes
    (assignment, texts editable, version); audited with the changed parts."""
    evaluation = _lock_for_assessor(evaluation, by)
    _require_texts_editable(evaluation)
    rec = GeneralRecommendation.objects.filter(evaluation=evaluation).first()
    _check_version(rec, version)
    if rec is None:
        rec = GeneralRecommendation(evaluation=evaluation, version=0)
    values = {
        "summary": (summary or "").strip(),
        "strongest": (strongest or "").strip(),
        "weakest": (weakest or "").strip(),
        "advice": (advice or "").strip(),
    }
    for name, value in values.items():
        text_limits.check(
            value,
            text_limits.RECOMMENDATION,
            GeneralRecommendation._meta.get_field(name).verbose_name,
        )
    changes = _apply_changes(rec, values)
    if rec.pk and not changes:
        return rec
    _save_next_version(rec, by)
    record_event(
        action=AuditEvent.Action.RECOMMENDATION_SAVED,
        actor=by,
        evaluation=evaluation,
        changes=text_limits.audit_changes(changes),
    )
    return rec


def _drafts(evaluation):
    """The drafts of every aspect and of the general recommendation from the levels that
    count now (`scoring.final_levels`); indicators not scored yet are left out."""
    spec = scoring.spec_for(evaluation.period.framework)
    _self, final = compute_results(evaluation, spec)
    names = dict(
        Indicator.objects.filter(framework_id=evaluation.period.framework_id).values_list(
            "pk", "name"
        )
    )
    scored = [
        drafting.ScoredIndicator(
            number=ind.number,
            name=names.get(ind.id, ""),
            aspect_code=ind.aspect_code,
            value=final.indicators[ind.id],
        )
        for ind in spec.indicators
        if ind.id not in final.missing
    ]
    by_aspect = {
        code: drafting.draft_aspect(code, [i for i in scored if i.aspect_code == code])
        for code in spec.aspects
    }
    recommendation = drafting.draft_recommendation(
        aspects=[
            (code, name, final.aspects[code])
            for code, (_domain, name) in spec.aspects.items()
            if any(i.aspect_code == code for i in scored)
        ],
        index=final.index,
        predicate=final.predicate,
        bands=spec.bands,
        indicators=scored,
    )
    return by_aspect, recommendation


@transaction.atomic
def draft_texts(*, evaluation: Evaluation, by) -> list[str]:
    """Fill the empty texts (fulfilment, strengths, weaknesses per aspect; the four parts
    of the general recommendation) with drafts from the levels (`evaluations.drafting`).
    A text that has anything in it is kept as it is: a draft never overwrites an edit.
    Guards as for saving the texts. Returns the names of the filled texts; audited."""
    evaluation = _lock_for_assessor(evaluation, by)
    _require_texts_editable(evaluation)
    by_aspect, recommendation = _drafts(evaluation)
    aspects = {
        a.code: a
        for a in Aspect.objects.filter(domain__framework_id=evaluation.period.framework_id)
    }
    notes = {
        n.aspect_id: n
        for n in AspectNote.objects.filter(evaluation=evaluation, phase=Phase.DOCUMENT)
    }
    filled = []
    for code, draft in by_aspect.items():
        aspect = aspects[code]
        note = notes.get(aspect.pk) or AspectNote(
            evaluation=evaluation, aspect=aspect, phase=Phase.DOCUMENT, version=0
        )
        empty = [f for f in ("fulfilment", "strengths", "weaknesses") if not getattr(note, f)]
        if not empty:
            continue
        for name in empty:
            setattr(note, name, getattr(draft, name))
            filled.append(f"{code}.{name}")
        _save_next_version(note, by)
    rec = GeneralRecommendation.objects.filter(evaluation=evaluation).first()
    rec = rec or GeneralRecommendation(evaluation=evaluation, version=0)
    empty = [f for f in GeneralRecommendation.PARTS if not getattr(rec, f)]
    if empty:
        for name in empty:
            setattr(rec, name, getattr(recommendation, name))
            filled.append(f"recommendation.{name}")
        _save_next_version(rec, by)
    if filled:
        record_event(
            action=AuditEvent.Action.TEXTS_DRAFTED,
            actor=by,
            evaluation=evaluation,
            changes={"filled": filled},
        )
    return filled


@transaction.atomic
def decide_texts(
    *, evaluation: Evaluation, by, accept: bool, note: str = "", now=None
) -> TextReview:
    """Accept the assessors' strengths, weaknesses, fulfilment and general recommendation,
    or send them back with a note saying what to change (SEND_BACK_NEEDS_NOTE). Same
    guards as a verdict (reviewer, approved, review not complete, window open).
    Side effect: audit event with the decision and the note."""
    evaluation = _lock_for_reviewer(evaluation, by)
    require_stage_open(evaluation.period, Phase.REVIEW, now)
    note = (note or "").strip()
    text_limits.check(note, text_limits.REASON, _("Review note"))
    if not accept and not note:
        raise ValidationError(SEND_BACK_NEEDS_NOTE, code="note")
    texts, _created = TextReview.objects.select_for_update().get_or_create(evaluation=evaluation)
    before = texts.state
    texts.state = TextReview.State.ACCEPTED if accept else TextReview.State.SENT_BACK
    texts.note = note
    if not accept:
        texts.rounds += 1
    texts.decided_by, texts.decided_at = by, now or timezone.now()
    texts.save()
    record_event(
        action=(
            AuditEvent.Action.REVIEW_TEXTS_ACCEPTED
            if accept
            else AuditEvent.Action.REVIEW_TEXTS_SENT_BACK
        ),
        actor=by,
        evaluation=evaluation,
        changes=text_limits.audit_changes({"state": [before, texts.state], "note": note}),
    )
    return texts


@transaction.atomic
def hand_in_texts(*, evaluation: Evaluation, by) -> TextReview:
    """An assigned assessor hands the edited texts back to the review team: sent back ->
    awaiting the review (TEXTS_NOT_SENT_BACK otherwise). Audited."""
    evaluation = _lock_for_assessor(evaluation, by)
    texts = TextReview.objects.select_for_update().filter(evaluation=evaluation).first()
    if texts is None or texts.state != TextReview.State.SENT_BACK:
        raise ValidationError(TEXTS_NOT_SENT_BACK, code="state")
    texts.state = TextReview.State.PENDING
    texts.save(update_fields=["state"])
    record_event(
        action=AuditEvent.Action.REVIEW_TEXTS_RESUBMITTED,
        actor=by,
        evaluation=evaluation,
        changes={"state": [TextReview.State.SENT_BACK, TextReview.State.PENDING]},
    )
    return texts
