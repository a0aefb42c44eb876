"""Self-evaluation views: content, redirects, messages, htmx partials, query counts."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from evaluations.models import Answer, Evaluation, EvidenceLink, Phase, Reopening
from evaluations.services import evidence as evidence_svc
from evaluations.services import reopening as reopening_svc
from evaluations.services import selfeval as s
from evaluations.wib import format_wib
from tests import factories as f
from tests.conftest import logged_in

from .selfeval_helpers import make_pdf, small_framework, upload

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def indicators(period):
    return small_framework(period)


def edit_url(evaluation, indicator):
    return reverse("evaluations:answer-edit", args=[evaluation.pk, indicator.pk])


def post_answer(
    client, evaluation, indicator, *, entry=1, version=0, level=3, note="Ada SK", **extra
):
    data = {
        "entry": entry,
        f"e{entry}-entry": entry,
        f"e{entry}-base_version": version,
        f"e{entry}-level": "" if level is None else level,
        f"e{entry}-note": note,
        **{f"e{entry}-{k}": v for k, v in extra.items()},
    }
    return client.post(edit_url(evaluation, indicator), data, **extra.pop("headers", {}))


def fill_all(evaluation, indicators, by):
    pdf = evidence_svc.upload_evidence(
        evaluation=evaluation, by=by, uploaded_file=upload(make_pdf())
    )
    for ind in indicators:
        kw = {"service_name": "Perizinan"} if ind.max_entries > 1 else {}
        answer = s.save_answer(
            evaluation=evaluation, indicator=ind, by=by, level=3, note="Ada", base_version=0, **kw
        )
        evidence_svc.link_evidence(evidence=pdf, answer=answer, by=by)


# --- dashboard --------------------------------------------------------------------------------


def test_dashboard_shows_period_deadline_progress_and_states(
    client, evaluation, indicators, operator
):
    s.save_answer(
        evaluation=evaluation,
        indicator=indicators[0],
        by=operator,
        level=2,
        note="x",
        base_version=0,
    )
    s.save_answer(
        evaluation=evaluation,
        indicator=indicators[1],
        by=operator,
        level=2,
        note="",
        base_version=0,
    )
    response = logged_in(client, operator).get(reverse("evaluations:institution-dashboard"))
    html = response.content.decode()
    assert response.status_code == 200
    assert evaluation.period.name in html and "WIB" in html
    assert "Time left" in html and "In progress" in html
    assert "1 / 3" in html  # answered
    assert "0 / 3" in html  # with evidence
    assert "Missing evidence" in html and "Draft" in html and "Empty" in html
    assert edit_url(evaluation, indicators[2]) in html
    assert 'href="{}"'.format(reverse("evaluations:submit", args=[evaluation.pk])) not in html


def test_dashboard_supervisor_sees_submit_button(client, evaluation, indicators, supervisor):
    html = (
        logged_in(client, supervisor)
        .get(reverse("evaluations:institution-dashboard"))
        .content.decode()
    )
    assert reverse("evaluations:submit", args=[evaluation.pk]) in html


def test_dashboard_without_period(client, operator):
    response = logged_in(client, operator).get(reverse("evaluations:institution-dashboard"))
    assert "There is no open evaluation period" in response.content.decode()


def test_dashboard_shows_last_period_result(client, evaluation, indicators, operator, period):
    old_period = f.EvaluationPeriodFactory(
        framework=f.FrameworkFactory(),
        opens_at=period.opens_at - dt.timedelta(days=365),
        deadline=period.deadline - dt.timedelta(days=365),
        results_released_at=period.opens_at - dt.timedelta(days=100),
    )
    old_ind = f.IndicatorFactory(framework=old_period.framework, number=indicators[0].number)
    old_ev = f.EvaluationFactory(
        institution=evaluation.institution, period=old_period, status=Evaluation.Status.RELEASED
    )
    f.AnswerFactory(evaluation=old_ev, indicator=old_ind, phase=Phase.SELF, level=5)
    f.AnswerFactory(
        evaluation=old_ev,
        indicator=old_ind,
        phase=Phase.DOCUMENT,
        level=2,
        recommendation="Tetapkan SOP",
    )
    html = (
        logged_in(client, operator)
        .get(reverse("evaluations:institution-dashboard"))
        .content.decode()
    )
    assert "Tetapkan SOP" in html


def test_dashboard_read_only_after_deadline_keeps_drafts(client, evaluation, indicators, operator):
    s.save_answer(
        evaluation=evaluation,
        indicator=indicators[0],
        by=operator,
        level=2,
        note="draf",
        base_version=0,
    )
    with time_machine.travel(evaluation.period.deadline + dt.timedelta(seconds=1), tick=False):
        html = (
            logged_in(client, operator)
            .get(reverse("evaluations:institution-dashboard"))
            .content.decode()
        )
        page = client.get(edit_url(evaluation, indicators[0])).content.decode()
    assert "read-only" in html and "Closed" in html
    assert "draf" in page and "Read-only" in page


@pytest.mark.parametrize("n", [1, 20])
def test_dashboard_query_count_constant(client, django_assert_num_queries, operator, period, n):
    """Guards N+1 over indicators and answers (state, levels) on the institution dashboard."""
    inds = small_framework(period, n=n, multi=False)
    ev = f.EvaluationFactory(institution=operator.institution, period=period)
    for ind in inds:
        f.AnswerFactory(evaluation=ev, indicator=ind, updated_by=operator)
    logged_in(client, operator)
    with django_assert_num_queries(8):  # +1: the database session
        response = client.get(reverse("evaluations:institution-dashboard"))
    assert response.status_code == 200


@pytest.mark.parametrize("n", [1, 20])
def test_detail_query_count_constant(client, django_assert_num_queries, admin_user, evaluation, n):
    """Guards N+1 over indicators, answers and evidence links on the evaluation detail page."""
    inds = small_framework(evaluation.period, n=n, multi=False)
    for ind in inds:
        answer = f.AnswerFactory(evaluation=evaluation, indicator=ind)
        f.EvidenceLinkFactory(evidence=f.EvidenceFileFactory(evaluation=evaluation), answer=answer)
    logged_in(client, admin_user)
    with django_assert_num_queries(8):  # +1: the database session
        response = client.get(reverse("evaluations:detail", args=[evaluation.pk]))
    assert response.status_code == 200


# --- indicator page -----------------------------------------------------------------------------


def test_answer_page_shows_levels_meanings_and_entries(client, evaluation, indicators, operator):
    indicators[2].description = "Layanan publik berbasis elektronik"
    indicators[2].level_descriptions = {str(i): f"Makna {i}" for i in range(6)}
    indicators[2].save()
    html = logged_in(client, operator).get(edit_url(evaluation, indicators[2])).content.decode()
    assert "Layanan publik berbasis elektronik" in html
    assert "5 — Makna 5" in html and "0 — Makna 0" in html
    assert html.count('class="answer-form"') == 3  # max_entries
    assert 'name="e3-service_name"' in html
    assert "data-autosave>" in html  # the answer form autosaves


def test_answer_page_respects_min_self_level(client, evaluation, indicators, operator):
    fw = evaluation.period.framework
    fw.min_self_level = 1
    fw.save()
    html = logged_in(client, operator).get(edit_url(evaluation, indicators[0])).content.decode()
    assert 'name="e1-level" value="0"' not in html and 'name="e1-level" value="1"' in html


def test_answer_plain_post_saves_and_redirects(client, evaluation, indicators, operator):
    logged_in(client, operator)
    response = post_answer(client, evaluation, indicators[0], level=4, note="Perwal 2019")
    assert response.status_code == 302 and response["Location"] == edit_url(
        evaluation, indicators[0]
    )
    answer = Answer.objects.get(evaluation=evaluation, indicator=indicators[0])
    assert (answer.level, answer.note, answer.version) == (4, "Perwal 2019", 1)
    page = client.get(response["Location"]).content.decode()
    assert "Saved at" in page and "Answer saved" in page  # message and history


def test_answer_post_warns_when_justification_missing(client, evaluation, indicators, operator):
    logged_in(client, operator)
    response = post_answer(client, evaluation, indicators[0], level=4, note="")
    page = client.get(response["Location"]).content.decode()
    assert "A justification is required for a level above 0." in page


def test_answer_htmx_autosave_returns_partial_with_new_version(
    client, evaluation, indicators, operator
):
    operator.first_name, operator.last_name = "Sari", "Dewi"
    operator.save()
    logged_in(client, operator)
    response = client.post(
        edit_url(evaluation, indicators[0]),
        {"entry": 1, "e1-entry": 1, "e1-base_version": 0, "e1-level": 2, "e1-note": "draf"},
        **HTMX,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "Saved at" in html and "by Sari Dewi" in html
    assert 'id="version-1"' in html and 'value="1"' in html and 'hx-swap-oob="true"' in html


def test_answer_conflict_shows_both_versions_and_keeps_saved(
    client, evaluation, indicators, operator, supervisor
):
    s.save_answer(
        evaluation=evaluation,
        indicator=indicators[0],
        by=supervisor,
        level=5,
        note="versi kepala",
        base_version=0,
    )
    logged_in(client, operator)
    response = post_answer(
        client, evaluation, indicators[0], version=0, level=1, note="versi operator"
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "versi kepala" in html and "versi operator" in html
    assert "Nothing was overwritten" in html
    htmx = client.post(
        edit_url(evaluation, indicators[0]),
        {
            "entry": 1,
            "e1-entry": 1,
            "e1-base_version": 0,
            "e1-level": 1,
            "e1-note": "versi operator",
        },
        **HTMX,
    )
    assert (
        "versi kepala" in htmx.content.decode()
        and "Save my version over it" in htmx.content.decode()
    )
    stored = Answer.objects.get(evaluation=evaluation, indicator=indicators[0])
    assert (stored.level, stored.note) == (5, "versi kepala")


def test_answer_post_after_deadline_message(client, evaluation, indicators, operator):
    with time_machine.travel(evaluation.period.deadline + dt.timedelta(seconds=1), tick=False):
        logged_in(client, operator)
        response = post_answer(client, evaluation, indicators[0])
        page = client.get(response["Location"]).content.decode()
        htmx = client.post(
            edit_url(evaluation, indicators[0]),
            {"entry": 1, "e1-entry": 1, "e1-base_version": 0, "e1-level": 1, "e1-note": "x"},
            **HTMX,
        )
    assert "The deadline has passed" in page
    assert "The deadline has passed" in htmx.content.decode()
    assert not Answer.objects.exists()


def test_answer_invalid_level_rejected(client, evaluation, indicators, operator):
    logged_in(client, operator)
    response = post_answer(client, evaluation, indicators[0], level=9)
    assert response.status_code == 400
    assert not Answer.objects.exists()


# --- evidence -----------------------------------------------------------------------------------


def test_upload_from_indicator_links_file(client, evaluation, indicators, operator):
    logged_in(client, operator)
    response = client.post(
        reverse("evaluations:evidence-upload", args=[evaluation.pk]),
        {
            "file": upload(make_pdf(2), "Perwal.pdf"),
            "indicator": indicators[0].pk,
            "entry": 1,
            "page_ref": "2",
        },
    )
    assert response["Location"] == edit_url(evaluation, indicators[0])
    link = EvidenceLink.objects.get()
    assert link.answer.indicator == indicators[0] and link.page_ref == "2"
    page = client.get(response["Location"]).content.decode()
    assert "“Perwal.pdf” uploaded (2 pages)." in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04zip", "is not a PDF"),
        (b"", "The file “x.pdf” is empty."),
        (make_pdf(password="x"), "protected with a password"),
        (make_pdf()[:300], "damaged or incomplete"),
    ],
)
def test_upload_bad_file_shows_reason(client, evaluation, indicators, operator, data, message):
    logged_in(client, operator)
    response = client.post(
        reverse("evaluations:evidence-upload", args=[evaluation.pk]),
        {"file": upload(data, "x.pdf")},
    )
    assert response["Location"] == reverse("evaluations:evidence-list", args=[evaluation.pk])
    assert message in client.get(response["Location"]).content.decode()
    assert not evaluation.evidence.exists()


def test_upload_too_large_message(client, settings, evaluation, indicators, operator):
    settings.EVIDENCE_MAX_BYTES = 500
    logged_in(client, operator)
    response = client.post(
        reverse("evaluations:evidence-upload", args=[evaluation.pk]),
        {"file": upload(make_pdf(5), "b.pdf")},
    )
    assert "the limit is 500" in client.get(response["Location"]).content.decode()


def test_library_lists_links_and_delete_confirmation(client, evaluation, indicators, operator):
    pdf = evidence_svc.upload_evidence(
        evaluation=evaluation, by=operator, uploaded_file=upload(make_pdf(), "SK.pdf")
    )
    answer = s.ensure_answer(evaluation=evaluation, indicator=indicators[1], entry=1, by=operator)
    evidence_svc.link_evidence(evidence=pdf, answer=answer, by=operator, page_ref="4")
    logged_in(client, operator)
    html = client.get(reverse("evaluations:evidence-list", args=[evaluation.pk])).content.decode()
    assert "SK.pdf" in html and ">2</a>" in html and "(4)" in html
    url = reverse("evaluations:evidence-delete", args=[evaluation.pk, pdf.pk])
    confirm = client.get(url).content.decode()
    assert "linked to 1 indicator entry" in confirm
    response = client.post(url)
    assert not evaluation.evidence.exists()
    assert "1 link removed" in client.get(response["Location"]).content.decode()


def test_link_and_unlink_views(client, evaluation, indicators, operator):
    pdf = evidence_svc.upload_evidence(
        evaluation=evaluation, by=operator, uploaded_file=upload(make_pdf(), "SK.pdf")
    )
    logged_in(client, operator)
    url = reverse("evaluations:evidence-link", args=[evaluation.pk, indicators[0].pk])
    client.post(url, {"evidence": pdf.pk, "entry": 1, "page_ref": "1-2"})
    again = client.post(url, {"evidence": pdf.pk, "entry": 1})
    assert "already linked" in client.get(again["Location"]).content.decode()
    link = EvidenceLink.objects.get()
    client.post(reverse("evaluations:evidence-unlink", args=[evaluation.pk, link.pk]))
    assert not EvidenceLink.objects.exists()


def test_download_is_always_an_attachment_with_nosniff(
    client, evaluation, indicators, operator, assessor
):
    data = make_pdf()
    pdf = evidence_svc.upload_evidence(
        evaluation=evaluation, by=operator, uploaded_file=upload(data, "SK Tim.pdf")
    )
    url = reverse("evaluations:evidence-download", args=[pdf.pk])
    response = logged_in(client, assessor).get(url)
    assert response["Content-Disposition"].startswith("attachment")
    assert "SK Tim.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == data
    # No way to have it opened by the browser's own PDF viewer (which runs scripts).
    inline = client.get(url + "?inline=1")
    assert inline["Content-Disposition"].startswith("attachment")


def test_download_other_institution_404(client, other_evaluation, operator):
    pdf = f.EvidenceFileFactory(evaluation=other_evaluation)
    response = logged_in(client, operator).get(
        reverse("evaluations:evidence-download", args=[pdf.pk])
    )
    assert response.status_code == 404


# --- check, submit, return ---------------------------------------------------------------------


def test_check_page_lists_missing_with_links(client, evaluation, indicators, operator):
    html = (
        logged_in(client, operator)
        .get(reverse("evaluations:submission-check", args=[evaluation.pk]))
        .content.decode()
    )
    assert "3 items are missing" in html and "No level chosen" in html
    assert edit_url(evaluation, indicators[1]) in html


def test_submit_confirmation_shows_levels_index_and_submits(
    client, evaluation, indicators, operator, supervisor
):
    fill_all(evaluation, indicators, operator)
    logged_in(client, supervisor)
    url = reverse("evaluations:submit", args=[evaluation.pk])
    html = client.get(url).content.decode()
    assert "Self-assessed index" in html and "3.00" in html and "Baik" in html
    response = client.post(url)
    assert response["Location"] == reverse("evaluations:submission-done", args=[evaluation.pk])
    done = client.get(response["Location"]).content.decode()
    evaluation.refresh_from_db()
    assert "Self-evaluation submitted" in done
    assert format_wib(evaluation.submitted_at, "seconds") in done  # to the second
    assert "The evaluation is now read-only" in done and "What happens next" in done
    dashboard = client.get(reverse("evaluations:institution-dashboard")).content.decode()
    assert "Submitted" in dashboard
    again = client.post(url)
    assert "already submitted" in client.get(again["Location"]).content.decode()
    evaluation.refresh_from_db()
    assert evaluation.submission_count == 1 and evaluation.status == Evaluation.Status.SUBMITTED
    page = client.get(edit_url(evaluation, indicators[0])).content.decode()
    assert "Read-only" in page and "data-autosave>" not in page


def test_submit_incomplete_redirects_to_check(client, evaluation, indicators, supervisor):
    logged_in(client, supervisor)
    response = client.get(reverse("evaluations:submit", args=[evaluation.pk]))
    assert response["Location"] == reverse("evaluations:submission-check", args=[evaluation.pk])


def test_submit_by_operator_forbidden(client, evaluation, indicators, operator):
    fill_all(evaluation, indicators, operator)
    response = logged_in(client, operator).post(reverse("evaluations:submit", args=[evaluation.pk]))
    assert response.status_code == 403


def test_return_form_returns_named_indicators_and_emails(
    client,
    mailoutbox,
    evaluation,
    indicators,
    operator,
    supervisor,
    admin_user,
    django_capture_on_commit_callbacks,
):
    fill_all(evaluation, indicators, operator)
    s.submit_evaluation(evaluation=evaluation, by=supervisor)
    logged_in(client, admin_user)
    detail = client.get(reverse("evaluations:detail", args=[evaluation.pk])).content.decode()
    assert reverse("evaluations:return", args=[evaluation.pk]) in detail
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("evaluations:return", args=[evaluation.pk]),
            {"indicators": [indicators[0].pk], "reason": "Bukti tidak sesuai"},
        )
    assert response["Location"] == reverse("evaluations:detail", args=[evaluation.pk])
    assert Reopening.objects.get().reason == "Bukti tidak sesuai"
    assert len(mail.outbox) == 1 and "Bukti tidak sesuai" in mail.outbox[0].body
    again = client.post(
        reverse("evaluations:return", args=[evaluation.pk]), {"whole": "on", "reason": "lagi"}
    )
    assert "already been returned" in client.get(again["Location"]).content.decode()
    logged_in(client, operator)
    html = client.get(reverse("evaluations:institution-dashboard")).content.decode()
    assert "Bukti tidak sesuai" in html
    assert "data-autosave>" in client.get(edit_url(evaluation, indicators[0])).content.decode()
    assert "data-autosave>" not in client.get(edit_url(evaluation, indicators[1])).content.decode()


def test_return_form_needs_indicators_or_whole(client, evaluation, indicators, admin_user):
    response = logged_in(client, admin_user).post(
        reverse("evaluations:return", args=[evaluation.pk]), {"reason": "x"}
    )
    assert response.status_code == 400
    assert "Name the indicators to return" in response.content.decode()


def test_dashboard_after_return_with_due_at_shows_it_and_reopens(
    client, evaluation, indicators, operator, supervisor, admin_user
):
    fill_all(evaluation, indicators, operator)
    s.submit_evaluation(evaluation=evaluation, by=supervisor)
    after = evaluation.period.deadline + dt.timedelta(days=3)
    with time_machine.travel(after, tick=False):
        reopening_svc.reopen_evaluation(
            evaluation=evaluation,
            by=admin_user,
            kind=Reopening.Kind.RETURN,
            reason="Lengkapi bukti",
            indicators=[indicators[2]],
            due_at=after + dt.timedelta(days=2),
        )
        logged_in(client, operator)
        html = client.get(reverse("evaluations:institution-dashboard")).content.decode()
        page = client.get(edit_url(evaluation, indicators[2])).content.decode()
    assert "Lengkapi bukti" in html and "2 d 00:00:01" in html
    assert "data-autosave>" in page
