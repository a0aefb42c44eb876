"""Evidence of follow-up: a PDF uploaded to (or linked from the library to) a follow-up
item, checked like an answer's evidence and audited; once the item is done the next
period's self-evaluation takes it over as evidence of the indicator in one click."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from evaluations.models import (
    AuditEvent,
    Evaluation,
    EvidenceFile,
    EvidenceLink,
    FollowUp,
    FollowUpEvidence,
    Phase,
)
from evaluations.services import followup_evidence as svc
from tests import factories as f
from tests.conftest import logged_in
from tests.evaluations.assessment_helpers import small_framework

from .selfeval_helpers import make_pdf, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def indicators(period):
    return small_framework(period.framework)


@pytest.fixture
def earlier(evaluation, period):
    """The institution's evaluation of the year before, whose result was released."""
    before = f.EvaluationPeriodFactory(
        framework=period.framework,
        opens_at=period.opens_at - dt.timedelta(days=365),
        deadline=period.deadline - dt.timedelta(days=365),
    )
    return f.EvaluationFactory(institution=evaluation.institution, period=before)


@pytest.fixture
def item(earlier, indicators):
    return FollowUp.objects.create(
        institution=earlier.institution,
        evaluation=earlier,
        indicator=indicators[0],
        text="Tetapkan kebijakan arsitektur SPBE.",
    )


@pytest.fixture
def next_evaluation(evaluation):
    """This period's self-evaluation, open now."""
    return evaluation


def test_upload_checks_the_pdf_stores_it_and_links_it_audited(item, operator):
    link = svc.upload_follow_up_evidence(
        follow_up=item, by=operator, uploaded_file=upload(make_pdf(pages=2), "Perpres.pdf")
    )
    assert link.evidence.evaluation_id == item.evaluation_id
    assert (link.evidence.original_name, link.evidence.page_count) == ("Perpres.pdf", 2)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {AuditEvent.Action.EVIDENCE_UPLOADED, AuditEvent.Action.FOLLOW_UP_EVIDENCE_LINKED} <= (
        actions
    )
    # The same bytes again: no second file, and a clear refusal of the second link.
    with pytest.raises(ValidationError) as exc:
        svc.upload_follow_up_evidence(
            follow_up=item, by=operator, uploaded_file=upload(make_pdf(pages=2), "lagi.pdf")
        )
    assert exc.value.code == "already_linked"
    assert EvidenceFile.objects.count() == 1


def test_upload_refuses_a_file_that_is_not_a_pdf_and_keeps_nothing(item, operator):
    with pytest.raises(ValidationError) as exc:
        svc.upload_follow_up_evidence(
            follow_up=item, by=operator, uploaded_file=upload(b"PK\x03\x04 zip" * 20, "x.pdf")
        )
    assert exc.value.code == "not_pdf"
    assert not EvidenceFile.objects.exists() and not FollowUpEvidence.objects.exists()


def test_other_institution_cannot_upload_or_link(item, other_operator, other_evaluation):
    with pytest.raises(PermissionDenied):
        svc.upload_follow_up_evidence(
            follow_up=item, by=other_operator, uploaded_file=upload(make_pdf())
        )
    foreign = f.EvidenceFileFactory(evaluation=other_evaluation)
    with pytest.raises(PermissionDenied):
        svc.link_follow_up_evidence(follow_up=item, evidence=foreign, by=other_operator)


def test_link_from_library_only_of_own_institution(item, operator, other_evaluation):
    own = f.EvidenceFileFactory(evaluation=item.evaluation, sha256="a" * 64)
    svc.link_follow_up_evidence(follow_up=item, evidence=own, by=operator)
    foreign = f.EvidenceFileFactory(evaluation=other_evaluation, sha256="b" * 64)
    with pytest.raises(ValidationError) as exc:
        svc.link_follow_up_evidence(follow_up=item, evidence=foreign, by=operator)
    assert exc.value.message == svc.OTHER_INSTITUTION
    assert list(item.evidence_links.values_list("evidence_id", flat=True)) == [own.pk]


def test_unlink_keeps_the_file_and_is_audited(item, operator):
    link = svc.upload_follow_up_evidence(
        follow_up=item, by=operator, uploaded_file=upload(make_pdf())
    )
    svc.unlink_follow_up_evidence(link=link, by=operator)
    assert not FollowUpEvidence.objects.exists() and EvidenceFile.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.FOLLOW_UP_EVIDENCE_UNLINKED).exists()


