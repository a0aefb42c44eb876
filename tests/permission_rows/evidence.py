"""Matrix rows for the evidence viewer (pdf.js page): who sees the file sees the viewer."""

from . import LOGIN, Row
from .selfeval import OUTSIDE, SEES_A, evidence, foreign

ROWS = [
    Row(
        "evaluations:evidence-view",
        {"anonymous": LOGIN, **SEES_A, **OUTSIDE},
        setup=lambda c: {"evidence_pk": evidence(c).pk},
    ),
    Row(
        "evaluations:evidence-view",
        {**foreign(), "other_operator": 200, "admin": 200},
        setup=lambda c: {"evidence_pk": evidence(c, c.other_evaluation).pk},
        id="evidence-view-other-institution",
    ),
]
