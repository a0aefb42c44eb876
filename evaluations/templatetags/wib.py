"""`{{ value|wib }}`: a time in WIB with the zone name, "31-10-2019 23:59:59 WIB".

The argument names the format (see `evaluations.wib.FORMATS`): `{{ value|wib:"minute" }}`
gives "31-10-2019 23:59 WIB", `{{ value|wib:"date" }}` "31-10-2019". Load with
`{% load wib %}`.
"""

from django import template

from evaluations.wib import format_wib

register = template.Library()


@register.filter(name="wib")
def wib(value, kind: str = "seconds") -> str:
    return format_wib(value, kind)
