"""Small helpers shared by the evaluation views."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404

from evaluations.models import (
    EvaluationPeriod,
)


def _errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _period_from_query(request):
    periods = EvaluationPeriod.objects.order_by("-opens_at")
    pk = request.GET.get("period")
    if pk and pk.isdigit():
        return get_object_or_404(periods, pk=pk), periods
    return periods.first(), periods
