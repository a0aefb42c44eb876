"""Self-evaluation views (institution operator and supervisor; the admin's return).

Thin: scoped lookup (get_evaluation_for) -> form -> service -> message and redirect.
The autosave posts the same form to the same endpoint with htmx and gets a small
partial back; without JavaScript the form is a plain POST with PRG.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from evaluations import completeness, deadlines, recency
from evaluations.forms.selfeval import (
    JUSTIFICATION_REQUIRED,
    AnswerForm,
    ReturnForm,
)
from evaluations.models import Evaluation, Indicator, Reopening
from evaluations.permissions import (
    can_edit_answers,
    can_notify_supervisor,
    can_return_evaluation,
    can_submit,
    get_evaluation_for,
    is_institution_staff,
    is_institution_staff_of,
    reopened_indicator_ids,
    require,
)
from evaluations.selectors import framework as framework_sel
from evaluations.selectors import selfeval as sel
from evaluations.selectors.audit import describe_events
from evaluations.selectors.followup import earlier_follow_ups
from evaluations.services import reopening as reopening_svc
from evaluations.services import selfeval as svc
from evaluations.wib import WIB, format_time_left, format_wib, time_left_format


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _context_for(evaluation: Evaluation, user, now) -> dict:
    """Deadline, extension, reopening and editability of one evaluation (3-4 queries)."""
    extension = sel.active_extension(evaluation.period, evaluation.institution_id)
    reopening = (
        sel.open_reopening(evaluation) if evaluation.status == Evaluation.Status.RETURNED else None
    )
    deadline = deadlines.deadline_for(evaluation.period, extension, reopening)
    closes = deadlines.closes_at(evaluation.period, extension, reopening)
    left = deadlines.time_left(evaluation.period, now, extension, reopening)
    return {
        "evaluation": evaluation,
        "period": evaluation.period,
        "framework": evaluation.period.framework,
        "extension": extension,
        "reopening": reopening,
        "reopened_ids": reopened_indicator_ids(reopening) if reopening else None,
        "deadline": deadline,
        "closes_at": closes,
        "time_left": left,
        "time_left_seconds": int(left.total_seconds()),
        "time_left_display": format_time_left(left),
        # The countdown script writes the same format: one translation for both.
        "time_left_format": time_left_format(),
        "urgency": deadlines.urgency(left),
        "editable": can_edit_answers(user, evaluation, now, extension, reopening),
        "can_submit": can_submit(user, evaluation),
        "can_notify_supervisor": can_notify_supervisor(user, evaluation),
        "now": now,
    }


def _indicator_editable(ctx: dict, indicator) -> bool:
    """Editable (the context's rule), and, in an evaluation returned for correction,
    only the indicators that were reopened."""
    reopened_ids = ctx["reopened_ids"] if ctx["reopening"] else None
    return ctx["editable"] and (reopened_ids is None or indicator.pk in reopened_ids)


def _grouped(indicators, answers, framework, previous, reopened_ids):
    """Domains -> aspects -> rows (indicator, state, answers, previous result)."""
    by_indicator: dict[int, list] = {}
    for a in answers:
        by_indicator.setdefault(a.indicator_id, []).append(a)
    domains: list[dict] = []
    for ind in indicators:
        aspect, domain = ind.aspect, ind.aspect.domain
        if not domains or domains[-1]["domain"].pk != domain.pk:
            domains.append({"domain": domain, "aspects": []})
        aspects = domains[-1]["aspects"]
        if not aspects or aspects[-1]["aspect"].pk != aspect.pk:
            aspects.append({"aspect": aspect, "rows": []})
        entries = by_indicator.get(ind.pk, [])
        aspects[-1]["rows"].append(
            {
                "indicator": ind,
                "state": completeness.indicator_state(ind, entries, framework),
                "answers": [a for a in entries if completeness.entry_started(a)],
                "previous": previous.get(ind.number),
                "reopened": reopened_ids is None or ind.pk in reopened_ids,
            }
        )
    return domains


@login_required
def institution_dashboard(request):
    require(is_institution_staff(request.user))
    now = timezone.now()
    evaluation = sel.current_evaluation_for(request.user, now)
    if evaluation is None:
        return render(request, "evaluations/selfeval/dashboard.html", {"evaluation": None})
    ctx = _context_for(evaluation, request.user, now)
    framework = ctx["framework"]
    indicators = sel.framework_indicators(framework)
    answers = sel.self_answers(evaluation)
    ctx.update(
        {
            "domains": _grouped(
                indicators,
                answers,
                framework,
                sel.previous_results(evaluation),
                ctx["reopened_ids"] if ctx["reopening"] else None,
            ),
            "total": len(indicators),
            "answered": evaluation.answered_count,
            "evidenced": evaluation.evidenced_count,
        }
    )
    if ctx["editable"]:
        ctx["continue_with"] = completeness.first_unfinished(
            row for d in ctx["domains"] for a in d["aspects"] for row in a["rows"]
        )
    return render(request, "evaluations/selfeval/dashboard.html", ctx)


def _indicator_for(evaluation: Evaluation, indicator_pk: int) -> Indicator:
    """The indicator of the evaluation's framework, with its aspect and domain (404
    otherwise), from the process's framework cache: no query."""
    return framework_sel.indicator_of(evaluation.period.framework, indicator_pk)


