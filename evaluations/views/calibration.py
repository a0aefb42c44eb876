"""The admin's calibration page of a period: draw the sample, see the agreement of
first and second assessors (with sample sizes and intervals), and the entries whose
levels differ by more than one."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from evaluations import recency, text_limits
from evaluations.agreement import SMALL_SAMPLE
from evaluations.models import CalibrationItem, CalibrationSample, Indicator
from evaluations.permissions import (
    can_second_score,
    get_consensus_item_for,
    get_period_for,
    get_second_assessment_for,
    is_admin,
    is_assessor,
    is_coordinator,
    require,
)
from evaluations.selectors import calibration as sel
from evaluations.selectors import evaluations_visible_to
from evaluations.selectors.calibration import Row, calibration_agreement
from evaluations.services import calibration as services
from evaluations.services.calibration import draw_calibration_sample
from institutions.models import User


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


class SecondAssessorForm(forms.Form):
    # Any account: the service says why one that is not an eligible assessor is refused.
    assessor = forms.ModelChoiceField(queryset=User.objects.all())


class SecondLevelForm(forms.Form):
    level = forms.IntegerField(min_value=0, max_value=5)
    note = forms.CharField(required=False, max_length=text_limits.EXPLANATION)


class ConsensusForm(forms.Form):
    level = forms.IntegerField(label=gettext_lazy("Decided level"), min_value=0, max_value=5)
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=text_limits.REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
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
        context["items"] = items = list(sel.sample_items(period))
        # The consensus list names the institution and the indicator, linked to the page
        # where the difference is decided.
        item_of = {item.evaluation_id: item for item in items}
        numbers = dict(
            Indicator.objects.filter(framework_id=period.framework_id).values_list("pk", "number")
        )
        context["disagreement_rows"] = [
            (item_of.get(d.evaluation_id), numbers.get(d.indicator_id), d)
            for d in context["disagreements"]
        ]
        context["candidates"] = sel.second_assessor_candidates()
    status = 400 if request.method == "POST" else 200
    return render(request, "evaluations/calibration/period.html", context, status=status)


# --- The admin assigns second assessors ----------------------------------------------------


@login_required
@require_POST
def calibration_assign(request, pk: int, item_pk: int):
    period = get_period_for(request, pk)
    item = get_object_or_404(CalibrationItem, pk=item_pk, sample__period=period)
    form = SecondAssessorForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an assessor from the list."))
    else:
        try:
            services.assign_second_assessor(
                item=item, assessor=form.cleaned_data["assessor"], by=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Second assessor saved."))
    return redirect(reverse("evaluations:calibration", args=[period.pk]) + f"#item-{item.pk}")


# --- The second assessor -------------------------------------------------------------------


@login_required
def second_assessment_list(request):
    require(is_assessor(request.user))
    return render(
        request,
        "evaluations/calibration/second_list.html",
        {"items": sel.my_second_assessments(request.user)},
    )


def _levels(evaluation):
    return range(0 if evaluation.period.framework.allow_zero_validated else 1, 6)


@login_required
def second_assessment_score(request, pk: int):
    """The scoring page, blind: the institution's answers and evidence, the second
    assessor's own levels, never the first assessment."""
    item = get_second_assessment_for(request, pk)
    return render(
        request,
        "evaluations/calibration/second_score.html",
        {
            "item": item,
            "evaluation": item.evaluation,
            "groups": sel.blind_scoring_groups(item),
            "levels": _levels(item.evaluation),
            "scorable": can_second_score(request.user, item),
            "recency": recency.for_period(item.evaluation.period),
        },
    )


@login_required
@require_POST
def second_level_save(request, pk: int, indicator_pk: int, entry: int):
    item = get_second_assessment_for(request, pk)
    evaluation = item.evaluation
    indicator = get_object_or_404(
        Indicator, pk=indicator_pk, framework_id=evaluation.period.framework_id
    )
    url = reverse("evaluations:second-assessment", args=[item.pk])
    url += f"#ind-{indicator.number}-{entry}"
    form = SecondLevelForm(request.POST)
    error = ""
    if not form.is_valid():
        error = _("Choose a level from the list.")
    else:
        try:
            services.save_second_level(
                item=item,
                indicator=indicator,
                entry=entry,
                level=form.cleaned_data["level"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    if error:
        messages.error(request, f"{indicator.number}: {error}")
    else:
        messages.success(request, _("Indicator %(n)s saved.") % {"n": indicator.number})
    return redirect(url)


# --- Consensus -----------------------------------------------------------------------------


@login_required
def consensus_list(request):
    """The sampled evaluations of the user's scope with differences of more than one
    level: the coordinator's university, or all for an admin."""
    user = request.user
    require(is_coordinator(user) or is_admin(user))
    items = CalibrationItem.objects.filter(evaluation__in=evaluations_visible_to(user))
    return render(
        request,
        "evaluations/calibration/consensus_list.html",
        {"rows": sel.consensus_items(items)},
    )


def _consensus_page(request, item, *, form=None, form_key=None, status=200):
    return render(
        request,
        "evaluations/calibration/consensus.html",
        {
            "item": item,
            "evaluation": item.evaluation,
            "rows": sel.consensus_rows(item),
            "levels": _levels(item.evaluation),
            "open": item.evaluation.status in services.CONSENSUS_OPEN,
            "form": form,
            "form_key": form_key,
        },
        status=status,
    )


@login_required
def consensus_detail(request, pk: int):
    return _consensus_page(request, get_consensus_item_for(request, pk))


@login_required
@require_POST
def consensus_decide(request, pk: int, indicator_pk: int, entry: int):
    item = get_consensus_item_for(request, pk)
    indicator = get_object_or_404(
        Indicator, pk=indicator_pk, framework_id=item.evaluation.period.framework_id
    )
    form = ConsensusForm(request.POST)
    if form.is_valid():
        try:
            services.decide_consensus(
                item=item,
                indicator=indicator,
                entry=entry,
                level=form.cleaned_data["level"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Level of indicator %(n)s decided.") % {"n": indicator.number}
            )
            return redirect("evaluations:consensus-detail", pk=item.pk)
    return _consensus_page(request, item, form=form, form_key=(indicator.pk, entry), status=400)
