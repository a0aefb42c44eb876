"""`{{ value|wib }}`: a time in WIB with the zone name, "31-10-2019 23:59:59 WIB".

The argument names the format (see `evaluations.wib.FORMATS`): `{{ value|wib:"minute" }}`
gives "31-10-2019 23:59 WIB", `{{ value|wib:"date" }}` "31-10-2019". Load with
`{% load wib %}`. `{{ seconds|time_left }}` writes a time left as the deadline box does.
"""

from django import template

from evaluations.wib import format_time_left, format_wib

register = template.Library()


@register.filter(name="wib")
def wib(value, kind: str = "seconds") -> str:
    return format_wib(value, kind)


@register.filter(name="time_left")
def time_left(value) -> str:
    return format_time_left(value)