def _entry_forms(evaluation, indicator, answers_by_entry, min_level, bound=None):
    forms = []
    for entry in range(1, indicator.max_entries + 1):
        answer = answers_by_entry.get(entry)
        if bound is not None and bound.initial.get("entry") == entry:
            form = bound
        else:
            form = AnswerForm(
                indicator=indicator,
                min_level=min_level,
                prefix=f"e{entry}",
                initial={
                    "entry": entry,
                    "base_version": answer.version if answer else 0,
                    "level": answer.level if answer else None,
                    "note": answer.note if answer else "",
                    "service_name": answer.service_name if answer else "",
                },
            )
        forms.append({"entry": entry, "form": form, "answer": answer})
    return forms


def _saved_by(answer) -> str:
    user = answer.updated_by
    return (user.get_full_name() or user.username) if user else ""


def _bound_answer_form(request, indicator, framework):
    """The posted entry's form (its prefix carries the entry number)."""
    entry = _int(request.POST.get("entry"), 1)
    return AnswerForm(
        request.POST,
        indicator=indicator,
        min_level=framework.min_self_level,
        prefix=f"e{entry}",
        initial={"entry": entry},
    )


def _save_bound(request, evaluation, indicator, bound, now, *, locked=False):
    """Save a valid form through the service (which re-checks every rule)."""
    data = bound.cleaned_data
    return svc.save_answer(
        locked=locked,
        evaluation=evaluation,
        indicator=indicator,
        entry=data["entry"],
        by=request.user,
        level=data["level"],
        note=data["note"],
        service_name=data.get("service_name", ""),
        base_version=data["base_version"],
        now=now,
    )


def _saved_text(answer) -> str:
    saved_at = format_wib(answer.updated_at, "time")
    return _("Saved at %(time)s by %(name)s") % {"time": saved_at, "name": _saved_by(answer)}


