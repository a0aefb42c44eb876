# ruff: noqa: F811 - the fixtures are imported from the review tests
"""The ministry review in full or by sample (drawn per kind from a recorded seed), the
one rule release and the pages ask, and the review of the assessors' texts: accepted or
sent back, edited by the assessor, handed in again, audited."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from evaluations import review_scope
from evaluations.models import (
    AspectNote,
    AuditEvent,
    Evaluation,
    GeneralRecommendation,
    PeriodMode,
    ReviewScope,
    TextReview,
)
from evaluations.services import assessment as svc
from evaluations.services import assessment_texts as texts_svc
from evaluations.services import review
from institutions.models import Institution
from tests import factories as f
from tests.conftest import logged_in
from tests.evaluations.test_ministry_review import approved, indicators  # noqa: F401

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def _review_window(period):
    period.mode = PeriodMode.EVALUATION
    period.review_opens_at = NOW - dt.timedelta(days=1)
    period.review_closes_at = NOW + dt.timedelta(days=3)
    period.save()


def _population(period, per_kind=10):
    kinds = [Institution.Kind.KEMENTERIAN, Institution.Kind.KOTA]
    for kind in kinds:
        for _ in range(per_kind):
            f.EvaluationFactory(
                period=period,
                institution=(
                    f.MinistryFactory()
                    if kind == Institution.Kind.KEMENTERIAN
                    else f.InstitutionFactory()
                ),
                status=Evaluation.Status.APPROVED,
            )
    return kinds


def _sampled(period):
    return sorted(
        Evaluation.objects.filter(period=period, in_review_sample=True).values_list("pk", flat=True)
    )


def test_the_sample_is_stratified_by_kind_and_reproducible_from_its_seed(period, admin_user):
    _review_window(period)
    kinds = _population(period)
    review.set_review_scope(
        period=period, scope=ReviewScope.SAMPLE, percent=30, seed=1234, by=admin_user
    )
    period.refresh_from_db()
    first = _sampled(period)
    per_kind = {
        kind: Evaluation.objects.filter(pk__in=first, institution__kind=kind).count()
        for kind in kinds
    }
    assert per_kind == dict.fromkeys(kinds, 3)  # 30 % of 10 in each kind
    assert (period.review_sample_seed, period.review_sample_percent) == (1234, 30)
    # The same seed draws the same sample; another seed (almost surely) another one.
    review.set_review_scope(period=period, scope=ReviewScope.FULL, by=admin_user)
    assert _sampled(period) == []
    review.set_review_scope(
        period=period, scope=ReviewScope.SAMPLE, percent=30, seed=1234, by=admin_user
    )
    assert _sampled(period) == first
    review.set_review_scope(
        period=period, scope=ReviewScope.SAMPLE, percent=30, seed=99, by=admin_user
    )
    assert _sampled(period) != first
    event = AuditEvent.objects.filter(action="review.sample_drawn").latest("pk")
    assert event.changes["seed"] == [1234, 99] and event.changes["size"] == [None, 6]


def test_only_the_review_team_sets_the_scope_and_not_after_a_review(
    period, admin_user, coordinator
):
    _review_window(period)
    _population(period, per_kind=2)
    with pytest.raises(PermissionDenied):
        review.set_review_scope(period=period, scope=ReviewScope.SAMPLE, by=coordinator)
    with pytest.raises(ValidationError) as exc:
        review.set_review_scope(period=period, scope=ReviewScope.SAMPLE, percent=0, by=admin_user)
    assert exc.value.code == "share"
    ev = Evaluation.objects.filter(period=period).first()
    from evaluations.models import EvaluationReview

    EvaluationReview.objects.create(evaluation=ev, completed_at=NOW, completed_by=admin_user)
    with pytest.raises(ValidationError) as exc:
        review.set_review_scope(period=period, scope=ReviewScope.SAMPLE, by=admin_user)
    assert exc.value.code == "locked"


def test_one_rule_decides_which_release_waits_for_the_review(period, admin_user):
    _population(period, per_kind=3)
    evs = list(Evaluation.objects.filter(period=period).select_related("period"))
    # No review window: nothing waits.
    assert not any(review_scope.needs_review(ev) for ev in evs)
    _review_window(period)
    evs = list(Evaluation.objects.filter(period=period).select_related("period"))
    assert all(review_scope.needs_review(ev) for ev in evs)  # in full
    review.set_review_scope(
        period=period, scope=ReviewScope.SAMPLE, percent=34, seed=7, by=admin_user
    )
    period.refresh_from_db()
    evs = list(Evaluation.objects.filter(period=period).select_related("period"))
    waiting = sorted(ev.pk for ev in evs if review_scope.needs_review(ev))
    assert waiting == _sampled(period) and len(waiting) == 2
    # The SQL form agrees with the Python form.
    assert (
        sorted(
            Evaluation.objects.filter(period=period)
            .filter(review_scope.needs_review_q(period))
            .values_list("pk", flat=True)
        )
        == waiting
    )
    # Release: the evaluations outside the sample go, the sampled ones wait.
    assert svc.release_results(period=period, by=admin_user, notify=False) == 4
    assert (
        sorted(
            Evaluation.objects.filter(period=period, status=Evaluation.Status.APPROVED).values_list(
                "pk", flat=True
            )
        )
        == waiting
    )


def test_release_page_says_which_evaluations_are_outside_the_sample(client, period, admin_user):
    _review_window(period)
    _population(period, per_kind=2)
    client = logged_in(client, admin_user)
    url = reverse("evaluations:review-scope", kwargs={"period_pk": period.pk})
    response = client.post(url, {"scope": "sample", "percent": "50"}, follow=True)
    body = response.content.decode()
    assert "Review scope saved: By sample." in body
    assert "By sample: 50% of each kind of institution" in body
    assert body.count("not in the sample") == 2 and body.count("to review") == 2
    # Outside the sample: a release checkbox; inside: none until reviewed.
    for ev in Evaluation.objects.filter(period=period):
        assert (f'id="rel-{ev.pk}"' in body) is (not ev.in_review_sample)
    bad = client.post(url, {"scope": "sample", "percent": "500"}, follow=True)
    assert "Sample share (%)" in bad.content.decode()


# --- the review of the assessors' texts ----------------------------------------------


def _aspect(approved):
    return approved.period.framework.domains.first().aspects.first()


def test_texts_sent_back_are_edited_by_the_assessor_and_reviewed_again(
    approved,
    assessor,
    admin_user,
):
    aspect = _aspect(approved)
    # Approved and not sent back: the assessor can no longer change the texts.
    with pytest.raises(ValidationError):
        texts_svc.save_aspect_note(
            evaluation=approved, aspect=aspect, by=assessor, strengths="x", weaknesses=""
        )
    with pytest.raises(ValidationError) as exc:
        texts_svc.decide_texts(evaluation=approved, by=admin_user, accept=False, note="  ")
    assert exc.value.code == "note"
    texts = texts_svc.decide_texts(
        evaluation=approved, by=admin_user, accept=False, note="Kekuatan A1 terlalu umum."
    )
    assert (texts.state, texts.rounds) == (TextReview.State.SENT_BACK, 1)
    note = texts_svc.save_aspect_note(
        evaluation=approved,
        aspect=aspect,
        by=assessor,
        fulfilment="Indikator 1 (tingkat 2).",
        strengths="Kebijakan arsitektur sudah ditetapkan.",
        weaknesses="",
    )
    assert note.fulfilment == "Indikator 1 (tingkat 2)."
    rec = texts_svc.save_general_recommendation(
        evaluation=approved,
        by=assessor,
        summary="Ringkas",
        strongest="A2",
        weakest="A1",
        advice="-",
    )
    assert GeneralRecommendation.objects.get(pk=rec.pk).weakest == "A1"
    texts_svc.hand_in_texts(evaluation=approved, by=assessor)
    with pytest.raises(ValidationError) as exc:
        texts_svc.hand_in_texts(evaluation=approved, by=assessor)
    assert exc.value.code == "state"
    # Handed in: editing is closed again until the next send-back.
    with pytest.raises(ValidationError):
        texts_svc.save_aspect_note(
            evaluation=approved, aspect=aspect, by=assessor, strengths="y", weaknesses=""
        )
    texts_svc.decide_texts(evaluation=approved, by=admin_user, accept=True)
    actions = list(
        AuditEvent.objects.filter(evaluation=approved, action__startswith="review.texts")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "review.texts_sent_back",
        "review.texts_resubmitted",
        "review.texts_accepted",
    ]
    assert AuditEvent.objects.filter(action="assessment.recommendation_saved").count() == 1


def test_only_the_assigned_assessor_hands_texts_in(approved, admin_user, coordinator):
    texts_svc.decide_texts(evaluation=approved, by=admin_user, accept=False, note="Perbaiki.")
    with pytest.raises(PermissionDenied):
        texts_svc.hand_in_texts(evaluation=approved, by=coordinator)
    with pytest.raises(PermissionDenied):
        texts_svc.decide_texts(evaluation=approved, by=coordinator, accept=True)


def test_texts_page_round_trip(client, approved, assessor, admin_user):
    aspect = _aspect(approved)
    texts_url = reverse("evaluations:assessment-texts", kwargs={"pk": approved.pk})
    review_url = reverse("evaluations:ministry-review", kwargs={"pk": approved.pk})
    admin = logged_in(client, admin_user)
    admin.post(
        reverse("evaluations:ministry-review-texts", kwargs={"pk": approved.pk}),
        {"accept": "no", "note": "Lengkapi rekomendasi umum."},
    )
    body = admin.get(review_url).content.decode()
    assert "Sent back to the assessors" in body and "Lengkapi rekomendasi umum." in body
    client.logout()
    mine = logged_in(client, assessor)
    page = mine.get(texts_url).content.decode()
    assert "Lengkapi rekomendasi umum." in page and 'id="texts-form"' in page
    response = mine.post(
        texts_url,
        {
            f"a{aspect.pk}-strengths": "Kuat.",
            f"a{aspect.pk}-version": "0",
            "rec-summary": "Ringkasan hasil.",
            "rec-version": "0",
        },
        follow=True,
    )
    assert "Texts saved." in response.content.decode()
    assert AspectNote.objects.get(evaluation=approved, aspect=aspect).strengths == "Kuat."
    mine.post(reverse("evaluations:assessment-texts-hand-in", kwargs={"pk": approved.pk}))
    page = mine.get(texts_url).content.decode()
    assert 'id="texts-form"' not in page and "Awaiting the review" in page
    assert "Ringkasan hasil." in page


def test_texts_stay_editable_while_the_interview_is_open(evaluation, assessor, admin_user):
    """After the document stage closes, the interview may still change levels: the texts
    that follow them stay editable while it is open, and not after."""
    from tests.evaluations.assessment_helpers import small_framework, submit

    indicators = small_framework(evaluation.period.framework)
    submit(evaluation, indicators=indicators)
    period = evaluation.period
    period.mode = PeriodMode.EVALUATION
    period.document_deadline = period.deadline + dt.timedelta(days=1)
    period.save()
    Evaluation.objects.filter(pk=evaluation.pk).update(status=Evaluation.Status.UNDER_ASSESSMENT)
    evaluation.refresh_from_db()
    aspect = indicators[0].aspect
    with time_machine.travel(period.deadline + dt.timedelta(days=3)):
        with pytest.raises(ValidationError):  # the document stage is over, no interview
            texts_svc.save_aspect_note(
                evaluation=evaluation, aspect=aspect, by=assessor, strengths="a", weaknesses=""
            )
        period.interview_opens_at = period.deadline + dt.timedelta(days=2)
        period.interview_closes_at = period.deadline + dt.timedelta(days=9)
        period.save()
        evaluation.refresh_from_db()
        note = texts_svc.save_aspect_note(
            evaluation=evaluation, aspect=aspect, by=assessor, strengths="a", weaknesses=""
        )
        assert note.strengths == "a"


def test_the_scope_form_goes_once_a_review_is_complete(client, period, admin_user):
    from evaluations.models import EvaluationReview

    _review_window(period)
    _population(period, per_kind=1)
    client = logged_in(client, admin_user)
    url = reverse("evaluations:results-release", kwargs={"period_pk": period.pk})
    assert "review-scope-locked" not in client.get(url).content.decode()
    ev = Evaluation.objects.filter(period=period).first()
    EvaluationReview.objects.create(evaluation=ev, completed_at=NOW, completed_by=admin_user)
    body = client.get(url).content.decode()
    assert "review-scope-locked" in body and 'name="scope"' not in body


@pytest.mark.parametrize("n", [1, 8])
def test_texts_page_query_count(client, evaluation, assessor, n, django_assert_num_queries):
    """Aspects, notes, recommendation and decision are read once each, not per aspect."""
    from tests.evaluations.assessment_helpers import submit

    framework = evaluation.period.framework
    domain = f.DomainFactory(framework=framework, code="D1", name="Kebijakan", order=1)
    aspects = [
        f.AspectFactory(domain=domain, code=f"A{i}", name=f"Aspek {i}", order=i)
        for i in range(1, n + 1)
    ]
    for i, aspect in enumerate(aspects, start=1):
        f.IndicatorFactory(aspect=aspect, framework=framework, number=i)
        AspectNote.objects.create(evaluation=evaluation, aspect=aspect, strengths=f"Kuat {i}")
    submit(evaluation)
    mine = logged_in(client, assessor)
    url = reverse("evaluations:assessment-texts", kwargs={"pk": evaluation.pk})
    mine.get(url)
    # The same count at one and at eight aspects: sign-in, the evaluation, then aspects,
    # notes, recommendation and decision once each.
    with django_assert_num_queries(8):
        body = mine.get(url).content.decode()
    assert body.count("Kuat ") == n
