"""The institution's follow-up pages: the list of its released recommendations with
filters, and one item's page where staff report progress and the supervisor assigns."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from evaluations import filters
from evaluations.forms.followup import (
    FollowUpAssignForm,
    FollowUpEvidenceLinkForm,
    FollowUpEvidenceUploadForm,
    FollowUpUpdateForm,
)
from evaluations.models import FollowUp, FollowUpEvidence, Indicator
from evaluations.permissions import (
    can_assign_follow_up,
    get_evaluation_for,
    get_follow_up_for,
    is_institution_staff,
)
from evaluations.selectors.followup import (
    filter_choices,
    follow_ups_of,
    institution_staff,
    item_evidence,
    library_choices,
)
from evaluations.services import followup_evidence as evidence_svc
from evaluations.services.followup import assign_follow_up, update_follow_up
from evaluations.views.selfeval import _error_text

PAGE_SIZE = 50


@login_required
def follow_up_list(request):
    if not is_institution_staff(request.user):
        raise PermissionDenied
    institution_id = request.user.institution_id
    numbers, periods = filter_choices(institution_id)
    filterset = filters.FollowUpFilter(
        request.GET or None,
        queryset=follow_ups_of(institution_id),
        indicator_numbers=numbers,
        periods=periods,
        user=request.user,
    )
    chosen = filters.values(filterset)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "evaluations/followup/list.html",
        {
            "page": page,
            "chosen": chosen,
            "numbers": numbers,
            "periods": periods,
            "statuses": FollowUp.Status.choices,
        },
    )


def _detail(request, item, *, update_form=None, assign_form=None, status=200):
    assign = can_assign_follow_up(request.user, item)
    if assign and assign_form is None:
        assign_form = FollowUpAssignForm(
            staff=institution_staff(item.institution_id),
            initial={"owner": item.owner, "owner_unit": item.owner_unit, "due_date": item.due_date},
        )
    return render(
        request,
        "evaluations/followup/detail.html",
        {
            "item": item,
            "notes": item.notes.select_related("author"),
            "update_form": update_form
            or FollowUpUpdateForm(initial={"status": item.status, "reason": item.reason}),
            "assign_form": assign_form if assign else None,
            "evidence_links": item_evidence(item),
            "upload_form": FollowUpEvidenceUploadForm(),
            "link_form": FollowUpEvidenceLinkForm(choices=library_choices(item)),
        },
        status=status,
    )


@login_required
def follow_up_detail(request, pk: int):
    item = get_follow_up_for(request, pk, need="update")
    if request.method != "POST":
        return _detail(request, item)
    form = FollowUpUpdateForm(request.POST)
    if form.is_valid():
        try:
            update_follow_up(follow_up=item, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)  # a field's error lands on that field
        else:
            messages.success(request, _("Follow-up saved."))
            return redirect("evaluations:follow-up-detail", pk=item.pk)
    return _detail(request, item, update_form=form, status=400)


@login_required
@require_POST
def follow_up_assign(request, pk: int):
    item = get_follow_up_for(request, pk, need="assign")
    form = FollowUpAssignForm(request.POST, staff=institution_staff(item.institution_id))
    if form.is_valid():
        try:
            assign_follow_up(follow_up=item, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error("owner", error)
        else:
            messages.success(request, _("Responsibility saved."))
            return redirect("evaluations:follow-up-detail", pk=item.pk)
    return _detail(request, item, assign_form=form, status=400)


@login_required
@require_POST
def follow_up_evidence_upload(request, pk: int):
    item = get_follow_up_for(request, pk, need="update")
    form = FollowUpEvidenceUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a PDF file to upload."))
    else:
        try:
            link = evidence_svc.upload_follow_up_evidence(
                follow_up=item,
                by=request.user,
                uploaded_file=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
            )
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            _say_added(request, link)
    return redirect("evaluations:follow-up-detail", pk=item.pk)


def _say_added(request, link) -> None:
    messages.success(
        request,
        _("“%(name)s” added as evidence of this follow-up.")
        % {"name": link.evidence.original_name},
    )


@login_required
@require_POST
def follow_up_evidence_link(request, pk: int):
    item = get_follow_up_for(request, pk, need="update")
    form = FollowUpEvidenceLinkForm(request.POST, choices=library_choices(item))
    if not form.is_valid():
        messages.error(request, _("Choose a file from the library."))
    else:
        try:
            link = evidence_svc.link_follow_up_evidence(
                follow_up=item, evidence=form.cleaned_data["evidence"], by=request.user
            )
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            _say_added(request, link)
    return redirect("evaluations:follow-up-detail", pk=item.pk)


@login_required
@require_POST
def follow_up_evidence_unlink(request, pk: int, link_pk: int):
    item = get_follow_up_for(request, pk, need="update")
    link = get_object_or_404(
        FollowUpEvidence.objects.select_related("evidence", "follow_up"), pk=link_pk, follow_up=item
    )
    evidence_svc.unlink_follow_up_evidence(link=link, by=request.user)
    messages.success(request, _("Link removed; the file stays in the library."))
    return redirect("evaluations:follow-up-detail", pk=item.pk)


@login_required
@require_POST
def follow_up_evidence_use(request, pk: int, indicator_pk: int, link_pk: int):
    """One click on the self-evaluation page: a done item's file becomes this
    indicator's evidence. Another institution's link is a 404."""
    evaluation = get_evaluation_for(request, pk, need="selfeval")
    indicator = get_object_or_404(
        Indicator, pk=indicator_pk, framework_id=evaluation.period.framework_id
    )
    link = get_object_or_404(
        FollowUpEvidence, pk=link_pk, follow_up__institution_id=evaluation.institution_id
    )
    try:
        evidence_svc.use_follow_up_evidence(
            evaluation=evaluation, indicator=indicator, link=link, by=request.user
        )
    except ValidationError as exc:
        if exc.code == "already_linked":
            messages.info(request, _error_text(exc))
        else:
            messages.error(request, _error_text(exc))
    else:
        messages.success(
            request,
            _("The follow-up evidence is now linked to this indicator."),
        )
    return redirect("evaluations:answer-edit", pk=evaluation.pk, indicator_pk=indicator.pk)