def _autosave(request, pk: int, indicator_pk: int):
    """One field's autosave (autosave.js): the small status partial, never the page, so
    the field being typed into is not replaced. Every outcome is a status the script
    shows: saved (with the time and the indicator's new state), not saved (why), or the
    edit conflict with both versions.

    The busiest write of deadline day, so its queries are counted (see the query-count
    test): the scoped lookup takes the row lock itself, the indicator comes from the
    process's framework cache, and the state badge comes from the rows the save read.
    The partial is rendered after the transaction, so the lock is held only for the save.
    """
    template = "evaluations/selfeval/_save_status.html"
    try:
        with transaction.atomic():
            evaluation = get_evaluation_for(request, pk, need="selfeval", lock=True)
            indicator = _indicator_for(evaluation, indicator_pk)
            bound = _bound_answer_form(request, indicator, evaluation.period.framework)
            entry = bound.initial["entry"]
            if not bound.is_valid():
                error = " ".join(
                    f"{bound.fields[name].label}: {m}" if name in bound.fields else m
                    for name, errors in bound.errors.items()
                    for m in errors
                )
                error = error or _("Not saved: check the highlighted fields.")
                return render(request, template, {"error": error, "entry": entry})
            answer = _save_bound(request, evaluation, indicator, bound, timezone.now(), locked=True)
    except svc.EditConflict as exc:
        conflict = {"mine": exc.mine, "theirs": exc.theirs, "entry": entry}
        context = {"conflict": conflict, "entry": entry}
        return render(
            request, template, {**context, "evaluation": evaluation, "indicator": indicator}
        )
    except ValidationError as exc:
        return render(request, template, {"error": _error_text(exc), "entry": entry})
    return render(
        request,
        template,
        {
            "saved": _saved_text(answer),
            "warning": str(JUSTIFICATION_REQUIRED) if bound.justification_missing else "",
            "answer": answer,
            "entry": answer.entry,
            "state": answer.indicator_state,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def answer_edit(request, pk: int, indicator_pk: int):
    """The indicator page; a plain form POST (no JavaScript) saves and comes back here,
    an autosave POST is answered by `_autosave`."""
    if request.method == "POST" and request.htmx:
        return _autosave(request, pk, indicator_pk)
    evaluation = get_evaluation_for(request, pk, need="selfeval")
    indicator = _indicator_for(evaluation, indicator_pk)
    now = timezone.now()
    bound = conflict = None
    status = 200
    if request.method == "POST":
        bound = _bound_answer_form(request, indicator, evaluation.period.framework)
        if not bound.is_valid():
            status = 400
        else:
            try:
                answer = _save_bound(request, evaluation, indicator, bound, now)
            except svc.EditConflict as exc:
                conflict = {"mine": exc.mine, "theirs": exc.theirs, "entry": bound.initial["entry"]}
                status = 409
            except ValidationError as exc:
                messages.error(request, _error_text(exc))
                return redirect(
                    "evaluations:answer-edit", pk=evaluation.pk, indicator_pk=indicator.pk
                )
            else:
                messages.success(request, _saved_text(answer))
                if bound.justification_missing:
                    messages.warning(request, str(JUSTIFICATION_REQUIRED))
                if request.POST.get("then") == "next":
                    # "Save and next": saved, so the operator moves on to the next indicator.
                    following = framework_sel.neighbours(evaluation.period.framework, indicator)[
                        "next"
                    ]
                    if following:
                        return redirect(
                            "evaluations:answer-edit", pk=evaluation.pk, indicator_pk=following[0]
                        )
                return redirect(
                    "evaluations:answer-edit", pk=evaluation.pk, indicator_pk=indicator.pk
                )
    ctx = _answer_page_context(request, evaluation, indicator, now, bound=bound, conflict=conflict)
    return render(request, "evaluations/selfeval/answer_edit.html", ctx, status=status)


def _answer_page_context(request, evaluation, indicator, now, *, bound, conflict) -> dict:
    framework = evaluation.period.framework
    ctx = _context_for(evaluation, request.user, now)
    ctx["editable"] = _indicator_editable(ctx, indicator)
    answers = sel.indicator_answers(evaluation, indicator)
    by_entry = {a.entry: a for a in answers}
    history, earlier = sel.indicator_history(evaluation, indicator)
    ctx.update(
        {
            "indicator": indicator,
            "recency": recency.for_period(evaluation.period),
            "today": timezone.localdate(now, WIB),
            "entries": _entry_forms(
                evaluation, indicator, by_entry, framework.min_self_level, bound
            ),
            "state": completeness.indicator_state(indicator, answers, framework),
            "history": describe_events(history),
            "history_earlier": earlier,
            # Last periods' follow-up of this indicator, on the page itself (it was a
            # fragment loaded by a second request on every indicator opened).
            "follow_ups": earlier_follow_ups(evaluation, indicator.number),
            "previous": sel.previous_results(evaluation, number=indicator.number).get(
                indicator.number
            ),
            "library": sel.evidence_choices(evaluation) if ctx["editable"] else [],
            "conflict": conflict,
            "neighbours": framework_sel.neighbours(framework, indicator),
        }
    )
    return ctx


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@login_required
def submission_check(request, pk: int):
    evaluation = get_evaluation_for(request, pk, need="selfeval")
    ctx = _context_for(evaluation, request.user, timezone.now())
    ctx["problems"] = sel.check_submission(evaluation)
    return render(request, "evaluations/selfeval/submission_check.html", ctx)


@login_required
@require_POST
def tell_supervisor(request, pk: int):
    """The operator's "tell the supervisor": an email with the link to the check page."""
    evaluation = get_evaluation_for(request, pk, need="notify_supervisor")
    try:
        told = svc.notify_supervisor(evaluation=evaluation, by=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request,
            ngettext(
                "%(n)s supervisor has been sent an email with the link to check and submit.",
                "%(n)s supervisors have been sent an email with the link to check and submit.",
                told,
            )
            % {"n": told},
        )
    return redirect("evaluations:submission-check", pk=evaluation.pk)


@login_required
@require_http_methods(["GET", "POST"])
def submit(request, pk: int):
    evaluation = get_evaluation_for(request, pk, need="submit")
    if request.method == "POST":
        already = evaluation.status == Evaluation.Status.SUBMITTED
        try:
            evaluation = svc.submit_evaluation(evaluation=evaluation, by=request.user)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
            if exc.code == "incomplete":
                return redirect("evaluations:submission-check", pk=evaluation.pk)
            return redirect("evaluations:institution-dashboard")
        if already:
            messages.info(request, _("This evaluation was already submitted."))
        # The confirmation page shows the time, the receipt and what happens next.
        return redirect("evaluations:submission-done", pk=evaluation.pk)
    if evaluation.status == Evaluation.Status.SUBMITTED:
        messages.info(request, _("This evaluation was already submitted."))
        return redirect("evaluations:submission-done", pk=evaluation.pk)
    ctx = _context_for(evaluation, request.user, timezone.now())
    problems = sel.check_submission(evaluation)
    if problems:
        messages.warning(request, _("Complete the missing items before submitting."))
        return redirect("evaluations:submission-check", pk=evaluation.pk)
    answers = sel.self_answers_with_evidence(evaluation)
    ctx.update(
        {
            "answers": answers,
            "result": sel.self_index(evaluation),
            "hash": svc.submission_content_hash(evaluation, answers),
        }
    )
    return render(request, "evaluations/selfeval/submit_confirm.html", ctx)


@login_required
def evaluation_detail(request, pk: int):
    """A read view of an evaluation's self answers, for every role that may see it."""
    evaluation = get_evaluation_for(request, pk, need="view")
    now = timezone.now()
    ctx = _context_for(evaluation, request.user, now)
    answers = sel.self_answers_with_evidence(evaluation)
    by_indicator: dict[int, list] = {}
    for a in answers:
        by_indicator.setdefault(a.indicator_id, []).append(a)
    ctx.update(
        {
            "rows": [
                {"indicator": ind, "answers": by_indicator.get(ind.pk, [])}
                for ind in sel.framework_indicators(ctx["framework"])
            ],
            "is_staff_of": is_institution_staff_of(request.user, evaluation),
            "can_return": can_return_evaluation(request.user, evaluation)
            and evaluation.can_transition_to(Evaluation.Status.RETURNED),
            "reopenings": list(
                evaluation.reopenings.select_related("requested_by").prefetch_related("indicators")
            ),
        }
    )
    return render(request, "evaluations/selfeval/evaluation_detail.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_return(request, pk: int):
    evaluation = get_evaluation_for(request, pk, need="return")
    framework = evaluation.period.framework
    form = ReturnForm(request.POST or None, framework=framework)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            reopening_svc.reopen_evaluation(
                evaluation=evaluation,
                by=request.user,
                kind=Reopening.Kind.RETURN,
                reason=data["reason"],
                whole=data["whole"],
                indicators=list(data["indicators"]),
                due_at=data["due_at"],
            )
        except ValidationError as exc:
            if exc.code == "already_returned":
                messages.info(request, _error_text(exc))
                return redirect("evaluations:detail", pk=evaluation.pk)
            form.add_error(None, _error_text(exc))
        else:
            messages.success(
                request, _("The evaluation was returned; the institution is notified by email.")
            )
            return redirect("evaluations:detail", pk=evaluation.pk)
    return render(
        request,
        "evaluations/selfeval/evaluation_return.html",
        {
            "evaluation": evaluation,
            "form": form,
            "detail_url": reverse("evaluations:detail", args=[evaluation.pk]),
        },
        status=400 if request.method == "POST" else 200,
    )
