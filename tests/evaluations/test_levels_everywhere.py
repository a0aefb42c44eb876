"""One rule of which level counts: the result page, the institution report, the exports
and the dashboard figures show the same validated levels and index for every evaluation
of the demo campaign, including entries that later assessor phases changed or left empty."""

from decimal import Decimal

import pytest

from evaluations import exports, scoring
from evaluations.demo import seed_closed_campaign
from evaluations.models import Answer, Evaluation, Phase
from evaluations.selectors import assessment as assessment_sel
from evaluations.selectors.national_report import national_report_data
from evaluations.selectors.reports import institution_report_data
from tests import factories as f

pytestmark = pytest.mark.django_db


def _later_phases(evaluations):
    """Give some evaluations a final-phase level that overrides the document phase, and
    an interview row without a level (which must not override), as later stages do."""
    changed = []
    for n, ev in enumerate(evaluations):
        doc = Answer.objects.filter(evaluation=ev, phase=Phase.DOCUMENT).order_by("pk")
        first, second = doc[0], doc[1]
        if n % 3 == 0:
            Answer.objects.create(
                evaluation=ev,
                indicator_id=first.indicator_id,
                entry=first.entry,
                phase=Phase.FINAL,
                level=5 if first.level != 5 else 1,
                note="Disesuaikan setelah wawancara.",
            )
            changed.append(ev.pk)
        if n % 2 == 0:
            # Opened at the interview, no level chosen: the document level still counts.
            Answer.objects.create(
                evaluation=ev,
                indicator_id=second.indicator_id,
                entry=second.entry,
                phase=Phase.INTERVIEW,
                level=None,
            )
            # Touch the document answer afterwards: "most recently updated" must not win.
            second.note = second.note + " "
            second.save(update_fields=["note", "updated_at"])
    # The stored results are computed as the approval does.
    for ev in evaluations:
        _own, result = assessment_sel.compute_results(ev)
        Evaluation.objects.filter(pk=ev.pk).update(
            final_index=result.index, final_predicate=result.predicate
        )
    return changed


def test_same_levels_and_index_in_every_output(framework_2018):
    period = f.EvaluationPeriodFactory(framework=framework_2018, year=2019)
    for i in range(5):
        f.UniversityFactory(code=f"u{i}")
    for _ in range(8):
        f.InstitutionFactory()
    f.MinistryFactory()
    seed_closed_campaign(period=period)
    evaluations = list(Evaluation.objects.filter(period=period).order_by("pk"))
    changed = _later_phases(evaluations)
    assert changed, "the test must exercise an override"

    indicators = {i.pk: i.number for i in framework_2018.indicators.all()}
    answers_table = exports.answers_table(period, progress=lambda n: None)
    exported = {}  # (institution code, indicator number, entry) -> validated level
    for row in answers_table.rows:
        exported[(row[0], row[3], row[4])] = row[9]
    results_table = exports.results_table(period, progress=lambda n: None)
    exported_index = {row[0]: row[7] for row in results_table.rows}
    national = national_report_data(period_id=period.pk)
    ranked_index = {r["name"]: r["index"] for r in national["ranking"]}
    figures = assessment_sel.national_figures(period)  # the admin's national dashboard
    spec = scoring.spec_for(framework_2018)

    indices = []
    for ev in evaluations:
        ev.refresh_from_db()
        expected = scoring.final_levels(Answer.objects.filter(evaluation=ev))
        expected_index = scoring.compute_index(spec, expected).index
        indices.append(expected_index)
        code = ev.institution.code

        sheet = assessment_sel.result_sheet(ev)  # the result page
        assert {r.indicator.pk: r.final_levels for r in sheet.rows if r.final_levels} == expected
        assert sheet.final_result.index == expected_index

        report = institution_report_data(evaluation_id=ev.pk)  # the PDF report
        in_report = {
            number: [e["final_level"] for e in row["entries"]]
            for row in report["indicators"]
            for number in [row["number"]]
        }
        assert in_report == {indicators[i]: levels for i, levels in expected.items()}
        assert report["index"] == expected_index

        for indicator_id, levels in expected.items():  # the CSV/XLSX export
            for entry, level in enumerate(levels, start=1):
                assert exported[(code, indicators[indicator_id], entry)] == level
        assert Decimal(str(exported_index[code])) == expected_index

        assert ev.final_index == expected_index  # the dashboards read the stored index
        assert ranked_index[ev.institution.name] == expected_index

    assert figures.index == scoring.round_half_up(sum(indices) / len(indices))
