"""Document-evaluation views: the assessor's queue and scoring page, the coordinator's
dashboard and review, the admin's assignment, release and national figures, and the
institution's result page. Thin (STYLE V1): access helper, form, service, PRG."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from evaluations import charts
from evaluations.forms import assessment as forms
from evaluations.models import (
    Aspect,
    AspectNote,
    Evaluation,
    EvaluationPeriod,
    Indicator,
    Phase,
)
from evaluations.permissions import can_manage_period, get_evaluation_for
from evaluations.selectors import assessment as selectors
from evaluations.services import assessment as services
from institutions.models import Institution, Role, University, User


def _errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _require_admin(request) -> None:
    if not can_manage_period(request.user):
        raise PermissionDenied


def _period_from_query(request):
    periods = EvaluationPeriod.objects.order_by("-opens_at")
    pk = request.GET.get("period")
    if pk and pk.isdigit():
        return get_object_or_404(periods, pk=pk), periods
    return periods.first(), periods


# ---------------------------------------------------------------------------
# Assessor
# ---------------------------------------------------------------------------


@login_required
def assessor_queue(request):
    """The assessor's assigned evaluations with status, submission time and progress."""
    if not request.user.is_assessor:
        raise PermissionDenied
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    q = request.GET.get("q", "").strip()
    page = Paginator(
        selectors.assessor_queue(request.user, status=status, kind=kind, q=q), 50
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "evaluations/assessment/queue_list.html",
        {
            "page_obj": page,
            "status": status,
            "kind": kind,
            "q": q,
            "statuses": Evaluation.Status.choices,
            "kinds": Institution.Kind.choices,
        },
    )


def _score_context(evaluation, request):
    framework = evaluation.period.framework
    clarification = selectors.open_clarification(evaluation)
    return {
        "evaluation": evaluation,
        "groups": selectors.scoring_groups(evaluation),
        "allow_zero": framework.allow_zero_validated,
        "levels": range(0 if framework.allow_zero_validated else 1, 6),
        "scorable": evaluation.status in services.SCORABLE,
        "clarification": clarification,
        "changes": selectors.changes_since(
            evaluation, clarification.requested_at if clarification else None
        ),
        "clarify_form": forms.ClarificationForm(framework=framework),
        "comments": selectors.review_comments(evaluation),
        "missing": len(services.missing_entries(evaluation)),
        "clarification_open": evaluation.period.document_deadline is None
        or timezone.now() <= evaluation.period.document_deadline,
    }


@login_required
def assessment_score(request, pk):
    """The scoring page: every indicator side by side with the institution's answer."""
    evaluation = get_evaluation_for(request, pk, need="score")
    return render(
        request, "evaluations/assessment/score_detail.html", _score_context(evaluation, request)
    )


def _row_context(evaluation, indicator, entry, answer, form=None, saved=False, conflict=False):
    return {
        "evaluation": evaluation,
        "row": {"indicator": indicator, "entry": entry, "doc_answer": answer},
        "levels": range(0 if evaluation.period.framework.allow_zero_validated else 1, 6),
        "scorable": evaluation.status in services.SCORABLE,
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
            if not _is_htmx(request):
                _errors(request, exc)
                return redirect(url)
            form.add_error(None, exc)
    elif not _is_htmx(request):
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"{indicator.number}: {error}")
        return redirect(url)
    if not _is_htmx(request):
        messages.success(request, _("Indicator %(n)s saved.") % {"n": indicator.number})
        return redirect(url)
    if answer is None:
        answer = evaluation.answers.filter(
            indicator=indicator, entry=entry, phase=Phase.DOCUMENT
        ).first()
    if conflict:
        # Both versions side by side; the form holds the saved one (STYLE: as self-evaluation).
        conflict = {
            "mine": {
                "level": form.cleaned_data.get("level"),
                "note": form.cleaned_data.get("note", ""),
                "recommendation": form.cleaned_data.get("recommendation", ""),
            },
            "theirs": answer,
        }
    return render(
        request,
        "evaluations/assessment/_score_form.html",
        _row_context(
            evaluation, indicator, entry, answer, form=form, saved=saved, conflict=conflict
        ),
    )


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
            services.save_aspect_note(
                evaluation=evaluation,
                aspect=aspect,
                by=request.user,
                strengths=form.cleaned_data["strengths"],
                weaknesses=form.cleaned_data["weaknesses"],
                version=form.cleaned_data["version"],
            )
            saved = True
        except ValidationError as exc:
            if not _is_htmx(request):
                _errors(request, exc)
                return redirect(url)
            form.add_error(None, exc)
    if not _is_htmx(request):
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
            "scorable": evaluation.status in services.SCORABLE,
            "form": form,
            "saved": saved,
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


