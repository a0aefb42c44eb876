"""The evidence library's writes: upload, link to an answer, unlink, delete.

Each takes the same lock and window check as an answer save (services.selfeval), so a
file cannot be added or moved after the deadline or outside a return, and keeps the
"with evidence" counters current through the same indicator-state delta.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluations.evidence import check_pdf
from evaluations.models import (
    Answer,
    AuditEvent,
    Evaluation,
    EvidenceFile,
    EvidenceLink,
    Phase,
)
from evaluations.permissions import (
    reopened_indicator_ids,
)
from evaluations.selectors.selfeval import indicator_answers
from evaluations.services.core import atomic_unless_locked, record_event
from evaluations.services.selfeval import (
    NOT_REOPENED,
    _check_window,
    _lock,
    _lock_for_entry,
    _state_fields,
    _touch,
    _touch_activity,
    _touch_indicator,
    _wib,
)
from spbe_portal import prepared

# --- Messages (tests import these) ---------------------------------------------------------

DUPLICATE_FILE = _(
    "This file is already in your evidence library as “%(existing)s” (uploaded %(at)s). "
    "Link that file instead."
)
ALREADY_LINKED = _("This file is already linked to this entry.")
EVIDENCE_OTHER_EVALUATION = _("This file does not belong to this evaluation.")
DATE_IN_FUTURE = _("The document date cannot be in the future (today is %(today)s).")


def _check_document_date(document_date, now) -> None:
    """A document date is a day that has come: not after today in WIB."""
    from evaluations.wib import WIB

    today = now.astimezone(WIB).date()
    if document_date is not None and document_date > today:
        raise ValidationError(
            DATE_IN_FUTURE, params={"today": today.strftime("%d-%m-%Y")}, code="future"
        )


# --- Evidence -----------------------------------------------------------------------------


@atomic_unless_locked
def upload_evidence(
    *,
    evaluation: Evaluation,
    by,
    uploaded_file,
    title: str = "",
    document_date=None,
    now=None,
    locked: bool = False,
) -> EvidenceFile:
    """Check an uploaded PDF (evaluations.evidence.check_pdf) and add it to the library.

    Preconditions: as save_answer (editable now). Side effects: the file is stored
    under an unguessable name; "evidence.uploaded" AuditEvent.
    Raises PermissionDenied; ValidationError for a bad file (the evidence module's
    messages), DUPLICATE_FILE when the same bytes are already in the library.
    `locked=True`: the caller holds the evaluation's row lock in its transaction
    (`atomic_unless_locked`), as the indicator page's upload does to link the file in
    the same transaction.
    """
    now = now or timezone.now()
    ev = evaluation if locked else _lock(evaluation)
    _check_window(ev, by, now)
    _check_document_date(document_date, now)
    return store_evidence(
        evaluation=ev,
        by=by,
        uploaded_file=uploaded_file,
        title=title,
        document_date=document_date,
        now=now,
    )


def store_evidence(
    *, evaluation: Evaluation, by, uploaded_file, title: str, now, document_date=None
) -> EvidenceFile:
    """Check a PDF and add it to the evaluation's library, audited. The caller holds the
    evaluation's lock and has checked its own window (the self-evaluation's, or the
    clarification window's) and the document date. Raises ValidationError for a bad or
    duplicate file."""
    ev = evaluation
    checked = check_pdf(uploaded_file)
    existing = EvidenceFile.objects.filter(evaluation=ev, sha256=checked.sha256).first()
    if existing is not None:
        raise ValidationError(
            DUPLICATE_FILE,
            code="duplicate",
            params={
                "existing": existing.title or existing.original_name,
                "at": _wib(existing.uploaded_at),
            },
        )
    evidence = EvidenceFile(
        evaluation=ev,
        original_name=checked.name,
        title=(title or "").strip()[:255],
        size=checked.size,
        sha256=checked.sha256,
        page_count=checked.page_count,
        active_content=list(checked.active_content),
        document_date=document_date,
        uploaded_by=by,
    )
    evidence.file.save(checked.name, uploaded_file, save=False)
    try:
        prepared.insert(evidence)
        record_event(
            action=AuditEvent.Action.EVIDENCE_UPLOADED,
            actor=by,
            evaluation=ev,
            changes={
                "file": [None, checked.name],
                "sha256": [None, checked.sha256],
                "active_content": [None, list(checked.active_content)],
            },
            at=now,
        )
        _touch_activity(ev, by=by, now=now)
    except BaseException:
        # The transaction rolls back: do not leave the stored bytes behind as an orphan.
        evidence.file.delete(save=False)
        raise
    return evidence


@atomic_unless_locked
def link_evidence(
    *,
    evidence: EvidenceFile,
    answer: Answer,
    by,
    page_ref: str = "",
    now=None,
    locked: bool = False,
) -> EvidenceLink:
    """Link a library file to a self answer (one indicator entry), with a page reference.

    Idempotent in effect: linking the same file twice raises ALREADY_LINKED.
    Side effects: "evidence.linked" AuditEvent on the indicator; progress counters.
    `locked=True`: the caller holds the evaluation's row lock in its transaction
    (`atomic_unless_locked`) and `answer.evaluation` is that row.
    """
    now = now or timezone.now()
    ev = answer.evaluation if locked else _lock(answer.evaluation)
    if answer.phase != Phase.SELF:
        raise ValidationError(EVIDENCE_OTHER_EVALUATION, code="other_evaluation")
    _check_window(ev, by, now, indicator=answer.indicator)
    answers = indicator_answers(ev, answer.indicator)
    mine = next((a for a in answers if a.pk == answer.pk), None)
    if mine is None:  # not an answer of this evaluation
        raise ValidationError(EVIDENCE_OTHER_EVALUATION, code="other_evaluation")
    mine.evaluation, mine.indicator = ev, answer.indicator
    return _link(ev, answers, mine, evidence=evidence, by=by, page_ref=page_ref, now=now)


@atomic_unless_locked
def link_to_entry(
    *,
    evaluation: Evaluation,
    indicator,
    entry: int,
    evidence: EvidenceFile,
    by,
    page_ref: str = "",
    now=None,
    locked: bool = False,
) -> list[Answer]:
    """Link a library file to one indicator entry, creating the entry's empty answer
    (version 1, no event of its own) when it has none: what the indicator page's "link"
    and "upload and link" do, 35 times an institution on deadline day.

    Returns the indicator's self answers after the link, each with its links and their
    files (as `indicator_answers` gives them): the entry's evidence panel is rendered
    from them. One read of the answers and links under the lock serves the guards, the
    change of the progress counters and that panel. Same rules as `link_evidence`.
    """
    now = now or timezone.now()
    ev = _lock_for_entry(evaluation, indicator, entry, by, now, locked=locked)
    answers = indicator_answers(ev, indicator)
    answer = next((a for a in answers if a.entry == entry), None)
    if answer is None:
        answer = Answer(
            evaluation=ev, indicator=indicator, entry=entry, phase=Phase.SELF, updated_by=by
        )
        prepared.insert(answer)
        prepared.attach_prefetched([answer], "evidence_links", [])
        answers = sorted([*answers, answer], key=lambda a: a.entry)
    answer.evaluation, answer.indicator = ev, indicator
    _link(ev, answers, answer, evidence=evidence, by=by, page_ref=page_ref, now=now)
    return answers


def _link(ev, answers, answer, *, evidence, by, page_ref, now) -> EvidenceLink:
    """The link itself, under the evaluation's lock, `answers` being the indicator's self
    answers with their links (`answer` one of them). The new link is added to `answer`'s
    links, so `answers` shows the state after it."""
    if evidence.evaluation_id != ev.pk:
        raise ValidationError(EVIDENCE_OTHER_EVALUATION, code="other_evaluation")
    links = list(answer.evidence_links.all())
    if any(link.evidence_id == evidence.pk for link in links):
        raise ValidationError(ALREADY_LINKED, code="already_linked")
    # The counters change by the indicator's change of state, as a save's do.
    before = _states(answers)
    link = EvidenceLink(
        evidence=evidence, answer=answer, page_ref=(page_ref or "").strip()[:50], linked_by=by
    )
    prepared.insert(link)
    prepared.attach_prefetched([answer], "evidence_links", [*links, link])
    record_event(
        action=AuditEvent.Action.EVIDENCE_LINKED,
        actor=by,
        evaluation=ev,
        indicator=answer.indicator,
        changes={
            "evidence": [None, evidence.original_name],
            "entry": answer.entry,
            "page": link.page_ref,
        },
        at=now,
    )
    after = _states(answers)
    _touch_indicator(ev, indicator=answer.indicator, before=before, after=after, by=by, now=now)
    return link


def _states(answers) -> list[SimpleNamespace]:
    """What an indicator's state is derived from, for answers that carry their links."""
    return [
        SimpleNamespace(**_state_fields(a, n_links=len(a.evidence_links.all()))) for a in answers
    ]


