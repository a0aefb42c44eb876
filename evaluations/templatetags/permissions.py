"""Templates ask the permission layer instead of comparing roles or statuses:

    {% load permissions %}
    {% if ev|review_is_open %}<a href="...">Review</a>{% endif %}
    {% if ev|assignment_is_open %}...{% endif %}

Each filter calls the one rule in evaluations/permissions.py (or the status sets on
Evaluation that it uses); none runs a query.
"""

from django import template

from evaluations import deadlines, permissions, review_scope
from evaluations.models import Evaluation

register = template.Library()


@register.filter
def review_is_open(evaluation: Evaluation) -> bool:
    return permissions.review_is_open(evaluation)


@register.filter
def assignment_is_open(evaluation: Evaluation) -> bool:
    return permissions.assignment_is_open(evaluation)


@register.filter
def scoring_is_open(evaluation: Evaluation) -> bool:
    return permissions.scoring_is_open(evaluation)


@register.filter
def release_is_open(evaluation: Evaluation) -> bool:
    return permissions.release_is_open(evaluation)


@register.filter
def provisional_is_out(evaluation: Evaluation) -> bool:
    from django.utils import timezone

    return permissions.provisional_is_out(evaluation, timezone.now())


@register.filter
def scoring_started(evaluation: Evaluation) -> bool:
    """Scoring has started: removing an assessor now replaces one and needs a reason."""
    return evaluation.status in Evaluation.SCORING_STARTED


@register.filter
def needs_review(evaluation: Evaluation) -> bool:
    """Whether the evaluation's release waits for the ministry review (in full, or sampled)."""
    return review_scope.needs_review(evaluation)


@register.filter
def holds_stage(evaluation: Evaluation, stage: str) -> bool:
    """Whether the evaluation's period holds `stage` (interview, visit, clarification)."""
    return deadlines.holds_stage(evaluation.period, stage)