# ---------------------------------------------------------------------------
# Coordinator
# ---------------------------------------------------------------------------


def _coordinator_period(request):
    if not request.user.is_coordinator:
        raise PermissionDenied
    if request.GET.get("period"):
        return _period_from_query(request)
    periods = EvaluationPeriod.objects.order_by("-opens_at")
    # Without a choice: the latest period in which the university has evaluations.
    latest = periods.filter(evaluations__university_id=request.user.university_id).first()
    return latest or periods.first(), periods


@login_required
def coordinator_dashboard(request):
    """The university's evaluations in a period, assessors' progress, assignment tools."""
    period, periods = _coordinator_period(request)
    university = request.user.university
    status = request.GET.get("status", "")
    evaluations = (
        selectors.coordinator_evaluations(university, period, status=status) if period else []
    )
    page = Paginator(evaluations, 100).get_page(request.GET.get("page"))
    assessors = list(selectors.assessor_progress(university, period)) if period else []
    return render(
        request,
        "evaluations/assessment/coordinator_dashboard.html",
        {
            "period": period,
            "periods": periods,
            "university": university,
            "page_obj": page,
            "assessors": assessors,
            "status": status,
            "statuses": Evaluation.Status.choices,
            "auto_form": forms.AutoAssessorForm(),
            "assignable": [str(status) for status in services.ASSIGNABLE],
            "can_undo": period is not None
            and services.last_batch(
                period=period, action=services.ACTION_ASSESSOR, university_id=university.pk
            )
            is not None,
        },
    )


def _coordinator_redirect(period_pk):
    return redirect(reverse("evaluations:coordinator-dashboard") + f"?period={period_pk}")


@login_required
@require_POST
def assessor_assign(request, period_pk):
    """Assign (or, with action=remove, unassign) one assessor to one evaluation."""
    if not request.user.is_coordinator:
        raise PermissionDenied
    period = get_object_or_404(EvaluationPeriod, pk=period_pk)
    university = request.user.university
    form = forms.AssessorChoiceForm(
        request.POST,
        evaluations=Evaluation.objects.filter(period=period, university=university),
        assessors=User.objects.filter(role=Role.ASSESSOR, university=university, is_active=True),
    )
    if not form.is_valid():
        raise Http404  # another university's evaluation or assessor
    evaluation, assessor = form.cleaned_data["evaluation"], form.cleaned_data["assessor"]
    try:
        if request.POST.get("action") == "remove":
            if services.unassign_assessor(
                evaluation=evaluation, assessor=assessor, by=request.user
            ):
                messages.success(
                    request,
                    _("%(a)s removed from %(i)s.") % {"a": assessor, "i": evaluation.institution},
                )
            else:
                messages.info(request, _("Nothing to remove."))
        elif services.assign_assessor(evaluation=evaluation, assessor=assessor, by=request.user):
            messages.success(
                request,
                _("%(a)s assigned to %(i)s.") % {"a": assessor, "i": evaluation.institution},
            )
        else:
            messages.info(request, _("This assessor was already assigned."))
    except ValidationError as exc:
        _errors(request, exc)
    return _coordinator_redirect(period.pk)


