"""The admin's calibration page of a period: draw the sample, see the agreement of
first and second assessors (with sample sizes and intervals), and the entries whose
levels differ by more than one."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from evaluations.agreement import SMALL_SAMPLE
from evaluations.models import CalibrationSample
from evaluations.permissions import get_period_for
from evaluations.selectors.calibration import Row, calibration_agreement
from evaluations.services.calibration import draw_calibration_sample


class DrawForm(forms.Form):
    share = forms.DecimalField(
        label=gettext_lazy("Share of institutions (%)"),
        min_value=Decimal("0.1"),
        max_value=Decimal(100),
        decimal_places=1,
        initial=Decimal(10),
    )
    seed = forms.IntegerField(
        label=gettext_lazy("Seed (empty: chosen at random and recorded)"),
        required=False,
        min_value=0,
        max_value=2**31 - 1,
    )


@login_required
def calibration(request, pk: int):
    period = get_period_for(request, pk)
    form = DrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            draw_calibration_sample(
                period=period,
                share=form.cleaned_data["share"] / 100,
                seed=form.cleaned_data["seed"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Calibration sample drawn."))
            return redirect("evaluations:calibration", pk=period.pk)
    sample = CalibrationSample.objects.filter(period=period).select_related("drawn_by").first()
    context = {"period": period, "form": form, "sample": sample, "small": SMALL_SAMPLE}
    if sample:
        context["size"] = sample.items.count()
        context["assigned"] = sample.items.filter(second_assessor__isnull=False).count()
        context.update(calibration_agreement(period))
        context["overall_rows"] = [Row(period.name, context["overall"])]
    status = 400 if request.method == "POST" else 200
    return render(request, "evaluations/calibration/period.html", context, status=status)
