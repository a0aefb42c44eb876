"""The confirmation page a supervisor lands on after submitting: what was received,
when (to the second), the receipt and what happens next."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from evaluations.permissions import get_evaluation_for
from evaluations.selectors.official import current_receipt


@login_required
@require_GET
def submission_done(request, pk: int):
    evaluation = get_evaluation_for(request, pk, need="selfeval")
    if evaluation.submitted_at is None:
        return redirect("evaluations:institution-dashboard")
    receipt, number = current_receipt(evaluation)
    return render(
        request,
        "evaluations/submission/done.html",
        {"evaluation": evaluation, "receipt": receipt, "receipt_number": number},
    )