@login_required
@require_POST
def assessor_auto_assign(request, period_pk):
    """Assign the university's unassigned evaluations to its assessors, balanced."""
    if not request.user.is_coordinator:
        raise PermissionDenied
    period = get_object_or_404(EvaluationPeriod, pk=period_pk)
    form = forms.AutoAssessorForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The load cap must be a positive number."))
        return _coordinator_redirect(period.pk)
    run = services.auto_assign_assessors(
        period=period,
        university=request.user.university,
        by=request.user,
        cap=form.cleaned_data["cap"],
    )
    if run.changed:
        messages.success(request, _("%(n)s evaluations assigned.") % {"n": run.changed})
    else:
        messages.info(request, _("No evaluation was waiting for an assessor."))
    if run.left_out:
        messages.warning(
            request,
            _("%(n)s evaluations could not be placed (load cap or conflicts).")
            % {"n": len(run.left_out)},
        )
    return _coordinator_redirect(period.pk)


@login_required
@require_POST
def assessor_auto_undo(request, period_pk):
    """Undo the university's latest automatic assessor assignment."""
    if not request.user.is_coordinator:
        raise PermissionDenied
    period = get_object_or_404(EvaluationPeriod, pk=period_pk)
    try:
        n = services.undo_assessor_batch(
            period=period, university=request.user.university, by=request.user
        )
        messages.success(
            request, _("Automatic assignment undone: %(n)s assignments removed.") % {"n": n}
        )
    except ValidationError as exc:
        messages.info(request, exc.messages[0])
    return _coordinator_redirect(period.pk)


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
            % {"i": evaluation.final_index, "p": evaluation.final_predicate},
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


# ---------------------------------------------------------------------------
# Ministry admin
# ---------------------------------------------------------------------------


@login_required
def assignment_home(request):
    """Entry point from the navigation: the latest period's university assignment."""
    _require_admin(request)
    period, _periods = _period_from_query(request)
    if period is None:
        raise Http404
    return redirect("evaluations:assignment-universities", period_pk=period.pk)


def _admin_period(request, period_pk):
    _require_admin(request)
    return get_object_or_404(EvaluationPeriod.objects.select_related("framework"), pk=period_pk)


@login_required
def assignment_universities(request, period_pk):
    """Institutions -> universities for a period: counts, list with per-row choice, tools."""
    period = _admin_period(request, period_pk)
    university = request.GET.get("university", "")
    kind = request.GET.get("kind", "")
    q = request.GET.get("q", "").strip()
    page = Paginator(
        selectors.period_evaluations_for_assignment(period, university=university, q=q, kind=kind),
        50,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "evaluations/assessment/assignment_universities.html",
        {
            "period": period,
            "periods": EvaluationPeriod.objects.order_by("-opens_at"),
            "counts": selectors.university_counts(period),
            "page_obj": page,
            "universities": University.objects.filter(is_active=True).order_by("code"),
            "university": university,
            "kind": kind,
            "kinds": Institution.Kind.choices,
            "q": q,
            "auto_form": forms.AutoUniversityForm(),
            "csv_form": forms.CsvUploadForm(),
            "can_undo": services.last_batch(period=period, action=services.ACTION_UNIVERSITY)
            is not None,
        },
    )


def _universities_redirect(period, request=None):
    url = reverse("evaluations:assignment-universities", kwargs={"period_pk": period.pk})
    back = request.POST.get("next", "") if request else ""
    if back.startswith("?"):
        url += back
    return redirect(url)


