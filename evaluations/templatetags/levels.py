"""`{{ indicator|level_meaning:level }}`: what a level of an indicator means, from the
framework (the same text the institution chose from)."""

from django import template

register = template.Library()


@register.filter
def level_meaning(indicator, level) -> str:
    return indicator.level_description(level)
