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
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from evaluations import deadlines
from evaluations.forms.review import (
    AspectTextsForm,
    GeneralRecommendationForm,
    ReviewScopeForm,
    TextDecisionForm,
    VerdictForm,
)
from evaluations.models import Evaluation, Indicator, Phase, TextReview
from evaluations.permissions import get_evaluation_for, get_period_for
from evaluations.selectors import review as selectors
from evaluations.services import assessment_texts as texts_services
from evaluations.services import review as services
from evaluations.views.common import _errors
from evaluations.views.stages import flash_form_errors


def _flash(request, form) -> None:
    """A refused form without an indicator row, as messages naming the field."""
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


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
            "texts": selectors.texts_sheet(evaluation),
            "text_states": TextReview.State,
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


@login_required
@require_POST
def ministry_review_texts(request, pk):
    """Accept the assessors' texts, or send them back with a note."""
    evaluation = get_evaluation_for(request, pk, need="ministry_review")
    form = TextDecisionForm(request.POST)
    if not form.is_valid():
        _flash(request, form)
        return redirect(_page(evaluation) + "#texts")
    try:
        texts = texts_services.decide_texts(
            evaluation=evaluation, by=request.user, **form.cleaned_data
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        if texts.state == TextReview.State.ACCEPTED:
            messages.success(request, _("The assessors' texts are accepted."))
        else:
            messages.success(request, _("The texts were sent back to the assessors."))
    return redirect(_page(evaluation) + "#texts")


@login_required
@require_POST
def review_scope(request, period_pk):
    """Review the period in full, or draw the sample to review."""
    period = get_period_for(request, period_pk)
    form = ReviewScopeForm(request.POST)
    url = reverse("evaluations:results-release", kwargs={"period_pk": period.pk}) + "#review-scope"
    if not form.is_valid():
        _flash(request, form)
        return redirect(url)
    try:
        period = services.set_review_scope(
            period=period,
            scope=form.cleaned_data["scope"],
            percent=form.cleaned_data["percent"],
            by=request.user,
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            _("Review scope saved: %(scope)s.") % {"scope": period.get_review_scope_display()},
        )
    return redirect(url)


def _texts_url(evaluation):
    return reverse("evaluations:assessment-texts", kwargs={"pk": evaluation.pk})


@login_required
def assessment_texts(request, pk):
    """The assessor's texts: fulfilment, strengths and weaknesses per aspect and the
    general recommendation, with the review team's decision on them."""
    evaluation = get_evaluation_for(request, pk, need="score")
    sheet = selectors.texts_sheet(evaluation)
    editable = texts_services.texts_editable(evaluation)
    if request.method == "POST":
        if _save_texts(request, evaluation, sheet):
            messages.success(request, _("Texts saved."))
        return redirect(_texts_url(evaluation))
    return render(
        request,
        "evaluations/review/texts.html",
        {
            "evaluation": evaluation,
            "sheet": sheet,
            "editable": editable,
            "text_states": TextReview.State,
        },
    )


def _save_texts(request, evaluation, sheet) -> bool:
    """Save every aspect's texts and the general recommendation from one form; the
    first refusal stops the rest (what was saved before it stays saved)."""
    forms_ok = True
    try:
        for item in sheet.aspects:
            form = AspectTextsForm(request.POST, prefix=f"a{item.aspect.pk}")
            if not form.is_valid():
                _flash(request, form)
                forms_ok = False
                continue
            data = form.cleaned_data
            texts_services.save_aspect_note(
                evaluation=evaluation,
                aspect=item.aspect,
                by=request.user,
                fulfilment=data["fulfilment"],
                strengths=data["strengths"],
                weaknesses=data["weaknesses"],
                version=data["version"],
            )
        form = GeneralRecommendationForm(request.POST, prefix="rec")
        if form.is_valid():
            texts_services.save_general_recommendation(
                evaluation=evaluation, by=request.user, **form.cleaned_data
            )
        else:
            _flash(request, form)
            forms_ok = False
    except ValidationError as exc:
        _errors(request, exc)
        return False
    return forms_ok


@login_required
@require_POST
def assessment_texts_hand_in(request, pk):
    """Hand the texts the review team sent back in again."""
    evaluation = get_evaluation_for(request, pk, need="score")
    try:
        texts_services.hand_in_texts(evaluation=evaluation, by=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("The texts are back with the review team."))
    return redirect(_texts_url(evaluation))


@login_required
@require_POST
def assessment_texts_draft(request, pk):
    """Fill the empty texts with drafts from the levels (never overwriting a text)."""
    evaluation = get_evaluation_for(request, pk, need="score")
    try:
        filled = texts_services.draft_texts(evaluation=evaluation, by=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        if filled:
            messages.success(
                request,
                ngettext(
                    "%(n)s empty text drafted from the levels: read and edit it.",
                    "%(n)s empty texts drafted from the levels: read and edit them.",
                    len(filled),
                )
                % {"n": len(filled)},
            )
        else:
            messages.info(request, _("Every text is already written: nothing was drafted."))
    return redirect(_texts_url(evaluation))
