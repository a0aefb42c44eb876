"""The assessor marks indicators to raise at the interview (from the scoring page)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from evaluations.models import Indicator
from evaluations.permissions import get_evaluation_for
from evaluations.services import agenda as services
from evaluations.views.common import _errors


@login_required
@require_POST
def agenda_mark(request, pk, indicator_pk):
    evaluation = get_evaluation_for(request, pk, need="score")
    indicator = get_object_or_404(
        Indicator, pk=indicator_pk, framework_id=evaluation.period.framework_id
    )
    try:
        if request.POST.get("remove"):
            services.unmark_for_interview(
                evaluation=evaluation, indicator=indicator, by=request.user
            )
            messages.success(
                request,
                _("Indicator %(number)s taken off the interview agenda.")
                % {"number": indicator.number},
            )
        else:
            services.mark_for_interview(
                evaluation=evaluation,
                indicator=indicator,
                by=request.user,
                question=request.POST.get("question", ""),
            )
            messages.success(
                request,
                _("Indicator %(number)s will be raised at the interview.")
                % {"number": indicator.number},
            )
    except ValidationError as exc:
        _errors(request, exc)
    url = reverse("evaluations:assessment-score", kwargs={"pk": evaluation.pk})
    return redirect(f"{url}#ind-{indicator.number}-1")
