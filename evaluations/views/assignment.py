"""Assignment screens: the coordinator assigns the university's institutions to its
assessors; the ministry admin assigns institutions to universities (by hand, CSV, or
automatically, with undo of the last run). Thin: access check, form, service, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from evaluations import filters
from evaluations.forms import assessment as forms
from evaluations.models import (
    Evaluation,
    EvaluationPeriod,
)
from evaluations.permissions import get_period_for, is_coordinator, require, require_admin
from evaluations.selectors import assessment as selectors
from evaluations.services import assignment as services
from evaluations.services import assignment_csv
from evaluations.views.common import _errors, _period_from_query
from institutions.models import Institution, Role, University, User

# ---------------------------------------------------------------------------
# Coordinator
# ---------------------------------------------------------------------------


def _coordinator_period(request):
    require(is_coordinator(request.user))
    if request.GET.get("period"):
        return _period_from_query(request)
    periods = EvaluationPeriod.objects.order_by("-opens_at")
    # Without a choice: the latest period in which the university has evaluations.
    latest = periods.filter(evaluations__university_id=request.user.university_id).first()
    return latest or periods.first(), periods


@login_required
def coordinator_dashboard(request):
    """The university's evaluations in a period, assessors' progress, assignment tools."""
    period, periods = _coordinator_period(request)
    university = request.user.university
    filterset = filters.EvaluationListFilter(
        request.GET or None,
        queryset=selectors.coordinator_evaluations(university, period)
        if period
        else Evaluation.objects.none(),
    )
    status = filters.values(filterset).status
    page = Paginator(filterset.qs, 100).get_page(request.GET.get("page"))
    assessors = list(selectors.assessor_progress(university, period)) if period else []
    return render(
        request,
        "evaluations/assessment/coordinator_dashboard.html",
        {
            "period": period,
            "periods": periods,
            "university": university,
            "page_obj": page,
            "assessors": assessors,
            "status": status,
            "statuses": Evaluation.Status.choices,
            "auto_form": forms.AutoAssessorForm(),
            "can_undo": period is not None
            and services.last_batch(
                period=period, action=services.ACTION_ASSESSOR, university_id=university.pk
            )
            is not None,
        },
    )


def _coordinator_redirect(period_pk):
    return redirect(reverse("evaluations:coordinator-dashboard") + f"?period={period_pk}")


@login_required
@require_POST
def assessor_assign(request, period_pk):
    """Assign (or, with action=remove, unassign) one assessor to one evaluation."""
    require(is_coordinator(request.user))
    period = get_object_or_404(EvaluationPeriod, pk=period_pk)
    university = request.user.university
    form = forms.AssessorChoiceForm(
        request.POST,
        evaluations=Evaluation.objects.filter(period=period, university=university),
        assessors=User.objects.filter(role=Role.ASSESSOR, university=university, is_active=True),
    )
    if not form.is_valid():
        raise Http404  # another university's evaluation or assessor
    evaluation, assessor = form.cleaned_data["evaluation"], form.cleaned_data["assessor"]
    try:
        if request.POST.get("action") == "remove":
            if services.unassign_assessor(
                evaluation=evaluation,
                assessor=assessor,
                by=request.user,
                reason=request.POST.get("reason", ""),
            ):
                messages.success(
                    request,
                    _("%(a)s removed from %(i)s.") % {"a": assessor, "i": evaluation.institution},
                )
            else:
                messages.info(request, _("Nothing to remove."))
        elif services.assign_assessor(evaluation=evaluation, assessor=assessor, by=request.user):
            messages.success(
                request,
                _("%(a)s assigned to %(i)s.") % {"a": assessor, "i": evaluation.institution},
            )
        else:
            messages.info(request, _("This assessor was already assigned."))
    except ValidationError as exc:
        _errors(request, exc)
    return _coordinator_redirect(period.pk)


@login_required
@require_POST
def assessor_auto_assign(request, period_pk):
    """Assign the university's unassigned evaluations to its assessors, balanced."""
    require(is_coordinator(request.user))
    period = get_object_or_404(EvaluationPeriod, pk=period_pk)
    form = forms.AutoAssessorForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The load cap must be a positive number."))
        return _coordinator_redirect(period.pk)
    run = services.auto_assign_assessors(
        period=period,
        university=request.user.university,
        by=request.user,
        cap=form.cleaned_data["cap"],
    )
    if run.changed:
        messages.success(
            request,
            ngettext("%(n)s evaluation assigned.", "%(n)s evaluations assigned.", run.changed)
            % {"n": run.changed},
        )
    else:
        messages.info(request, _("No evaluation was waiting for an assessor."))
    if run.left_out:
        messages.warning(
            request,
            ngettext(
                "%(n)s evaluation could not be placed (load cap or conflicts).",
                "%(n)s evaluations could not be placed (load cap or conflicts).",
                len(run.left_out),
            )
            % {"n": len(run.left_out)},
        )
    return _coordinator_redirect(period.pk)


@login_required
@require_POST
def assessor_auto_undo(request, period_pk):
    """Undo the university's latest automatic assessor assignment."""
    require(is_coordinator(request.user))
    period = get_object_or_404(EvaluationPeriod, pk=period_pk)
    try:
        n = services.undo_assessor_batch(
            period=period, university=request.user.university, by=request.user
        )
        messages.success(
            request,
            ngettext(
                "Automatic assignment undone: %(n)s assignment removed.",
                "Automatic assignment undone: %(n)s assignments removed.",
                n,
            )
            % {"n": n},
        )
    except ValidationError as exc:
        messages.info(request, exc.messages[0])
    return _coordinator_redirect(period.pk)


