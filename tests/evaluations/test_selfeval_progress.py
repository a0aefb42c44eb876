"""The progress counters that autosave keeps by delta always equal a full recount."""

import random

import pytest

from evaluations.selectors.selfeval import progress_for
from evaluations.services import evidence as evidence_svc

from .selfeval_helpers import make_pdf, small_framework, upload
from .test_selfeval_services import save

pytestmark = pytest.mark.django_db


def test_progress_counters_match_a_recount_after_every_write(evaluation, operator):
    indicators = small_framework(evaluation.period, n=4)
    multi = indicators[-1]
    pdf = evidence_svc.upload_evidence(
        evaluation=evaluation, by=operator, uploaded_file=upload(make_pdf())
    )
    rng = random.Random(7)
    seen = set()
    for step in range(60):
        indicator = rng.choice(indicators)
        entry = rng.randint(1, multi.max_entries) if indicator == multi else 1
        level = rng.choice([None, 0, 1, 3, 5])
        note = rng.choice(["", "Ada SK"])
        service = rng.choice(["", "Perizinan"]) if indicator == multi else ""
        answer = save(
            evaluation,
            indicator,
            operator,
            level=level,
            note=note,
            entry=entry,
            service_name=service,
        )
        if step % 7 == 0 and not answer.evidence_links.exists():
            evidence_svc.link_evidence(evidence=pdf, answer=answer, by=operator)
        evaluation.refresh_from_db()
        assert (evaluation.answered_count, evaluation.evidenced_count) == progress_for(
            evaluation
        ), f"step {step}"
        seen.add(progress_for(evaluation))
    # The walk went through answered and evidenced states, so the comparison meant something.
    assert any(answered > 0 for answered, _ in seen)
    assert any(evidenced > 0 for _, evidenced in seen)


def test_last_activity_kept_to_the_minute_by_typing_autosaves(evaluation, operator):
    """Saves that do not change an indicator's state refresh "last activity" at most once a
    minute; a state change or a later save refreshes it."""
    import datetime as dt

    import time_machine
    from django.utils import timezone

    indicators = small_framework(evaluation.period, n=2, multi=False)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        save(evaluation, indicators[0], operator, level=2, note="Draf")
    evaluation.refresh_from_db()
    assert evaluation.last_activity_at == start
    with time_machine.travel(start + dt.timedelta(seconds=20), tick=False):
        save(evaluation, indicators[0], operator, level=2, note="Draf yang diketik")
    evaluation.refresh_from_db()
    assert evaluation.last_activity_at == start
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        save(evaluation, indicators[0], operator, level=2, note="Draf yang diketik lagi")
    evaluation.refresh_from_db()
    assert evaluation.last_activity_at == start + dt.timedelta(seconds=61)
    assert (evaluation.answered_count, evaluation.evidenced_count) == progress_for(evaluation)


def test_with_evidence_counts_only_indicators_that_have_files(evaluation, operator):
    """A level-0 answer needs no file, so it is complete, but "with evidence" counts only
    indicators with a file: 2 answered, 1 with evidence (not 2 of 2)."""
    from evaluations import completeness

    evaluation.period.framework.min_self_level = 0
    evaluation.period.framework.save()
    indicators = small_framework(evaluation.period, n=2, multi=False)
    zero = save(evaluation, indicators[0], operator, level=0, note="")
    three = save(evaluation, indicators[1], operator, level=3, note="Ada SK")
    pdf = evidence_svc.upload_evidence(
        evaluation=evaluation, by=operator, uploaded_file=upload(make_pdf())
    )
    evidence_svc.link_evidence(evidence=pdf, answer=three, by=operator)

    evaluation.refresh_from_db()
    assert (evaluation.answered_count, evaluation.evidenced_count) == (2, 1)
    assert progress_for(evaluation) == (2, 1)
    framework = evaluation.period.framework
    zero.refresh_from_db()
    assert completeness.indicator_state(indicators[0], [zero], framework) == completeness.COMPLETE
    assert completeness.indicator_progress(indicators[0], [zero], framework) == (True, False)


def test_linking_to_entries_keeps_the_counters_and_returns_what_is_stored(evaluation, operator):
    """The indicator page's link (an entry with or without an answer yet): the counters
    equal a recount, a second link of the same file is refused, and the answers given
    back for the panel are the rows stored, the new link included."""
    from django.core.exceptions import ValidationError

    from evaluations.models import Answer

    indicators = small_framework(evaluation.period, n=4)
    multi = indicators[-1]
    files = [
        evidence_svc.upload_evidence(
            evaluation=evaluation, by=operator, uploaded_file=upload(make_pdf(i + 1), f"{i}.pdf")
        )
        for i in range(3)
    ]
    rng = random.Random(11)
    refused = linked = 0
    for step in range(40):
        indicator = rng.choice(indicators)
        entry = rng.randint(1, multi.max_entries) if indicator == multi else 1
        if step % 3 == 0:
            save(
                evaluation,
                indicator,
                operator,
                level=rng.choice([1, 3]),
                note="Ada SK",
                entry=entry,
            )
        try:
            answers = evidence_svc.link_to_entry(
                evaluation=evaluation,
                indicator=indicator,
                entry=entry,
                evidence=rng.choice(files),
                by=operator,
                page_ref="2",
            )
        except ValidationError as exc:
            assert exc.code == "already_linked"
            refused += 1
        else:
            linked += 1
            stored = Answer.objects.filter(
                evaluation=evaluation, indicator=indicator, phase="self"
            ).order_by("entry")
            assert [
                (a.entry, sorted(a.evidence_links.values_list("pk", flat=True))) for a in stored
            ] == [(a.entry, sorted(link.pk for link in a.evidence_links.all())) for a in answers], (
                f"step {step}"
            )
        evaluation.refresh_from_db()
        assert (evaluation.answered_count, evaluation.evidenced_count) == progress_for(
            evaluation
        ), f"step {step}"
    assert refused and linked
