"""Evidence of follow-up: files of the institution's evidence library linked to a
follow-up item, and taken over by the next period's self-evaluation.

A file uploaded here passes the same checks as an answer's evidence
(evaluations.evidence.check_pdf) and is kept in the library of the evaluation the
recommendation came from: the follow-up happens after that result was released, when
no self-evaluation window need be open. Taking a file over into a later self-evaluation
goes through the ordinary upload and link services, so their window, lock, audit and
counters apply unchanged.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluations.evidence import check_pdf
from evaluations.models import (
    AuditEvent,
    Evaluation,
    EvidenceFile,
    FollowUp,
    FollowUpEvidence,
    Indicator,
)
from evaluations.permissions import can_update_follow_up, require
from evaluations.services import evidence as evidence_svc
from evaluations.services import selfeval as selfeval_svc
from evaluations.services.core import record_event
from evaluations.services.followup import _locked

ALREADY_ON_ITEM = _("This file is already evidence of this follow-up item.")
OTHER_INSTITUTION = _("This file is not in your institution's evidence library.")
NOT_USABLE = _(
    "Only evidence of a completed follow-up item of this indicator from an earlier "
    "period can be used here."
)
FILE_MISSING = _("The stored file of “%(name)s” could not be read; upload it again.")


def _link(item: FollowUp, evidence: EvidenceFile, by) -> FollowUpEvidence:
    if evidence.evaluation.institution_id != item.institution_id:
        raise ValidationError(OTHER_INSTITUTION, code="other_institution")
    if FollowUpEvidence.objects.filter(follow_up=item, evidence=evidence).exists():
        raise ValidationError(ALREADY_ON_ITEM, code="already_linked")
    link = FollowUpEvidence.objects.create(follow_up=item, evidence=evidence, linked_by=by)
    record_event(
        action=AuditEvent.Action.FOLLOW_UP_EVIDENCE_LINKED,
        actor=by,
        evaluation=item.evaluation,
        indicator=item.indicator,
        changes={"evidence": [None, evidence.original_name], "sha256": evidence.sha256},
    )
    return link


@transaction.atomic
def link_follow_up_evidence(*, follow_up: FollowUp, evidence: EvidenceFile, by) -> FollowUpEvidence:
    """Link a file already in the institution's library (any of its evaluations).

    Raises PermissionDenied (not staff of the item's institution); ValidationError
    OTHER_INSTITUTION, ALREADY_ON_ITEM. Side effect: "follow_up.evidence_linked" event.
    """
    item = _locked(follow_up)
    require(can_update_follow_up(by, item))
    evidence = EvidenceFile.objects.select_related("evaluation").get(pk=evidence.pk)
    return _link(item, evidence, by)


@transaction.atomic
def upload_follow_up_evidence(
    *, follow_up: FollowUp, by, uploaded_file, title: str = ""
) -> FollowUpEvidence:
    """Check a PDF like an answer's evidence, keep it in the library of the item's
    evaluation (the same bytes already there are reused), and link it to the item.

    Raises PermissionDenied; ValidationError with the evidence module's messages for a
    bad file, ALREADY_ON_ITEM. Side effects: "evidence.uploaded" for a new file,
    "follow_up.evidence_linked"; a new stored file is removed again on rollback.
    """
    item = _locked(follow_up)
    require(can_update_follow_up(by, item))
    checked = check_pdf(uploaded_file)
    evidence = (
        EvidenceFile.objects.select_related("evaluation")
        .filter(evaluation_id=item.evaluation_id, sha256=checked.sha256)
        .first()
    )
    if evidence is not None:
        return _link(item, evidence, by)
    evidence = EvidenceFile(
        evaluation=item.evaluation,
        original_name=checked.name,
        title=(title or "").strip()[:255],
        size=checked.size,
        sha256=checked.sha256,
        page_count=checked.page_count,
        active_content=list(checked.active_content),
        uploaded_by=by,
    )
    evidence.file.save(checked.name, uploaded_file, save=False)
    try:
        evidence.save()
        record_event(
            action=AuditEvent.Action.EVIDENCE_UPLOADED,
            actor=by,
            evaluation=item.evaluation,
            indicator=item.indicator,
            changes={
                "file": [None, checked.name],
                "sha256": [None, checked.sha256],
                "active_content": [None, list(checked.active_content)],
                "follow_up": item.pk,
            },
        )
        link = _link(item, evidence, by)
    except BaseException:
        evidence.file.delete(save=False)
        raise
    return link


@transaction.atomic
def unlink_follow_up_evidence(*, link: FollowUpEvidence, by) -> None:
    """Remove the link (the file stays in the library). "follow_up.evidence_unlinked"."""
    item = _locked(link.follow_up)
    require(can_update_follow_up(by, item))
    name = link.evidence.original_name
    deleted, _count = FollowUpEvidence.objects.filter(pk=link.pk).delete()
    if deleted:
        record_event(
            action=AuditEvent.Action.FOLLOW_UP_EVIDENCE_UNLINKED,
            actor=by,
            evaluation=item.evaluation,
            indicator=item.indicator,
            changes={"evidence": [name, None]},
        )


def _usable(link: FollowUpEvidence, evaluation: Evaluation, indicator: Indicator) -> bool:
    """Done, of this institution, from an earlier period, and of the same indicator
    number (matched by number, as last period's result is, across frameworks)."""
    item = link.follow_up
    return (
        item.status == FollowUp.Status.DONE
        and item.institution_id == evaluation.institution_id
        and item.indicator.number == indicator.number
        and item.evaluation.period.opens_at < evaluation.period.opens_at
    )


@transaction.atomic
def use_follow_up_evidence(
    *, evaluation: Evaluation, indicator: Indicator, link: FollowUpEvidence, by, entry: int = 1
):
    """One click in the self-evaluation: the file of a done follow-up item becomes
    evidence of `indicator` (entry `entry`) in `evaluation`.

    The file is put in this evaluation's library through upload_evidence (same checks,
    window and audit; a file with the same bytes already there is reused) and linked
    through link_evidence. Raises ValidationError NOT_USABLE, FILE_MISSING, and the
    evidence services' errors (window, ALREADY_LINKED); PermissionDenied from them.
    """
    link = FollowUpEvidence.objects.select_related(
        "evidence", "follow_up__indicator", "follow_up__evaluation__period"
    ).get(pk=link.pk)
    if not _usable(link, evaluation, indicator):
        raise ValidationError(NOT_USABLE, code="not_usable")
    # The entry first: its window check (a return may reopen only some indicators)
    # fails before any bytes are copied.
    answer = selfeval_svc.ensure_answer(
        evaluation=evaluation, indicator=indicator, entry=entry, by=by
    )
    source = link.evidence
    evidence = EvidenceFile.objects.filter(evaluation=evaluation, sha256=source.sha256).first()
    if evidence is None:
        try:
            with source.file.open("rb") as handle:
                data = handle.read()
        except (FileNotFoundError, OSError):
            raise ValidationError(
                FILE_MISSING, code="missing", params={"name": source.original_name}
            ) from None
        evidence = evidence_svc.upload_evidence(
            evaluation=evaluation,
            by=by,
            uploaded_file=SimpleUploadedFile(source.original_name, data, "application/pdf"),
            title=source.title,
            now=timezone.now(),
        )
    return evidence_svc.link_evidence(evidence=evidence, answer=answer, by=by)