# ---------------------------------------------------------------------------
# Ministry admin
# ---------------------------------------------------------------------------


@login_required
def assignment_home(request):
    """Entry point from the navigation: the latest period's university assignment."""
    require_admin(request.user)
    period, _periods = _period_from_query(request)
    if period is None:
        raise Http404
    return redirect("evaluations:assignment-universities", period_pk=period.pk)


@login_required
def assignment_universities(request, period_pk):
    """Institutions -> universities for a period: counts, list with per-row choice, tools."""
    period = get_period_for(request, period_pk)
    filterset = filters.UniversityAssignmentFilter(
        request.GET or None, queryset=selectors.period_evaluations_for_assignment(period)
    )
    chosen = filters.values(filterset)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "evaluations/assessment/assignment_universities.html",
        {
            "period": period,
            "periods": EvaluationPeriod.objects.order_by("-opens_at"),
            "counts": selectors.university_counts(period),
            "page_obj": page,
            "universities": University.objects.filter(is_active=True).order_by("code"),
            "university": chosen.university,
            "kind": chosen.kind,
            "kinds": Institution.Kind.choices,
            "q": chosen.q,
            "auto_form": forms.AutoUniversityForm(),
            "csv_form": forms.CsvUploadForm(),
            "can_undo": services.last_batch(period=period, action=services.ACTION_UNIVERSITY)
            is not None,
        },
    )


def _universities_redirect(period, request=None):
    url = reverse("evaluations:assignment-universities", kwargs={"period_pk": period.pk})
    back = request.POST.get("next", "") if request else ""
    if back.startswith("?"):
        url += back
    return redirect(url)


@login_required
@require_POST
def assignment_university_set(request, period_pk):
    """Assign one evaluation to a university, or unassign it (empty university)."""
    period = get_period_for(request, period_pk)
    form = forms.UniversityChoiceForm(request.POST, period=period)
    if not form.is_valid():
        raise Http404
    evaluation, university = form.cleaned_data["evaluation"], form.cleaned_data["university"]
    if evaluation.university_id == (university.pk if university else None):
        messages.info(request, _("Nothing changed."))
        return _universities_redirect(period, request)
    try:
        services.assign_university(evaluation=evaluation, university=university, by=request.user)
        if university:
            messages.success(
                request,
                _("%(i)s assigned to %(u)s.") % {"i": evaluation.institution, "u": university},
            )
        else:
            messages.success(request, _("%(i)s unassigned.") % {"i": evaluation.institution})
    except ValidationError as exc:
        _errors(request, exc)
    return _universities_redirect(period, request)


@login_required
@require_POST
def assignment_university_auto(request, period_pk):
    """Assign every unassigned evaluation of the period, balanced across universities."""
    period = get_period_for(request, period_pk)
    form = forms.AutoUniversityForm(request.POST)
    form.is_valid()
    run = services.auto_assign_universities(
        period=period,
        by=request.user,
        avoid_previous=form.cleaned_data.get("avoid_previous", False),
    )
    if run.changed:
        messages.success(
            request,
            ngettext(
                "%(n)s evaluation assigned automatically.",
                "%(n)s evaluations assigned automatically.",
                run.changed,
            )
            % {"n": run.changed},
        )
    else:
        messages.info(request, _("Every evaluation already has a university."))
    if run.left_out:
        messages.warning(
            request,
            ngettext(
                "%(n)s evaluation has no allowed university (conflicts).",
                "%(n)s evaluations have no allowed university (conflicts).",
                len(run.left_out),
            )
            % {"n": len(run.left_out)},
        )
    return _universities_redirect(period)


@login_required
@require_POST
def assignment_university_undo(request, period_pk):
    """Undo the latest automatic or CSV assignment of the period."""
    period = get_period_for(request, period_pk)
    try:
        n = services.undo_university_batch(period=period, by=request.user)
        messages.success(
            request,
            ngettext(
                "Last assignment run undone: %(n)s evaluation restored.",
                "Last assignment run undone: %(n)s evaluations restored.",
                n,
            )
            % {"n": n},
        )
    except ValidationError as exc:
        messages.info(request, exc.messages[0])
    return _universities_redirect(period)


@login_required
def assignment_university_csv(request, period_pk):
    """Upload a CSV: preview what changes (and the bad rows); confirm to apply."""
    period = get_period_for(request, period_pk)
    preview = None
    form = forms.CsvUploadForm()
    if request.method == "POST":
        form = forms.CsvUploadForm(request.POST, request.FILES)
        if form.is_valid():
            content = form.cleaned_data["content"]
            if request.POST.get("apply"):
                try:
                    run = assignment_csv.apply_university_csv(
                        period=period, content=content, by=request.user
                    )
                    messages.success(
                        request,
                        ngettext(
                            "CSV applied: %(n)s evaluation changed.",
                            "CSV applied: %(n)s evaluations changed.",
                            run.changed,
                        )
                        % {"n": run.changed},
                    )
                    return _universities_redirect(period)
                except ValidationError as exc:
                    _errors(request, exc)
            preview = assignment_csv.preview_university_csv(period=period, content=content)
            form = forms.CsvUploadForm(initial={"content": content})
    return render(
        request,
        "evaluations/assessment/assignment_csv.html",
        {"period": period, "form": form, "preview": preview},
    )
