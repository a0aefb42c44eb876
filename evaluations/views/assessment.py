"""Document-evaluation views: the assessor's queue and scoring page, the coordinator's
dashboard and review, the admin's assignment, release and national figures, and the
institution's result page. Thin: access helper, form, service, PRG."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from evaluations import charts, filters, recency, text_limits
from evaluations.deadlines import holds_stage, is_stage_open
from evaluations.forms import assessment as forms
from evaluations.models import (
    Aspect,
    AspectNote,
    Evaluation,
    EvaluationPeriod,
    EvaluationReview,
    Indicator,
    Phase,
    ReviewScope,
)
from evaluations.numbers import format_number
from evaluations.permissions import (
    get_evaluation_for,
    get_period_for,
    is_assessor,
    is_institution_staff,
    require,
    scoring_is_open,
)
from evaluations.selectors import assessment as selectors
from evaluations.selectors.agenda import agenda_by_indicator
from evaluations.services import assessment as services
from evaluations.services import assessment_texts as texts_services
from evaluations.views.common import _errors
from evaluations.wib import format_wib
from institutions.models import Institution

# ---------------------------------------------------------------------------
# Assessor
# ---------------------------------------------------------------------------


@login_required
def assessor_queue(request):
    """The assessor's assigned evaluations with status, submission time and progress."""
    require(is_assessor(request.user))
    filterset = filters.EvaluationListFilter(
        request.GET or None, queryset=selectors.assessor_queue(request.user)
    )
    chosen = filters.values(filterset)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    for ev in page:
        ev.due = ev.period.stage_window("review")[1]  # the assessors' desk review ends
    return render(
        request,
        "evaluations/assessment/queue_list.html",
        {
            "page_obj": page,
            "status": chosen.status,
            "kind": chosen.kind,
            "q": chosen.q,
            "statuses": Evaluation.Status.choices,
            "kinds": Institution.Kind.choices,
        },
    )


SCORE_LIMITS = {"note": text_limits.EXPLANATION, "recommendation": text_limits.RECOMMENDATION}
ASPECT_LIMIT = text_limits.ASPECT_NOTE


def _missing_links(groups, missing):
    """Labels and anchors of the entries still to score, in framework order (no query)."""
    numbers = {row.indicator.pk: row.indicator.number for g in groups for row in g.rows}
    rows = sorted((numbers[pk], entry) for pk, entry in missing if pk in numbers)
    return [
        {"label": f"{n}" if entry == 1 else f"{n}.{entry}", "anchor": f"ind-{n}-{entry}"}
        for n, entry in rows
    ]


def _score_context(evaluation, request):
    framework = evaluation.period.framework
    missing = selectors.missing_entries(evaluation)
    clarification = selectors.open_clarification(evaluation)
    groups = selectors.scoring_groups(evaluation)
    holds_interview = holds_stage(evaluation.period, "interview")
    return {
        "evaluation": evaluation,
        "groups": groups,
        "allow_zero": framework.allow_zero_validated,
        "levels": range(0 if framework.allow_zero_validated else 1, 6),
        "scorable": scoring_is_open(evaluation),
        "clarification": clarification,
        "changes": selectors.changes_since(
            evaluation, clarification.requested_at if clarification else None
        ),
        "clarify_form": forms.ClarificationForm(framework=framework),
        "comments": selectors.review_comments(evaluation),
        "missing": len(missing),
        "missing_links": _missing_links(groups, missing),
        "limits": SCORE_LIMITS,
        "aspect_limit": ASPECT_LIMIT,
        "clarification_open": is_stage_open(evaluation.period, "document", timezone.now()),
        "holds_interview": holds_interview,
        "agenda": agenda_by_indicator(evaluation) if holds_interview else {},
        "recency": recency.for_period(evaluation.period),
    }


@login_required
def assessment_score(request, pk):
    """The scoring page: every indicator side by side with the institution's answer."""
    evaluation = get_evaluation_for(request, pk, need="score")
    return render(
        request, "evaluations/assessment/score_detail.html", _score_context(evaluation, request)
    )


