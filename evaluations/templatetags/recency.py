"""`{% evidence_outdated file indicator recency as old %}`: the evidence recency rule
(`evaluations.recency`) for one file, for templates. No query."""

from django import template

from evaluations import recency as rule

register = template.Library()


@register.simple_tag
def evidence_outdated(file, indicator, recency) -> bool:
    if not recency:  # a page without the period's recency rule in its context
        return False
    return rule.is_outdated(file.document_date, indicator, recency)
