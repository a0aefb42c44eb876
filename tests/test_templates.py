"""Template source rules that Django does not enforce itself."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def test_short_comments_end_on_their_own_line():
    """Django's {# ... #} comment ends at the end of its line: one left open runs on as
    text, and the page shows the comment to its readers. Longer comments use
    {% comment %}."""
    open_comments = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in sorted(TEMPLATES.rglob("*"))
        if path.is_file()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"\{#(?!.*#\})", line)
    ]
    assert open_comments == []