def test_done_item_evidence_is_used_in_next_self_evaluation(
    item, operator, next_evaluation, indicators
):
    link = svc.upload_follow_up_evidence(
        follow_up=item, by=operator, uploaded_file=upload(make_pdf(pages=3), "Bukti TL.pdf")
    )
    with pytest.raises(ValidationError) as exc:  # not done yet
        svc.use_follow_up_evidence(
            evaluation=next_evaluation, indicator=indicators[0], link=link, by=operator
        )
    assert exc.value.code == "not_usable"
    FollowUp.objects.filter(pk=item.pk).update(status=FollowUp.Status.DONE)
    with pytest.raises(ValidationError):  # another indicator
        svc.use_follow_up_evidence(
            evaluation=next_evaluation, indicator=indicators[1], link=link, by=operator
        )
    answer_link = svc.use_follow_up_evidence(
        evaluation=next_evaluation, indicator=indicators[0], link=link, by=operator
    )
    copy = answer_link.evidence
    assert copy.evaluation == next_evaluation and copy.sha256 == link.evidence.sha256
    assert copy.file.name != link.evidence.file.name  # its own bytes: deleting one keeps the other
    assert answer_link.answer.phase == Phase.SELF and answer_link.answer.indicator == indicators[0]
    assert EvidenceLink.objects.filter(answer__evaluation=next_evaluation).count() == 1
    # A second click: already linked, no second copy.
    with pytest.raises(ValidationError) as exc:
        svc.use_follow_up_evidence(
            evaluation=next_evaluation, indicator=indicators[0], link=link, by=operator
        )
    assert exc.value.code == "already_linked"
    assert EvidenceFile.objects.filter(evaluation=next_evaluation).count() == 1


def test_use_is_refused_in_the_same_period(item, operator, indicators, earlier):
    link = svc.upload_follow_up_evidence(
        follow_up=item, by=operator, uploaded_file=upload(make_pdf())
    )
    FollowUp.objects.filter(pk=item.pk).update(status=FollowUp.Status.DONE)
    with pytest.raises(ValidationError) as exc:
        svc.use_follow_up_evidence(
            evaluation=item.evaluation, indicator=indicators[0], link=link, by=operator
        )
    assert exc.value.code == "not_usable"


def test_pages_show_the_evidence_and_the_one_click_button(
    client, item, operator, next_evaluation, indicators
):
    logged_in(client, operator)
    response = client.post(
        reverse("evaluations:follow-up-evidence-upload", args=[item.pk]),
        {"file": upload(make_pdf(), "SK Arsitektur.pdf")},
    )
    assert response.status_code == 302
    page = client.get(reverse("evaluations:follow-up-detail", args=[item.pk])).content.decode()
    assert "SK Arsitektur.pdf" in page
    FollowUp.objects.filter(pk=item.pk).update(status=FollowUp.Status.DONE)
    fragment = client.get(
        reverse("evaluations:answer-edit", args=[next_evaluation.pk, indicators[0].pk])
    ).content.decode()
    link = FollowUpEvidence.objects.get()
    use_url = reverse(
        "evaluations:follow-up-evidence-use",
        args=[next_evaluation.pk, indicators[0].pk, link.pk],
    )
    assert use_url in fragment
    response = client.post(use_url)
    assert response.status_code == 302
    assert EvidenceLink.objects.filter(answer__evaluation=next_evaluation).count() == 1
    edit = client.get(response.url).content.decode()
    assert "SK Arsitektur.pdf" in edit


def test_bad_upload_says_why_on_the_page(client, item, operator):
    logged_in(client, operator)
    response = client.post(
        reverse("evaluations:follow-up-evidence-upload", args=[item.pk]),
        {"file": upload(b"<html></html>", "palsu.pdf")},
        follow=True,
    )
    assert "palsu.pdf" in response.content.decode()
    assert not FollowUpEvidence.objects.exists()


def test_the_indicator_page_lists_follow_ups_in_the_same_queries_at_one_and_many(
    client, operator, earlier, indicators, next_evaluation, django_assert_max_num_queries
):
    logged_in(client, operator)
    url = reverse("evaluations:answer-edit", args=[next_evaluation.pk, indicators[0].pk])

    def add(n):
        for i in range(n):
            fu = FollowUp.objects.create(
                institution=earlier.institution,
                evaluation=earlier,
                indicator=indicators[0],
                entry=FollowUp.objects.count() + 1,
                text=f"Rekomendasi {i}",
                status=FollowUp.Status.DONE,
            )
            ev = f.EvidenceFileFactory(evaluation=earlier, sha256=f"{fu.pk:064d}")
            FollowUpEvidence.objects.create(follow_up=fu, evidence=ev)

    add(1)
    client.get(url)  # the first page of a process fills its framework cache
    with django_assert_max_num_queries(13) as one:
        client.get(url)
    add(15)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(url).content.decode().count("follow-up-evidence") >= 16


def test_a_read_only_page_lists_the_file_without_the_one_click_button(
    client, item, operator, next_evaluation, indicators
):
    link = svc.upload_follow_up_evidence(
        follow_up=item, by=operator, uploaded_file=upload(make_pdf(), "SK Arsitektur.pdf")
    )
    FollowUp.objects.filter(pk=item.pk).update(status=FollowUp.Status.DONE)
    Evaluation.objects.filter(pk=next_evaluation.pk).update(status=Evaluation.Status.SUBMITTED)
    logged_in(client, operator)
    page = client.get(
        reverse("evaluations:answer-edit", args=[next_evaluation.pk, indicators[0].pk])
    ).content.decode()
    assert "SK Arsitektur.pdf" in page
    use_url = reverse(
        "evaluations:follow-up-evidence-use", args=[next_evaluation.pk, indicators[0].pk, link.pk]
    )
    assert use_url not in page
    # The server refuses it all the same (the button only spares a useless click).
    client.post(use_url)
    assert not EvidenceLink.objects.filter(answer__evaluation=next_evaluation).exists()
