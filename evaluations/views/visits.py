"""Choosing the institutions for a site visit (ministry admins, university coordinators)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from evaluations import deadlines
from evaluations.forms.meetings import VisitSelectForm
from evaluations.models import EvaluationPeriod
from evaluations.permissions import get_evaluation_for, is_admin, is_coordinator, require
from evaluations.selectors import evaluations_visible_to
from evaluations.selectors.meetings import visit_candidates
from evaluations.services import meetings as services
from evaluations.services.assessment import STAGE_SCORABLE
from evaluations.views.common import _errors


@login_required
def visit_list(request, period_pk):
    require(is_admin(request.user) or is_coordinator(request.user))
    period = get_object_or_404(EvaluationPeriod, pk=period_pk)
    rows = visit_candidates(
        evaluations_visible_to(request.user).filter(period=period, status__in=STAGE_SCORABLE)
    )
    return render(
        request,
        "evaluations/interviews/visit_list.html",
        {"period": period, "rows": rows, "held": deadlines.holds_stage(period, "visit")},
    )


@login_required
@require_POST
def visit_select(request, pk):
    evaluation = get_evaluation_for(request, pk, need="review")
    url = reverse("evaluations:visit-list", kwargs={"period_pk": evaluation.period_id})
    form = VisitSelectForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("reason", []):
            messages.error(request, error)
        return redirect(url)
    try:
        services.select_for_visit(
            evaluation=evaluation, by=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            _("%(institution)s is selected for a site visit.")
            % {"institution": evaluation.institution.name},
        )
    return redirect(url)
