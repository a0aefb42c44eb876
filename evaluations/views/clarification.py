"""The provisional result and the clarification window: the institution's page (its
provisional levels, the assessors' notes, the interview agenda and its responses) and
the assessor's page of responses to decide."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from evaluations import deadlines
from evaluations.forms.clarification import DecisionForm, ResponseForm
from evaluations.models import ClarificationResponse, Indicator
from evaluations.permissions import get_evaluation_for, is_institution_staff_of
from evaluations.selectors import clarification as selectors
from evaluations.selectors.agenda import agenda_items
from evaluations.services import clarification as services
from evaluations.services.assessment import STAGE_SCORABLE
from evaluations.views.common import _errors
from evaluations.views.stages import flash_form_errors


def _window(evaluation):
    opens, closes = evaluation.period.stage_window("clarification")
    now = timezone.now()
    return {
        "opens": opens,
        "closes": closes,
        "window_open": deadlines.is_stage_open(evaluation.period, "clarification", now)
        and evaluation.status in STAGE_SCORABLE,
    }


@login_required
def provisional_result(request, pk):
    evaluation = get_evaluation_for(request, pk, need="provisional")
    context = {
        "evaluation": evaluation,
        "rows": selectors.provisional_rows(evaluation),
        "agenda": agenda_items(evaluation),
        "is_staff": is_institution_staff_of(request.user, evaluation),
        **_window(evaluation),
    }
    if context["is_staff"] and context["window_open"]:
        context["library"] = selectors.evidence_library(evaluation)
    return render(request, "evaluations/interviews/provisional.html", context)


@login_required
@require_POST
def response_save(request, pk, indicator_pk, entry):
    evaluation = get_evaluation_for(request, pk, need="selfeval")
    indicator = get_object_or_404(
        Indicator, pk=indicator_pk, framework_id=evaluation.period.framework_id
    )
    url = reverse("evaluations:provisional", kwargs={"pk": evaluation.pk})
    url += f"#ind-{indicator.number}-{entry}"
    form = ResponseForm(request.POST, request.FILES, evaluation=evaluation)
    if not form.is_valid():
        flash_form_errors(request, form, indicator)
        return redirect(url)
    try:
        services.save_response(
            evaluation=evaluation,
            indicator=indicator,
            entry=entry,
            by=request.user,
            text=form.cleaned_data["text"],
            evidence_ids=[f.pk for f in form.cleaned_data["evidence"]],
            uploaded_file=form.cleaned_data["upload"],
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            _("Indicator %(number)s: your response is saved for the assessor.")
            % {"number": indicator.number},
        )
    return redirect(url)


@login_required
def responses_list(request, pk):
    evaluation = get_evaluation_for(request, pk, need="score")
    return render(
        request,
        "evaluations/interviews/responses.html",
        {
            "evaluation": evaluation,
            "rows": selectors.responses_to_decide(evaluation),
            "can_decide": evaluation.status in STAGE_SCORABLE,
            "levels": DecisionForm(allow_zero=evaluation.period.framework.allow_zero_validated)
            .fields["level"]
            .choices,
            **_window(evaluation),
        },
    )


@login_required
@require_POST
def response_decide(request, pk, response_pk):
    evaluation = get_evaluation_for(request, pk, need="score")
    response = get_object_or_404(
        ClarificationResponse.objects.select_related("indicator"),
        pk=response_pk,
        evaluation=evaluation,
    )
    url = reverse("evaluations:responses", kwargs={"pk": evaluation.pk})
    form = DecisionForm(request.POST, allow_zero=evaluation.period.framework.allow_zero_validated)
    if not form.is_valid():
        flash_form_errors(request, form, response.indicator)
        return redirect(url)
    try:
        services.decide_response(
            response=response,
            by=request.user,
            accepted=form.cleaned_data["decision"] == "accepted",
            level=form.cleaned_data["level"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            _("Indicator %(number)s: decision recorded.") % {"number": response.indicator.number},
        )
    return redirect(url)