@login_required
@require_POST
def assignment_university_set(request, period_pk):
    """Assign one evaluation to a university, or unassign it (empty university)."""
    period = _admin_period(request, period_pk)
    form = forms.UniversityChoiceForm(request.POST, period=period)
    if not form.is_valid():
        raise Http404
    evaluation, university = form.cleaned_data["evaluation"], form.cleaned_data["university"]
    if evaluation.university_id == (university.pk if university else None):
        messages.info(request, _("Nothing changed."))
        return _universities_redirect(period, request)
    try:
        services.assign_university(evaluation=evaluation, university=university, by=request.user)
        if university:
            messages.success(
                request,
                _("%(i)s assigned to %(u)s.") % {"i": evaluation.institution, "u": university},
            )
        else:
            messages.success(request, _("%(i)s unassigned.") % {"i": evaluation.institution})
    except ValidationError as exc:
        _errors(request, exc)
    return _universities_redirect(period, request)


@login_required
@require_POST
def assignment_university_auto(request, period_pk):
    """Assign every unassigned evaluation of the period, balanced across universities."""
    period = _admin_period(request, period_pk)
    form = forms.AutoUniversityForm(request.POST)
    form.is_valid()
    run = services.auto_assign_universities(
        period=period,
        by=request.user,
        avoid_previous=form.cleaned_data.get("avoid_previous", False),
    )
    if run.changed:
        messages.success(
            request, _("%(n)s evaluations assigned automatically.") % {"n": run.changed}
        )
    else:
        messages.info(request, _("Every evaluation already has a university."))
    if run.left_out:
        messages.warning(
            request,
            _("%(n)s evaluations have no allowed university (conflicts).")
            % {"n": len(run.left_out)},
        )
    return _universities_redirect(period)


@login_required
@require_POST
def assignment_university_undo(request, period_pk):
    """Undo the latest automatic or CSV assignment of the period."""
    period = _admin_period(request, period_pk)
    try:
        n = services.undo_university_batch(period=period, by=request.user)
        messages.success(
            request, _("Last assignment run undone: %(n)s evaluations restored.") % {"n": n}
        )
    except ValidationError as exc:
        messages.info(request, exc.messages[0])
    return _universities_redirect(period)


@login_required
def assignment_university_csv(request, period_pk):
    """Upload a CSV: preview what changes (and the bad rows); confirm to apply."""
    period = _admin_period(request, period_pk)
    preview = None
    form = forms.CsvUploadForm()
    if request.method == "POST":
        form = forms.CsvUploadForm(request.POST, request.FILES)
        if form.is_valid():
            content = form.cleaned_data["content"]
            if request.POST.get("apply"):
                try:
                    run = services.apply_university_csv(
                        period=period, content=content, by=request.user
                    )
                    messages.success(
                        request, _("CSV applied: %(n)s evaluations changed.") % {"n": run.changed}
                    )
                    return _universities_redirect(period)
                except ValidationError as exc:
                    _errors(request, exc)
            preview = services.preview_university_csv(period=period, content=content)
            form = forms.CsvUploadForm(initial={"content": content})
    return render(
        request,
        "evaluations/assessment/assignment_csv.html",
        {"period": period, "form": form, "preview": preview},
    )


@login_required
def results_release(request, period_pk):
    """Release approved results: all of the period, or chosen institutions."""
    period = _admin_period(request, period_pk)
    form = forms.ReleaseForm(period=period)
    if request.method == "POST":
        form = forms.ReleaseForm(request.POST, period=period)
        if form.is_valid():
            everything = form.cleaned_data["everything"]
            ids = None if everything else [e.pk for e in form.cleaned_data["evaluations"]]
            try:
                n = services.release_results(period=period, by=request.user, evaluation_ids=ids)
                messages.success(request, _("%(n)s results released.") % {"n": n})
            except ValidationError as exc:
                messages.info(request, exc.messages[0])
            return redirect("evaluations:results-release", period_pk=period.pk)
    counts = selectors.status_counts(period)
    return render(
        request,
        "evaluations/assessment/release_form.html",
        {
            "period": period,
            "form": form,
            "candidates": selectors.release_candidates(period),
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
    period = _admin_period(request, period_pk)
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
    if not request.user.is_institution_staff:
        raise PermissionDenied
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