def _row_context(evaluation, indicator, entry, answer, form=None, saved=False, conflict=False):
    saved_text = ""
    if saved and answer is not None:
        saved_text = _("Saved at %(time)s") % {"time": format_wib(answer.updated_at, "time")}
    return {
        "evaluation": evaluation,
        "saved_text": saved_text,
        "limits": SCORE_LIMITS,
        "row": {"indicator": indicator, "entry": entry, "doc_answer": answer},
        "levels": range(0 if evaluation.period.framework.allow_zero_validated else 1, 6),
        "scorable": scoring_is_open(evaluation),
        "form": form,
        "saved": saved,
        "conflict": conflict,
    }


@login_required
@require_POST
def assessment_answer_save(request, pk, indicator_pk, entry):
    """Save one validated level (htmx autosave returns the row's form; else PRG)."""
    evaluation = get_evaluation_for(request, pk, need="score")
    indicator = get_object_or_404(
        Indicator, pk=indicator_pk, framework_id=evaluation.period.framework_id
    )
    form = forms.ValidatedAnswerForm(
        request.POST, allow_zero=evaluation.period.framework.allow_zero_validated
    )
    anchor = f"#ind-{indicator.number}-{entry}"
    url = reverse("evaluations:assessment-score", kwargs={"pk": evaluation.pk}) + anchor
    saved = conflict = False
    answer = None
    if form.is_valid():
        try:
            answer = services.save_validated_answer(
                evaluation=evaluation,
                indicator=indicator,
                entry=entry,
                by=request.user,
                level=form.cleaned_data["level"],
                note=form.cleaned_data["note"],
                recommendation=form.cleaned_data["recommendation"],
                version=form.cleaned_data["version"],
            )
            saved = True
        except ValidationError as exc:
            conflict = getattr(exc, "code", "") == "conflict"
            if not request.htmx:
                _errors(request, exc)
                return redirect(url)
            form.add_error(None, exc)
    elif not request.htmx:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"{indicator.number}: {error}")
        return redirect(url)
    if not request.htmx:
        messages.success(request, _("Indicator %(n)s saved.") % {"n": indicator.number})
        return redirect(url)
    if answer is None:
        answer = evaluation.answers.filter(
            indicator=indicator, entry=entry, phase=Phase.DOCUMENT
        ).first()
    if conflict:
        # Both versions side by side; the form holds the saved one (as on the self-evaluation page).
        conflict = {
            "mine": {
                "level": form.cleaned_data.get("level"),
                "note": form.cleaned_data.get("note", ""),
                "recommendation": form.cleaned_data.get("recommendation", ""),
            },
            "theirs": answer,
        }
    context = _row_context(
        evaluation, indicator, entry, answer, form=form, saved=saved, conflict=conflict
    )
    # The counter and the status badge of the page follow the save.
    evaluation.refresh_from_db(fields=["status"])
    context.update(
        autosave_response=True,
        missing=len(selectors.missing_entries(evaluation)),
        scorable=evaluation.status in services.SCORABLE,
    )
    return render(request, "evaluations/assessment/_score_form.html", context)


@login_required
@require_POST
def assessment_aspect_save(request, pk, aspect_pk):
    """Save strengths and weaknesses of one aspect."""
    evaluation = get_evaluation_for(request, pk, need="score")
    aspect = get_object_or_404(
        Aspect.objects.select_related("domain"),
        pk=aspect_pk,
        domain__framework_id=evaluation.period.framework_id,
    )
    form = forms.AspectNoteForm(request.POST)
    url = (
        reverse("evaluations:assessment-score", kwargs={"pk": evaluation.pk})
        + f"#aspect-{aspect.pk}"
    )
    saved = False
    if form.is_valid():
        try:
            texts_services.save_aspect_note(
                evaluation=evaluation,
                aspect=aspect,
                by=request.user,
                strengths=form.cleaned_data["strengths"],
                weaknesses=form.cleaned_data["weaknesses"],
                version=form.cleaned_data["version"],
            )
            saved = True
        except ValidationError as exc:
            if not request.htmx:
                _errors(request, exc)
                return redirect(url)
            form.add_error(None, exc)
    if not request.htmx:
        if saved:
            messages.success(request, _("Strengths and weaknesses saved."))
        return redirect(url)
    note = AspectNote.objects.filter(
        evaluation=evaluation, aspect=aspect, phase=Phase.DOCUMENT
    ).first()
    return render(
        request,
        "evaluations/assessment/_aspect_form.html",
        {
            "evaluation": evaluation,
            "group": {"aspect": aspect, "note": note},
            "scorable": scoring_is_open(evaluation),
            "form": form,
            "saved": saved,
            "aspect_limit": ASPECT_LIMIT,
        },
    )


