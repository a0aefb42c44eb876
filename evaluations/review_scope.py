"""Which evaluations must pass the ministry review before their result is released: the
one rule, asked by release and by every page that shows it.

A period without a review window reviews nothing. A period reviewed in full needs the
review of every evaluation; a period reviewed by sample only of those drawn into the
sample (`Evaluation.in_review_sample`, drawn by `services.review.set_review_scope`).
"""

from __future__ import annotations

from django.db.models import Q

from evaluations import deadlines
from evaluations.models import Phase, ReviewScope


def holds_review(period) -> bool:
    """The period has a ministry review at all (it sets the review's window)."""
    return deadlines.holds_stage(period, Phase.REVIEW)


def needs_review_q(period) -> Q:
    """The evaluations of `period` whose release waits for a completed review, as a filter."""
    if not holds_review(period):
        return Q(pk__in=[])
    if period.review_scope == ReviewScope.SAMPLE:
        return Q(in_review_sample=True)
    return Q()


def needs_review(evaluation) -> bool:
    """The same rule for one evaluation already loaded (with its period)."""
    period = evaluation.period
    if not holds_review(period):
        return False
    if period.review_scope == ReviewScope.SAMPLE:
        return evaluation.in_review_sample
    return True


def releasable_q(period) -> Q:
    """Evaluations whose review does not hold up their release: not needing one, or reviewed."""
    if not holds_review(period):
        return Q()
    if period.review_scope == ReviewScope.SAMPLE:
        return Q(in_review_sample=False) | Q(review__isnull=False)
    return Q(review__isnull=False)
