from django import template

register = template.Library()


@register.filter
def agenda_item(agenda: dict, indicator_id):
    """The agenda item of an indicator from `agenda_by_indicator`, or None."""
    return (agenda or {}).get(indicator_id)
