"""Numbers as people read them: in the active language's format (2,64 in Indonesian,
2.64 in English).

Templates get this from Django's localisation (`floatformat`, or a Decimal printed as it
is); Python code that writes a number into a sentence, a chart or a document calls
`format_number`, so no number is written with `f"{x:.2f}"` where a person reads it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats


def format_number(value, places: int = 2) -> str:
    """`value` with `places` decimals in the active language; "–" for None."""
    if value is None or value == "":
        return "–"
    # Rounded here: Django's number_format cuts the extra decimals off (3.456 -> 3,45).
    number = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return formats.number_format(number, decimal_pos=places, use_l10n=True)


def format_percent(value, places: int = 0) -> str:
    """A share already in percent (12.5) as "12,5%" in Indonesian."""
    if value is None:
        return "–"
    return f"{format_number(value, places)}%"
