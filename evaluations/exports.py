"""Data exports of a period as tables, written to CSV or XLSX (openpyxl).

Pure reads and formatting: `build_table` returns a header and rows in a constant
number of queries (grouped per dataset), `render` turns it into bytes. The service
`evaluations.services.monitoring.build_export` stores the bytes as a Report.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Count
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _lazy
from openpyxl import Workbook
from openpyxl.styles import Font

from evaluations import deadlines, scoring
from evaluations.models import Answer, Evaluation, EvaluationPeriod, Phase
from evaluations.scoring import ASSESSOR_PHASES
from evaluations.selectors.monitoring import indicator_total_for
from evaluations.wib import format_wib

PROGRESS_CHUNK = 50  # evaluations between two progress updates


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list]


def _wib(value) -> str:
    """A spreadsheet cell: sorts as text; the column header names the zone."""
    return format_wib(value, "iso")


def _region(inst) -> str:
    if inst.province_id:
        return inst.province.name
    return inst.name if inst.kind == inst.Kind.PROVINSI else ""


# The first columns of the per-institution tables: which institution and where it stands.
EVALUATION_COLUMNS = (
    _lazy("Code"),
    _lazy("Institution"),
    _lazy("Kind"),
    _lazy("Province"),
    _lazy("Status"),
)


def _evaluation_cells(ev) -> list:
    """The cells under EVALUATION_COLUMNS for one evaluation."""
    inst = ev.institution
    return [inst.code, inst.name, inst.get_kind_display(), _region(inst), ev.get_status_display()]


def progress_table(evaluations: Iterable[Evaluation], *, indicator_total: int) -> Table:
    """The progress list: one row per institution. `evaluations` must be annotated by
    `deadlines.annotate_deadline` and select the institution, its province and the university."""
    header = [
        *map(str, EVALUATION_COLUMNS),
        _("Indicators"),
        _("Answered"),
        _("With evidence"),
        _("Validated"),
        _("Deadline (WIB)"),
        _("Extended"),
        _("Submitted at (WIB)"),
        _("Last activity (WIB)"),
        _("University"),
    ]
    rows = [
        [
            *_evaluation_cells(ev),
            indicator_total,
            ev.answered_count,
            ev.evidenced_count,
            ev.validated_count,
            _wib(ev.effective_deadline),
            _("yes") if ev.extended_until else "",
            _wib(ev.submitted_at),
            _wib(ev.last_activity_at),
            ev.university.short_name if ev.university_id else "",
        ]
        for ev in evaluations
    ]
    return Table(title=_("Progress"), header=header, rows=rows)


def answers_table(period: EvaluationPeriod, *, progress: Callable[[int], None]) -> Table:
    """Every answer of the period: institution x indicator (x entry) with the
    self-assessed level, justification, evidence count and the validated level.

    Two queries per chunk of PROGRESS_CHUNK evaluations (self answers with their
    evidence count, assessor answers) plus one for the evaluations.
    """
    header = [
        _("Code"),
        _("Institution"),
        _("Kind"),
        _("Indicator"),
        _("Entry"),
        _("Service name"),
        _("Self-assessed level"),
        _("Justification"),
        _("Evidence files"),
        _("Validated level"),
        _("Explanation"),
    ]
    evaluations = list(
        Evaluation.objects.filter(period=period)
        .select_related("institution")
        .order_by("institution__code")
    )
    rows: list[list] = []
    for start in range(0, len(evaluations), PROGRESS_CHUNK):
        chunk = evaluations[start : start + PROGRESS_CHUNK]
        ids = [ev.pk for ev in chunk]
        assessed = defaultdict(list)
        for a in Answer.objects.filter(
            evaluation_id__in=ids, phase__in=ASSESSOR_PHASES, level__isnull=False
        ).values_list(
            "evaluation_id",
            "phase",
            "indicator_id",
            "entry",
            "level",
            "note",
            "facts",
            "analysis",
            "justification",
            "recommendation",
            named=True,
        ):
            assessed[a.evaluation_id].append(a)
        validated = {}
        for evaluation_id, own in assessed.items():
            # The explanation of the level that counts, as the result page shows it.
            reasons = scoring.final_reasons(own)
            for (indicator_id, entry), a in scoring.counting_answers(own).items():
                validated[(evaluation_id, indicator_id, entry)] = {
                    "level": a.level,
                    "note": reasons[(indicator_id, entry)].note,
                }
        answers = (
            Answer.objects.filter(evaluation_id__in=ids, phase=Phase.SELF)
            .annotate(evidence_count=Count("evidence_links"))
            .order_by("evaluation_id", "indicator__number", "entry")
            .values(
                "evaluation_id",
                "indicator_id",
                "indicator__number",
                "entry",
                "service_name",
                "level",
                "note",
                "evidence_count",
            )
        )
        by_id = {ev.pk: ev for ev in chunk}
        for a in answers:
            ev = by_id[a["evaluation_id"]]
            v = validated.get((a["evaluation_id"], a["indicator_id"], a["entry"]), {})
            rows.append(
                [
                    ev.institution.code,
                    ev.institution.name,
                    ev.institution.get_kind_display(),
                    a["indicator__number"],
                    a["entry"],
                    a["service_name"],
                    a["level"],
                    a["note"],
                    a["evidence_count"],
                    v.get("level"),
                    v.get("note", ""),
                ]
            )
        progress(start + len(chunk))
    return Table(title=_("Answers"), header=header, rows=rows)


def results_table(period: EvaluationPeriod, *, progress: Callable[[int], None]) -> Table:
    """Scores and results per institution: self-assessed and validated index and
    predicate (one query)."""
    header = [
        *map(str, EVALUATION_COLUMNS),
        _("Self-assessed index"),
        _("Self-assessed predicate"),
        _("Validated index"),
        _("Validated predicate"),
        _("Indicators validated"),
        _("University"),
        _("Submitted at (WIB)"),
        _("Released at (WIB)"),
    ]
    evaluations = list(
        Evaluation.objects.filter(period=period)
        .select_related("institution", "institution__province", "university")
        .order_by("institution__code")
    )
    rows = [
        [
            *_evaluation_cells(ev),
            float(ev.self_index) if ev.self_index is not None else None,
            ev.self_predicate,
            float(ev.final_index) if ev.final_index is not None else None,
            ev.final_predicate,
            ev.validated_count,
            ev.university.short_name if ev.university_id else "",
            _wib(ev.submitted_at),
            _wib(ev.released_at),
        ]
        for ev in evaluations
    ]
    progress(len(evaluations))
    return Table(title=_("Results"), header=header, rows=rows)


def build_table(dataset: str, *, period: EvaluationPeriod, progress: Callable[[int], None]):
    if dataset == "answers":
        return answers_table(period, progress=progress)
    if dataset == "results":
        return results_table(period, progress=progress)
    if dataset == "progress":
        qs = deadlines.annotate_deadline(Evaluation.objects.filter(period=period)).select_related(
            "institution", "institution__province", "university"
        )
        table = progress_table(
            qs.order_by("institution__code"), indicator_total=indicator_total_for(period)
        )
        progress(len(table.rows))
        return table
    raise ValueError(dataset)


def to_csv(table: Table) -> bytes:
    """UTF-8 with a BOM so spreadsheet programs read Indonesian names correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(table.header)
    writer.writerows(["" if c is None else _safe_cell(c) for c in row] for row in table.rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = str(table.title)[:31]
    sheet.append([str(h) for h in table.header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([_safe_cell(c) for c in row])
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _safe_cell(value):
    # A text starting with "=" would be read as a formula by spreadsheet programs.
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@")):
        return "'" + value
    return value


def render(table: Table, *, fmt: str) -> bytes:
    return to_xlsx(table) if fmt == "xlsx" else to_csv(table)


def filename_for(dataset: str, *, period: EvaluationPeriod, fmt: str) -> str:
    return f"spbe-{slugify(period.name)}-{dataset}.{fmt}"


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# --- Follow-up dashboard tables ------------------------------------------------------------

FOLLOW_UP_TITLES = {
    "kind": gettext_lazy("Follow-up by kind"),
    "province": gettext_lazy("Follow-up by province"),
    "indicator": gettext_lazy("Follow-up by indicator"),
    "behind": gettext_lazy("Institutions most behind"),
}
FOLLOW_UP_FIRST_COLUMN = {
    "kind": gettext_lazy("Kind"),
    "province": gettext_lazy("Province"),
    "indicator": gettext_lazy("Indicator"),
    "behind": gettext_lazy("Institution"),
}


def follow_up_table(name: str, rows) -> Table:
    """A follow-up dashboard table (selectors.followup_dashboard rows) for download."""
    header = [
        FOLLOW_UP_FIRST_COLUMN[name],
        _("Items"),
        _("Open"),
        _("In progress"),
        _("Done"),
        _("Not applicable"),
        _("Overdue"),
        _("Follow-up rate (%)"),
    ]
    return Table(
        title=str(FOLLOW_UP_TITLES[name]),
        header=[str(h) for h in header],
        rows=[
            [
                r.label,
                r.total,
                r.open,
                r.in_progress,
                r.done,
                r.not_applicable,
                r.overdue,
                None if r.rate is None else float(r.rate),
            ]
            for r in rows
        ],
    )


# --- Analytics tables ------------------------------------------------------------------------


def gap_table(name: str, rows) -> Table:
    """One table of the gap analysis (selectors.analytics.GapRow rows)."""
    header = [
        str(GAP_FIRST_COLUMN[name]),
        _("Entries"),
        _("Mean gap"),
        _("Standard deviation"),
        _("Self higher"),
        _("Self lower"),
        _("Against the others"),
        _("Small sample"),
        _("Outlier"),
    ] + [f"{g:+d}" for g in range(-5, 6)]
    return Table(
        title=str(GAP_FIRST_COLUMN.get(name) or name),
        header=[str(h) for h in header],
        rows=[
            [
                r.label,
                r.n,
                _round(r.mean),
                _round(r.sd),
                r.over,
                r.under,
                _round(r.versus_others),
                _("yes") if r.small_sample else "",
                _("yes") if r.outlier else "",
                *[r.dist[g] for g in range(-5, 6)],
            ]
            for r in rows
        ],
    )


GAP_FIRST_COLUMN = {
    "indicator": gettext_lazy("Indicator"),
    "kind": gettext_lazy("Kind"),
    "province": gettext_lazy("Province"),
    "university": gettext_lazy("University"),
    "assessor": gettext_lazy("Assessor"),
    "institution": gettext_lazy("Institution"),
}


def _round(value, places: int = 2):
    return None if value is None else round(float(value), places)


def trend_table(data: dict) -> Table:
    """Each institution's validated index and domain indices, now and the period before."""
    domains = data["domains"]
    header = [_("Institution"), _("Index"), _("Previous index"), _("Change")]
    for _code, name in domains:
        header += [name, _("%(domain)s before") % {"domain": name}]
    rows = []
    for m in data["movements"]:
        row = [m.institution.name, _round(m.index), _round(m.previous), _round(m.change)]
        for code, _name in domains:
            row += [_round(m.domains.get(code)), _round(m.previous_domains.get(code))]
        rows.append(row)
    return Table(title=str(_("Year on year")), header=[str(h) for h in header], rows=rows)


def indicator_trend_table(data: dict) -> Table:
    header = [_("Indicator"), _("Mean level"), _("Mean level before"), _("Change")]
    return Table(
        title=str(_("National trend per indicator")),
        header=[str(h) for h in header],
        rows=[
            [r["label"], _round(r["now"]), _round(r["before"]), _round(r["change"])]
            for r in data["indicators"]
        ],
    )
