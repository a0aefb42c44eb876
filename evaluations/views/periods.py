"""The ministry admin's periods: the list, opening a new one (with a preview), and a
period's participants (add or withdraw an institution with a reason)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from evaluations.forms.periods import ParticipantChangeForm, PeriodOpenForm
from evaluations.permissions import get_period_for, require_admin
from evaluations.selectors import periods as sel
from evaluations.services import periods as services
from institutions.models import Institution


@login_required
def period_list(request):
    require_admin(request.user)
    return render(request, "evaluations/periods/period_list.html", {"periods": sel.period_list()})


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@login_required
def period_open(request):
    """GET: the form (empty, or from the last period with ?from=last).
    POST: `preview` shows what opening would create; `open` opens the period."""
    require_admin(request.user)
    preview = None
    if request.method == "POST":
        form = PeriodOpenForm(request.POST, request.FILES)
        if form.is_valid():
            selection = form.cleaned_data["selection"]
            if request.POST.get("action") == "open":
                try:
                    period = services.open_period(
                        by=request.user, settings=form.cleaned_data["settings"], selection=selection
                    )
                except ValidationError as exc:
                    _add_errors(form, exc)
                else:
                    taking_part = period.evaluations.count()
                    messages.success(
                        request,
                        ngettext(
                            "%(period)s is open: %(count)s institution takes part.",
                            "%(period)s is open: %(count)s institutions take part.",
                            taking_part,
                        )
                        % {"period": period.name, "count": taking_part},
                    )
                    return redirect("evaluations:period-detail", pk=period.pk)
            else:
                preview = sel.opening_preview(selection)
                if form.files:
                    # The file is not sent again with the confirmation: carry its codes.
                    data = request.POST.copy()
                    data["codes"] = "\n".join(selection.codes)
                    form = PeriodOpenForm(data)
                    form.is_valid()
    else:
        initial = None
        if request.GET.get("from") == "last":
            initial = sel.settings_from_last_period(today=timezone.localdate())
            if initial is None:
                messages.info(request, _("There is no earlier period to start from."))
        form = PeriodOpenForm(initial=initial)
    return render(
        request,
        "evaluations/periods/period_open.html",
        {"form": form, "preview": preview, "has_last": sel.period_list().exists()},
    )


@login_required
def period_detail(request, pk):
    period = get_period_for(request, pk)
    return render(
        request,
        "evaluations/periods/period_detail.html",
        {
            "period": period,
            "by_kind": sel.period_participants_by_kind(period),
            "total": period.evaluations.count(),
            "add_form": ParticipantChangeForm(
                queryset=sel.institutions_not_in(period), prefix="add"
            ),
            "withdraw_form": _withdraw_form(period),
        },
    )


def _withdraw_form(period, data=None):
    """Choices: the institutions whose evaluation in the period has not started."""
    return ParticipantChangeForm(
        data,
        queryset=Institution.objects.filter(
            pk__in=sel.withdrawable_evaluations(period).values("institution")
        ).order_by("kind", "name"),
        prefix="withdraw",
    )


def _change_participant(request, period, form, service, done: str, invalid: str):
    """Validate the form, call the service, and say what happened; back to the period."""
    if form.is_valid():
        institution = form.cleaned_data["institution"]
        try:
            service(
                by=request.user,
                period=period,
                institution=institution,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, done % {"institution": institution})
    else:
        messages.error(request, invalid)
    return redirect("evaluations:period-detail", pk=period.pk)


@login_required
@require_POST
def participant_add(request, pk):
    period = get_period_for(request, pk)
    form = ParticipantChangeForm(
        request.POST, queryset=sel.institutions_not_in(period), prefix="add"
    )
    return _change_participant(
        request,
        period,
        form,
        services.add_institution,
        done=_("%(institution)s now takes part."),
        invalid=_("Choose an institution and give the reason."),
    )


@login_required
@require_POST
def participant_withdraw(request, pk):
    period = get_period_for(request, pk)
    return _change_participant(
        request,
        period,
        _withdraw_form(period, request.POST),
        services.withdraw_institution,
        done=_("%(institution)s was withdrawn from the period."),
        invalid=_("Choose an institution whose evaluation has not started and give the reason."),
    )
