"""The evidence library's pages: link a file to an answer, unlink it, the library,
upload, delete, and the download (institution staff write; everyone who may see the
evaluation downloads, as an attachment). Thin: scoped lookup -> form -> service.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from evaluations import completeness, recency
from evaluations.forms.selfeval import (
    EvidenceDateForm,
    EvidenceLinkForm,
    EvidenceUploadForm,
)
from evaluations.models import EvidenceFile, EvidenceLink, Indicator
from evaluations.permissions import (
    get_evaluation_for,
)
from evaluations.selectors import selfeval as sel
from evaluations.selectors.evidence import visible_evidence
from evaluations.services import evidence as evidence_svc
from evaluations.views.selfeval import (
    _context_for,
    _error_text,
    _indicator_editable,
    _indicator_for,
)
from evaluations.wib import WIB

# Bootstrap's alert class for each kind of outcome.
_CSS = {"success": "success", "info": "info", "error": "danger"}


def _tell(request, evaluation, indicator, entry: int, notices: list[tuple[str, str]], answers=None):
    """The outcome of an evidence form. Sent by htmx from the indicator page: the entry's
    evidence panel with the outcome in it (the page is not reloaded, so the operator's
    place and typed text stay). Otherwise: the outcome as messages on the page the
    browser is redirected to (the indicator page, or the library for a file uploaded
    there). `answers`: the indicator's answers with their links when the caller has
    them (read under the lock by the link), else the panel reads them."""
    if request.htmx and indicator is not None:
        return _panel(request, evaluation, indicator, entry, notices, answers)
    for level, text in notices:
        getattr(messages, level)(request, text)
    if indicator is None:
        return redirect("evaluations:evidence-list", pk=evaluation.pk)
    return redirect("evaluations:answer-edit", pk=evaluation.pk, indicator_pk=indicator.pk)


def _panel(request, evaluation, indicator, entry: int, notices, answers=None):
    now = timezone.now()
    ctx = _context_for(evaluation, request.user, now)
    if answers is None:
        answers = sel.indicator_answers(evaluation, indicator)
    answer = next((a for a in answers if a.entry == entry), None)
    editable = _indicator_editable(ctx, indicator)
    ctx.update(
        {
            "indicator": indicator,
            "item": {"entry": entry, "answer": answer},
            "editable": editable,
            "library": sel.evidence_choices(evaluation) if editable else [],
            "recency": recency.for_period(evaluation.period),
            "today": timezone.localdate(now, WIB),
            "state": completeness.indicator_state(indicator, answers, evaluation.period.framework),
            "notices": [{"css": _CSS[level], "text": text} for level, text in notices],
        }
    )
    return render(request, "evaluations/selfeval/_entry_evidence_response.html", ctx)


def _entry_of(form) -> int:
    """The entry the form names (1 when the form did not validate)."""
    return (form.cleaned_data.get("entry") if hasattr(form, "cleaned_data") else None) or 1


@login_required
@require_POST
def evidence_link(request, pk: int, indicator_pk: int):
    # One transaction under the evaluation's row lock, taken by the scoped lookup itself
    # (as the autosave does): the answer is found or created and the file linked
    # without locking twice. The outcome is rendered after the commit.
    try:
        with transaction.atomic():
            evaluation = get_evaluation_for(request, pk, need="selfeval", lock=True)
            indicator = _indicator_for(evaluation, indicator_pk)
            form = EvidenceLinkForm(request.POST, evaluation=evaluation)
            if not form.is_valid():
                notice = ("error", _("Choose a file from the library."))
                return _tell(request, evaluation, indicator, _entry_of(form), [notice])
            data = form.cleaned_data
            answers = evidence_svc.link_to_entry(
                evaluation=evaluation,
                indicator=indicator,
                entry=data["entry"],
                evidence=data["evidence"],
                by=request.user,
                page_ref=data["page_ref"],
                locked=True,
            )
    except ValidationError as exc:
        level = "info" if exc.code == "already_linked" else "error"
        return _tell(request, evaluation, indicator, data["entry"], [(level, _error_text(exc))])
    text = _("“%(name)s” linked to this indicator.") % {"name": data["evidence"].original_name}
    return _tell(request, evaluation, indicator, data["entry"], [("success", text)], answers)


@login_required
@require_POST
def evidence_unlink(request, pk: int, link_pk: int):
    evaluation = get_evaluation_for(request, pk, need="selfeval")
    link = get_object_or_404(
        EvidenceLink.objects.select_related("answer__indicator", "answer__evaluation", "evidence"),
        pk=link_pk,
        answer__evaluation=evaluation,
    )
    try:
        evidence_svc.unlink_evidence(link=link, by=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Link removed; the file stays in the library."))
    return redirect(
        "evaluations:answer-edit", pk=evaluation.pk, indicator_pk=link.answer.indicator_id
    )


@login_required
def evidence_library(request, pk: int):
    evaluation = get_evaluation_for(request, pk, need="selfeval")
    now = timezone.now()
    ctx = _context_for(evaluation, request.user, now)
    ctx.update(
        {
            "files": sel.evidence_library(evaluation),
            "upload_form": EvidenceUploadForm(),
            "max_bytes": settings.EVIDENCE_MAX_BYTES,
        }
    )
    return render(request, "evaluations/selfeval/evidence_list.html", ctx)


@login_required
@require_POST
def evidence_upload(request, pk: int):
    form = EvidenceUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        evaluation = get_evaluation_for(request, pk, need="selfeval")
        indicator = None
        if form.cleaned_data.get("indicator"):
            indicator = _indicator_for(evaluation, form.cleaned_data["indicator"])
        errors = form.errors.get("document_date") or [_("Choose a PDF file to upload.")]
        return _tell(
            request, evaluation, indicator, _entry_of(form), [("error", e) for e in errors]
        )
    data = form.cleaned_data
    entry = data["entry"] or 1
    # One transaction under the row lock the scoped lookup takes (as the autosave and
    # the link): the file is checked and stored, then linked to the indicator it was
    # uploaded from (three locks and transactions before, 28 statements).
    evaluation = indicator = None
    try:
        with transaction.atomic():
            evaluation = get_evaluation_for(request, pk, need="selfeval", lock=True)
            indicator = _indicator_for(evaluation, data["indicator"]) if data["indicator"] else None
            evidence = evidence_svc.upload_evidence(
                evaluation=evaluation,
                by=request.user,
                uploaded_file=data["file"],
                title=data["title"],
                document_date=data["document_date"],
                locked=True,
            )
            notices = [("success", _uploaded_text(evidence))]
            answers = None
            if indicator is not None:
                answers, refused = _link_uploaded(
                    request, evaluation, indicator, entry, evidence, data
                )
                notices += refused
    except ValidationError as exc:
        # Nothing was stored: the outcome is rendered after the rollback.
        return _tell(request, evaluation, indicator, entry, [("error", _error_text(exc))])
    return _tell(request, evaluation, indicator, entry, notices, answers)


def _link_uploaded(request, evaluation, indicator, entry, evidence, data):
    """Link the file just uploaded, in a savepoint: a refused link leaves the file in
    the library and says why. (the indicator's answers after the link or None, notices)"""
    try:
        with transaction.atomic():
            answers = evidence_svc.link_to_entry(
                evaluation=evaluation,
                indicator=indicator,
                entry=entry,
                evidence=evidence,
                by=request.user,
                page_ref=data["page_ref"],
                locked=True,
            )
    except ValidationError as exc:
        return None, [("error", _error_text(exc))]
    return answers, []


def _uploaded_text(evidence) -> str:
    return ngettext(
        "“%(name)s” uploaded (%(pages)s page).",
        "“%(name)s” uploaded (%(pages)s pages).",
        evidence.page_count or 0,
    ) % {"name": evidence.original_name, "pages": evidence.page_count}


@login_required
@require_http_methods(["GET", "POST"])
def evidence_delete(request, pk: int, evidence_pk: int):
    evaluation = get_evaluation_for(request, pk, need="selfeval")
    evidence = get_object_or_404(EvidenceFile, pk=evidence_pk, evaluation=evaluation)
    if request.method == "POST":
        try:
            removed = evidence_svc.delete_evidence(evidence=evidence, by=request.user)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(
                request,
                ngettext(
                    "“%(name)s” deleted; %(n)s link removed.",
                    "“%(name)s” deleted; %(n)s links removed.",
                    removed,
                )
                % {"name": evidence.original_name, "n": removed},
            )
        return redirect("evaluations:evidence-list", pk=evaluation.pk)
    links = list(
        evidence.links.select_related("answer__indicator").order_by("answer__indicator__number")
    )
    return render(
        request,
        "evaluations/selfeval/evidence_delete.html",
        {"evaluation": evaluation, "evidence": evidence, "links": links},
    )


@login_required
def evidence_download(request, evidence_pk: int):
    """The file, to institution staff, assigned assessors, the university's coordinator, admins.

    Always an attachment: a browser's own PDF viewer would run the document's scripts.
    Reading it on screen goes through the pdf.js viewer (views/evidence_viewer.py).
    """
    evidence = visible_evidence(request.user, evidence_pk)
    if evidence is None:
        raise Http404
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name,
        content_type="application/pdf",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def evidence_date(request, pk: int, evidence_pk: int):
    """State the date of a library file's document (judged for recency)."""
    evaluation = get_evaluation_for(request, pk, need="selfeval")
    evidence = get_object_or_404(EvidenceFile, pk=evidence_pk, evaluation=evaluation)
    form = EvidenceDateForm(request.POST)
    back = request.POST.get("indicator", "")
    target = (
        redirect("evaluations:answer-edit", pk=evaluation.pk, indicator_pk=int(back))
        if back.isdigit()
        and Indicator.objects.filter(
            pk=int(back), framework_id=evaluation.period.framework_id
        ).exists()
        else redirect("evaluations:evidence-list", pk=evaluation.pk)
    )
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return target
    try:
        evidence_svc.set_document_date(
            evidence=evidence, document_date=form.cleaned_data["document_date"], by=request.user
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return target
    messages.success(
        request,
        _("Document date of “%(name)s” saved.")
        % {"name": evidence.title or evidence.original_name},
    )
    return target
