"""The ministry review page: the assessors' level per entry, the verdict form, and the
completion of the review."""

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
from evaluations.forms.review import VerdictForm
from evaluations.models import Evaluation, Indicator, Phase
from evaluations.permissions import get_evaluation_for
from evaluations.selectors import review as selectors
from evaluations.services import review as services
from evaluations.views.common import _errors
from evaluations.views.stages import flash_form_errors


def _page(evaluation):
    return reverse("evaluations:ministry-review", kwargs={"pk": evaluation.pk})


@login_required
def ministry_review(request, pk):
    evaluation = get_evaluation_for(request, pk, need="ministry_review")
    period = evaluation.period
    done = selectors.completed_review(evaluation)
    opens, closes = period.stage_window(Phase.REVIEW)
    rows = selectors.review_rows(evaluation)
    return render(
        request,
        "evaluations/review/review_sheet.html",
        {
            "evaluation": evaluation,
            "rows": rows,
            "done": done,
            "opens": opens,
            "closes": closes,
            "is_open": done is None
            and evaluation.status == Evaluation.Status.APPROVED
            and deadlines.is_stage_open(period, Phase.REVIEW, timezone.now()),
            "levels": VerdictForm(allow_zero=period.framework.allow_zero_validated).level_choices,
            "to_judge": sum(1 for row in rows if row.verdict is None),
        },
    )


@login_required
@require_POST
def ministry_review_verdict(request, pk, indicator_pk, entry):
    evaluation = get_evaluation_for(request, pk, need="ministry_review")
    indicator = get_object_or_404(
        Indicator, pk=indicator_pk, framework_id=evaluation.period.framework_id
    )
    url = _page(evaluation) + f"#ind-{indicator.number}-{entry}"
    form = VerdictForm(request.POST, allow_zero=evaluation.period.framework.allow_zero_validated)
    if not form.is_valid():
        flash_form_errors(request, form, indicator)
        return redirect(url)
    try:
        services.save_review_verdict(
            evaluation=evaluation,
            indicator=indicator,
            entry=entry,
            by=request.user,
            **form.cleaned_data,
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request, _("Indicator %(number)s: verdict saved.") % {"number": indicator.number}
        )
    return redirect(url)


@login_required
@require_POST
def ministry_review_complete(request, pk):
    evaluation = get_evaluation_for(request, pk, need="ministry_review")
    try:
        services.complete_review(evaluation=evaluation, by=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Review complete: the result may now be released."))
    return redirect(_page(evaluation))