@login_required
@require_POST
def assessment_clarify(request, pk):
    """Ask the institution to clarify named indicators (reopens only those)."""
    evaluation = get_evaluation_for(request, pk, need="score")
    form = forms.ClarificationForm(request.POST, framework=evaluation.period.framework)
    if form.is_valid():
        try:
            services.request_clarification(
                evaluation=evaluation,
                indicators=form.cleaned_data["indicators"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
            messages.success(request, _("Clarification requested from the institution."))
        except ValidationError as exc:
            _errors(request, exc)
    else:
        messages.error(request, _("Choose the indicators and say what to clarify."))
    return redirect("evaluations:assessment-score", pk=evaluation.pk)


@login_required
@require_POST
def assessment_complete(request, pk):
    """Mark the assessment complete (server-checked: every entry scored and explained)."""
    evaluation = get_evaluation_for(request, pk, need="score")
    if evaluation.status in selectors.FINISHED_STATUSES:
        messages.info(request, _("This assessment is already complete."))
        return redirect("evaluations:assessor-queue")
    try:
        services.complete_assessment(evaluation=evaluation, by=request.user)
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("evaluations:assessment-score", pk=evaluation.pk)
    messages.success(request, _("Assessment complete: sent to the coordinator for review."))
    return redirect("evaluations:assessor-queue")


def _radar(sheet) -> str:
    """Self-assessed next to validated, per aspect (needs three aspects or more)."""
    if len(sheet.aspects) < 3:
        return ""
    return charts.radar_svg(
        [code for code, _name, _own, _final in sheet.aspects],
        [
            (_("Self-assessed"), [own for _c, _n, own, _f in sheet.aspects]),
            (_("Validated"), [final for _c, _n, _o, final in sheet.aspects]),
        ],
        title=_("Index per aspect"),
    )


@login_required
def assessment_review(request, pk):
    """Coordinator (or admin) review: validated next to self-assessed, approve or send back."""
    evaluation = get_evaluation_for(request, pk, need="review")
    return render(
        request,
        "evaluations/assessment/review_detail.html",
        {
            "evaluation": evaluation,
            "sheet": (sheet := selectors.result_sheet(evaluation)),
            "radar": _radar(sheet),
            "send_back_form": forms.SendBackForm(),
            "comments": selectors.review_comments(evaluation),
            "can_decide": evaluation.status == Evaluation.Status.ASSESSED,
            "can_reopen": evaluation.status == Evaluation.Status.APPROVED,
            # Once this one is decided, the reviewer goes straight on to the next.
            "next_review": (
                None
                if evaluation.status == Evaluation.Status.ASSESSED
                else selectors.next_to_review(request.user, evaluation)
            ),
        },
    )


@login_required
@require_POST
def assessment_approve(request, pk):
    evaluation = get_evaluation_for(request, pk, need="review")
    if evaluation.status in selectors.RESULT_STATUSES:
        messages.info(request, _("This assessment is already approved."))
        return redirect("evaluations:assessment-review", pk=evaluation.pk)
    try:
        evaluation = services.approve_assessment(evaluation=evaluation, by=request.user)
        messages.success(
            request,
            _("Approved: index %(i)s (%(p)s).")
            % {"i": format_number(evaluation.final_index), "p": evaluation.final_predicate},
        )
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("evaluations:assessment-review", pk=evaluation.pk)


@login_required
@require_POST
def assessment_send_back(request, pk):
    evaluation = get_evaluation_for(request, pk, need="review")
    if evaluation.status == Evaluation.Status.UNDER_ASSESSMENT:
        messages.info(request, _("This assessment is already back with the assessor."))
        return redirect("evaluations:assessment-review", pk=evaluation.pk)
    form = forms.SendBackForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(services.COMMENT_REQUIRED)
        services.send_back_assessment(
            evaluation=evaluation, by=request.user, comment=form.cleaned_data["comment"]
        )
        messages.success(request, _("Sent back to the assessor."))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("evaluations:assessment-review", pk=evaluation.pk)


@login_required
def results_release(request, period_pk):
    """Release approved results: all of the period, or chosen institutions."""
    period = get_period_for(request, period_pk)
    form = forms.ReleaseForm(period=period)
    if request.method == "POST":
        form = forms.ReleaseForm(request.POST, period=period)
        if form.is_valid():
            everything = form.cleaned_data["everything"]
            ids = None if everything else [e.pk for e in form.cleaned_data["evaluations"]]
            try:
                n = services.release_results(period=period, by=request.user, evaluation_ids=ids)
                messages.success(
                    request,
                    ngettext("%(n)s result released.", "%(n)s results released.", n) % {"n": n},
                )
            except ValidationError as exc:
                messages.info(request, exc.messages[0])
            return redirect("evaluations:results-release", period_pk=period.pk)
    counts = selectors.status_counts(period)
    done = (Evaluation.Status.APPROVED, Evaluation.Status.RELEASED)
    return render(
        request,
        "evaluations/assessment/release_form.html",
        {
            "period": period,
            "form": form,
            # What a release leaves behind: said before the button, not after.
            "approved_count": counts.get(Evaluation.Status.APPROVED, 0),
            "not_approved_count": sum(n for v, n in counts.items() if v not in done),
            "candidates": selectors.release_candidates(period),
            "review_scopes": ReviewScope.choices,
            # Once a review of the period is complete the scope stays as it is.
            "scope_locked": EvaluationReview.objects.filter(evaluation__period=period).exists(),
            "status_rows": [
                (value, label, n)
                for value, label in Evaluation.Status.choices
                if (n := counts.get(value))
            ],
        },
    )


@login_required
def results_national(request, period_pk):
    """National figures of a period: index, distribution by predicate and by kind."""
    period = get_period_for(request, period_pk)
    figures = selectors.national_figures(period)
    return render(
        request,
        "evaluations/assessment/national_detail.html",
        {
            "period": period,
            "periods": EvaluationPeriod.objects.order_by("-opens_at"),
            "figures": figures,
            "predicate_chart": charts.column_svg(
                figures.by_predicate, title=_("Institutions by predicate")
            ),
            "kind_chart": charts.bar_svg(
                [(label, mean) for label, _n, mean in figures.by_kind],
                maximum=5,
                value_format=charts.format_index,
                title=_("Mean index by kind of institution"),
            ),
        },
    )


# ---------------------------------------------------------------------------
# Institution
# ---------------------------------------------------------------------------


@login_required
def result_list(request):
    """The institution's evaluations whose results have been released."""
    require(is_institution_staff(request.user))
    evaluations = selectors.released_results_for(request.user)
    return render(request, "evaluations/assessment/result_list.html", {"evaluations": evaluations})


@login_required
def result_detail(request, pk):
    """The institution's released result (reviewers and admins may see it once approved)."""
    evaluation = get_evaluation_for(request, pk, need="result")
    if evaluation.status not in selectors.RESULT_STATUSES:
        raise Http404
    sheet = selectors.result_sheet(evaluation)
    return render(
        request,
        "evaluations/assessment/result_detail.html",
        {"evaluation": evaluation, "sheet": sheet, "radar": _radar(sheet)},
    )
