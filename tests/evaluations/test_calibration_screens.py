"""Calibration in the browser's screens: the admin gives each sampled evaluation its
second assessor; the second assessor scores blind on the scoring screen (the
institution's answers and evidence, never the first assessor's levels); the
coordinator sees both side by side where they differ by more than one level and
decides, audited; the decided level counts, while the agreement keeps the first
assessor's own level. Query counts at one and many rows."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluations.models import (
    AuditEvent,
    CalibrationAnswer,
    CalibrationItem,
    Evaluation,
    Phase,
)
from evaluations.scoring import final_levels
from evaluations.selectors.calibration import level_pairs
from evaluations.services import calibration as svc
from institutions.models import Role
from tests import factories as f
from tests.conftest import logged_in
from tests.evaluations.assessment_helpers import set_status, small_framework

pytestmark = pytest.mark.django_db

FIRST_NOTE = "Catatan rahasia penilai pertama."


@pytest.fixture
def indicators(period):
    return small_framework(period.framework, n=3)


@pytest.fixture
def sampled(period, evaluation, indicators, admin_user, assessor):
    """A's evaluation, submitted, scored by the first assessor (levels 4, 3, 3) with a
    self answer and evidence on indicator 1, and drawn into the sample."""
    self_answer = f.AnswerFactory(
        evaluation=evaluation,
        indicator=indicators[0],
        phase=Phase.SELF,
        level=4,
        note="Penjelasan instansi.",
    )
    evidence = f.EvidenceFileFactory(evaluation=evaluation, original_name="SK Tim.pdf")
    f.EvidenceLinkFactory(evidence=evidence, answer=self_answer)
    for indicator, level in zip(indicators, (4, 3, 3), strict=True):
        f.AnswerFactory(
            evaluation=evaluation,
            indicator=indicator,
            phase=Phase.DOCUMENT,
            level=level,
            note=FIRST_NOTE,
            updated_by=assessor,
        )
    set_status(evaluation, Evaluation.Status.UNDER_ASSESSMENT)
    svc.draw_calibration_sample(period=period, share=Decimal("1"), by=admin_user, seed=3)
    return CalibrationItem.objects.get(evaluation=evaluation)


@pytest.fixture
def second(other_university):
    return f.UserFactory(
        username="kedua", first_name="Dewi", role=Role.ASSESSOR, university=other_university
    )


def test_admin_assigns_in_the_page_and_same_university_is_refused(
    client, admin_user, sampled, second, unassigned_assessor, period
):
    logged_in(client, admin_user)
    page = client.get(reverse("evaluations:calibration", args=[period.pk])).content.decode()
    # The choice offers the other university's assessor, not the assessing university's.
    assert f'value="{second.pk}"' in page and f'value="{unassigned_assessor.pk}"' not in page
    url = reverse("evaluations:calibration-assign", args=[period.pk, sampled.pk])
    response = client.post(url, {"assessor": unassigned_assessor.pk}, follow=True)
    assert "another university" in response.content.decode() or "universitas lain" in (
        response.content.decode()
    )
    client.post(url, {"assessor": second.pk})
    sampled.refresh_from_db()
    assert sampled.second_assessor == second
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CALIBRATION_ASSESSOR).count() == 1


def test_second_assessor_scores_blind(client, sampled, second, admin_user, indicators):
    svc.assign_second_assessor(item=sampled, assessor=second, by=admin_user)
    logged_in(client, second)
    listing = client.get(reverse("evaluations:second-assessment-list")).content.decode()
    assert sampled.evaluation.institution.name in listing
    page = client.get(reverse("evaluations:second-assessment", args=[sampled.pk]))
    html = page.content.decode()
    assert "Penjelasan instansi." in html and "SK Tim.pdf" in html
    assert FIRST_NOTE not in html
    # The first assessment's own page stays closed to them (not their assignment).
    score = client.get(reverse("evaluations:assessment-score", args=[sampled.evaluation_id]))
    assert score.status_code == 404
    # They may read the institution's evidence.
    evidence = sampled.evaluation.evidence.get()
    download = client.get(reverse("evaluations:evidence-view", args=[evidence.pk]))
    assert download.status_code == 200
    save = reverse("evaluations:second-level-save", args=[sampled.pk, indicators[0].pk, 1])
    note = "SK belum ditetapkan; hanya draf."
    assert client.post(save, {"level": 1, "note": note}).status_code == 302
    answer = CalibrationAnswer.objects.get(item=sampled)
    assert (answer.level, answer.note) == (1, note)
    html = client.get(reverse("evaluations:second-assessment", args=[sampled.pk])).content.decode()
    assert 'value="1" selected' in html and note in html
    # An explanation over the limit is refused and nothing saved is lost.
    client.post(save, {"level": 2, "note": "x" * 5001})
    answer.refresh_from_db()
    assert (answer.level, answer.note) == (1, note)


def test_second_level_closed_after_approval(client, sampled, second, admin_user, indicators):
    svc.assign_second_assessor(item=sampled, assessor=second, by=admin_user)
    set_status(sampled.evaluation, Evaluation.Status.APPROVED)
    logged_in(client, second)
    save = reverse("evaluations:second-level-save", args=[sampled.pk, indicators[0].pk, 1])
    response = client.post(save, {"level": 2}, follow=True)
    assert not CalibrationAnswer.objects.exists()
    assert "closed" in response.content.decode() or "ditutup" in response.content.decode()


def test_consensus_side_by_side_decided_level_counts(
    client, sampled, second, admin_user, indicators, coordinator, other_coordinator
):
    svc.assign_second_assessor(item=sampled, assessor=second, by=admin_user)
    for indicator, level in zip(indicators, (1, 2, 4), strict=True):
        svc.save_second_level(
            item=sampled, indicator=indicator, entry=1, level=level, by=second, note="Hanya draf."
        )
    logged_in(client, coordinator)
    listing = client.get(reverse("evaluations:consensus-list")).content.decode()
    assert sampled.evaluation.institution.name in listing
    page = client.get(reverse("evaluations:consensus-detail", args=[sampled.pk])).content.decode()
    # Only indicator 1 (4 against 1) differs by more than one level.
    assert page.count('data-testid="consensus-row"') == 1
    # Both assessments side by side, each with its explanation.
    assert FIRST_NOTE in page and "Dewi" in page and "Hanya draf." in page
    url = reverse("evaluations:consensus-decide", args=[sampled.pk, indicators[0].pk, 1])
    assert client.post(url, {"level": 2, "reason": ""}).status_code == 400
    response = client.post(url, {"level": 2, "reason": "Bukti sebagian."})
    assert response.status_code == 302
    evaluation = sampled.evaluation
    assert final_levels(evaluation.answers.all())[indicators[0].pk] == [2]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.CALIBRATION_CONSENSUS).exists()
    # The agreement still compares the first assessor's own level with the second's.
    pairs = {p[1]: (p[3], p[4]) for p in level_pairs(evaluation.period)}
    assert pairs[indicators[0].pk] == (4, 1)
    page = client.get(reverse("evaluations:consensus-detail", args=[sampled.pk])).content.decode()
    assert 'data-testid="decided"' in page
    # Decided again before approval: the decision can be revised.
    client.post(url, {"level": 3, "reason": "Setelah diskusi."})
    assert final_levels(evaluation.answers.all())[indicators[0].pk] == [3]
    logged_in(client, other_coordinator)
    assert client.get(reverse("evaluations:consensus-detail", args=[sampled.pk])).status_code == 404


@pytest.mark.parametrize("name", ["second-assessment-list", "consensus-list"])
def test_lists_query_count_one_and_many(
    client, name, period, indicators, admin_user, university, other_university, coordinator
):
    second = f.UserFactory(role=Role.ASSESSOR, university=other_university)
    user = second if name == "second-assessment-list" else coordinator

    def add(n):
        for _ in range(n):
            first = f.UserFactory(role=Role.ASSESSOR, university=university)
            ev = f.EvaluationFactory(period=period, university=university)
            set_status(ev, Evaluation.Status.UNDER_ASSESSMENT)
            for indicator in indicators:
                f.AnswerFactory(
                    evaluation=ev,
                    indicator=indicator,
                    phase=Phase.DOCUMENT,
                    level=4,
                    updated_by=first,
                )
            sample = (
                CalibrationItem.objects.first().sample if CalibrationItem.objects.exists() else None
            )
            if sample is None:
                svc.draw_calibration_sample(period=period, share=Decimal(1), by=admin_user, seed=1)
                item = CalibrationItem.objects.get(evaluation=ev)
            else:
                item = CalibrationItem.objects.create(sample=sample, evaluation=ev)
            svc.assign_second_assessor(item=item, assessor=second, by=admin_user)
            for indicator in indicators:
                svc.save_second_level(item=item, indicator=indicator, entry=1, level=1, by=second)

    logged_in(client, user)
    url = reverse(f"evaluations:{name}")
    add(1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    add(8)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(many.captured_queries) == len(one.captured_queries)
    assert response.content.decode().count("<tr>") >= 9 + 1
