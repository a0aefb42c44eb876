"""The assessor's pages for the stages after the document assessment (interview, site
visit): per indicator entry the level at this stage, or the previous stage's carried
over, and the form for the level and its three-part explanation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from evaluations.forms.stages import StageAnswerForm
from evaluations.models import Indicator, Phase
from evaluations.permissions import get_evaluation_for
from evaluations.selectors import stages as selectors
from evaluations.selectors.agenda import agenda_items
from evaluations.services import assessment as services
from evaluations.views.common import _errors


def flash_form_errors(request, form, indicator) -> None:
    """A refused form of one indicator row, as messages naming the indicator and field."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{indicator.number} · {label}: {error}")


def _stage(stage: str) -> Phase:
    if stage not in selectors.STAGES_AFTER_DOCUMENT:
        raise Http404
    return Phase(stage)


@login_required
def stage_sheet(request, pk, stage):
    stage = _stage(stage)
    evaluation = get_evaluation_for(request, pk, need="score")
    opens, closes = evaluation.period.stage_window(stage)
    return render(
        request,
        "evaluations/stages/stage_sheet.html",
        {
            "evaluation": evaluation,
            "stage": stage,
            "opens": opens,
            "closes": closes,
            "rows": selectors.stage_rows(evaluation, stage),
            "agenda": agenda_items(evaluation) if stage == Phase.INTERVIEW else [],
            "is_open": selectors.stage_is_open(evaluation, stage, timezone.now()),
            "levels": StageAnswerForm(allow_zero=evaluation.period.framework.allow_zero_validated)
            .fields["level"]
            .choices,
        },
    )


@login_required
@require_POST
def stage_answer_save(request, pk, stage, indicator_pk, entry):
    stage = _stage(stage)
    evaluation = get_evaluation_for(request, pk, need="score")
    indicator = get_object_or_404(
        Indicator, pk=indicator_pk, framework_id=evaluation.period.framework_id
    )
    url = reverse("evaluations:stage-sheet", kwargs={"pk": evaluation.pk, "stage": stage.value})
    url += f"#ind-{indicator.number}-{entry}"
    form = StageAnswerForm(
        request.POST, allow_zero=evaluation.period.framework.allow_zero_validated
    )
    if not form.is_valid():
        flash_form_errors(request, form, indicator)
        return redirect(url)
    try:
        services.save_validated_answer(
            evaluation=evaluation,
            indicator=indicator,
            entry=entry,
            by=request.user,
            phase=stage,
            **form.cleaned_data,
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            _("Indicator %(number)s: level saved for this stage.") % {"number": indicator.number},
        )
    return redirect(url)