@transaction.atomic
def set_document_date(*, evidence: EvidenceFile, document_date, by, now=None) -> EvidenceFile:
    """State (or correct, or clear) the date of a library file's document. Same lock and
    window as an upload; not in the future (DATE_IN_FUTURE). "evidence.dated" AuditEvent."""
    now = now or timezone.now()
    ev = _lock(evidence.evaluation)
    _check_window(ev, by, now)
    _check_document_date(document_date, now)
    evidence = EvidenceFile.objects.select_for_update().get(pk=evidence.pk)
    if evidence.document_date == document_date:
        return evidence
    before = evidence.document_date
    evidence.document_date = document_date
    evidence.save(update_fields=["document_date"])
    record_event(
        action=AuditEvent.Action.EVIDENCE_DATED,
        actor=by,
        evaluation=ev,
        changes={
            "evidence": evidence.original_name,
            "document_date": [
                before.isoformat() if before else None,
                document_date.isoformat() if document_date else None,
            ],
        },
        at=now,
    )
    _touch(ev, by=by, now=now)
    return evidence


@transaction.atomic
def unlink_evidence(*, link: EvidenceLink, by, now=None) -> None:
    """Remove one link (the file stays in the library). "evidence.unlinked" AuditEvent."""
    now = now or timezone.now()
    answer = link.answer
    ev = _lock(answer.evaluation)
    _check_window(ev, by, now, indicator=answer.indicator)
    name = link.evidence.original_name
    deleted, _count = EvidenceLink.objects.filter(pk=link.pk).delete()
    if not deleted:
        return
    record_event(
        action=AuditEvent.Action.EVIDENCE_UNLINKED,
        actor=by,
        evaluation=ev,
        indicator=answer.indicator,
        changes={"evidence": [name, None], "entry": answer.entry},
        at=now,
    )
    _touch(ev, by=by, now=now)


