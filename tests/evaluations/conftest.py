"""Fixtures shared by the document tests: a 2019 period and a released evaluation."""

import pytest

from tests import factories as f


@pytest.fixture
def period_2019(framework_2018):
    return f.EvaluationPeriodFactory(framework=framework_2018, year=2019, name="Evaluasi SPBE 2019")


@pytest.fixture
def released(period_2019, institution):
    ev = f.EvaluationFactory(institution=institution, period=period_2019)
    return f.answer_all_indicators(
        ev, self_level=3, final_level=lambda ind: 2 if ind.number % 2 else 3
    )
