"""How dates and times are typed into the portal's forms: the one list of accepted
formats.

People write dd-mm-yyyy (31-10-2019, the way every page shows a date); the browsers'
date pickers send ISO (2019-10-31), so both are accepted. Times are WIB wall-clock
times, with ":" as pages show them ("." as Indonesian habit writes them also works).
"""

DATE_INPUT_FORMATS = ["%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = [
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H.%M",
    "%d/%m/%Y %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
]