@transaction.atomic
def delete_evidence(*, evidence: EvidenceFile, by, now=None) -> int:
    """Delete a library file and its links; returns how many links were removed.

    While returned, only a file whose links are all on reopened indicators.
    Side effects: "evidence.deleted" AuditEvent; the stored file is removed after commit.
    """
    now = now or timezone.now()
    ev = _lock(evidence.evaluation)
    reopening = _check_window(ev, by, now)
    links = list(evidence.links.select_related("answer__indicator"))
    allowed = reopened_indicator_ids(reopening) if reopening is not None else None
    if allowed is not None:
        for link in links:
            if link.answer.indicator_id not in allowed:
                raise ValidationError(
                    NOT_REOPENED,
                    code="not_reopened",
                    params={"number": link.answer.indicator.number},
                )
    name, storage = evidence.file.name, evidence.file.storage
    record_event(
        action=AuditEvent.Action.EVIDENCE_DELETED,
        actor=by,
        evaluation=ev,
        changes={
            "file": [evidence.original_name, None],
            "indicators": sorted({link.answer.indicator.number for link in links}),
        },
        at=now,
    )
    evidence.delete()  # cascades to the links
    transaction.on_commit(lambda: storage.delete(name) if name else None)
    _touch(ev, by=by, now=now)
    return len(links)
