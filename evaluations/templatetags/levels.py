"""`{{ indicator|level_meaning:level }}`: what a level of an indicator means, from the
framework (the same text the institution chose from)."""

from django import template

register = template.Library()


@register.filter
def level_meaning(indicator, level) -> str:
    return indicator.level_description(level)


@register.filter
def level_criterion(indicator, level) -> str:
    """The evidence that shows `level` of `indicator` is reached (framework data)."""
    return indicator.level_criterion(level)
