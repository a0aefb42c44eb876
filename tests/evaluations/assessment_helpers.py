"""Helpers for the document-evaluation tests: a scored-ready evaluation on a small framework."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from evaluations.models import Evaluation, Phase
from institutions.models import Role
from tests import factories as f


def small_framework(framework, *, n: int = 3):
    """n single-entry indicators over two aspects, with two predicate bands."""
    f.PredicateBandFactory(framework=framework, name="Kurang", lower_bound=Decimal("0"))
    f.PredicateBandFactory(framework=framework, name="Baik", lower_bound=Decimal("2.60"))
    domain = f.DomainFactory(framework=framework, code="D1", name="Kebijakan", order=1)
    a1 = f.AspectFactory(domain=domain, code="A1", name="Kebijakan Internal", order=1)
    a2 = f.AspectFactory(domain=domain, code="A2", name="Layanan", order=2)
    return [
        f.IndicatorFactory(
            aspect=a1 if i <= max(1, n // 2) else a2,
            framework=framework,
            number=i,
            name=f"Indikator {i}",
        )
        for i in range(1, n + 1)
    ]


def submit(evaluation, *, levels=(3, 3, 3), indicators=None, by=None):
    """Give the evaluation self answers and mark it submitted (no service: test setup)."""
    indicators = indicators or list(evaluation.period.framework.indicators.order_by("number"))
    for indicator, level in zip(indicators, levels, strict=False):
        f.AnswerFactory(evaluation=evaluation, indicator=indicator, level=level, phase=Phase.SELF)
    by = by or f.UserFactory(role=Role.SUPERVISOR, institution=evaluation.institution)
    Evaluation.objects.filter(pk=evaluation.pk).update(
        status=Evaluation.Status.SUBMITTED, submitted_at=timezone.now(), submitted_by=by
    )
    evaluation.refresh_from_db()
    return indicators


def score_all(evaluation, indicators, levels, *, note="Sesuai bukti."):
    """Document answers for every indicator (test setup, bypassing the service)."""
    for indicator, level in zip(indicators, levels, strict=True):
        f.AnswerFactory(
            evaluation=evaluation, indicator=indicator, level=level, note=note, phase=Phase.DOCUMENT
        )


def set_status(evaluation, status):
    Evaluation.objects.filter(pk=evaluation.pk).update(status=status)
    evaluation.refresh_from_db()
    return evaluation
