"""The Django admin of the evaluation models: every page renders, searches and filters."""

import pytest
from django.contrib import admin
from django.urls import reverse

from evaluations import models as em
from tests import factories as f
from tests.conftest import logged_in

EVALUATION_MODELS = [
    em.Framework,
    em.Domain,
    em.Aspect,
    em.Indicator,
    em.EvaluationPeriod,
    em.Extension,
    em.Evaluation,
    em.AssessorAssignment,
    em.ConflictOfInterest,
    em.Answer,
    em.AspectNote,
    em.EvidenceFile,
    em.EvidenceLink,
    em.Reopening,
    em.Report,
    em.Reminder,
    em.AuditEvent,
    em.TaskOutbox,
    em.WorkerHeartbeat,
]
# Reference data and the evaluation itself can be added here; workflow records
# are written only by the portal's services (see evaluations/admin.py).
ADDABLE = {
    em.Framework,
    em.Domain,
    em.Aspect,
    em.Indicator,
    em.EvaluationPeriod,
    em.Evaluation,
    em.ConflictOfInterest,
}


@pytest.fixture
def one_of_each(evaluation, assessor, admin_user, university):
    """One row of every evaluations model, all reachable from `evaluation` (Kota Alpha)."""
    period = evaluation.period
    framework = period.framework
    f.PredicateBandFactory(framework=framework)
    indicator = f.IndicatorFactory(aspect__domain__framework=framework, name="Kebijakan Internal")
    answer = f.AnswerFactory(evaluation=evaluation, indicator=indicator, level=3)
    evidence = f.EvidenceFileFactory(evaluation=evaluation, original_name="sk-tim-spbe.pdf")
    reopening = em.Reopening.objects.create(
        evaluation=evaluation,
        kind=em.Reopening.Kind.RETURN,
        reason="Data dukung kurang lengkap",
        requested_by=admin_user,
    )
    reopening.indicators.add(indicator)
    rows = {
        em.Framework: framework,
        em.Domain: indicator.aspect.domain,
        em.Aspect: indicator.aspect,
        em.Indicator: indicator,
        em.EvaluationPeriod: period,
        em.Extension: f.ExtensionFactory(
            period=period, institution=evaluation.institution, granted_by=admin_user
        ),
        em.Evaluation: evaluation,
        em.AssessorAssignment: evaluation.assignments.get(),
        em.ConflictOfInterest: em.ConflictOfInterest.objects.create(
            institution=evaluation.institution, university=university, reason="Mitra kerja sama"
        ),
        em.Answer: answer,
        em.AspectNote: em.AspectNote.objects.create(
            evaluation=evaluation, aspect=indicator.aspect, strengths="Kebijakan lengkap"
        ),
        em.EvidenceFile: evidence,
        em.EvidenceLink: f.EvidenceLinkFactory(evidence=evidence, answer=answer),
        em.Reopening: reopening,
        em.Report: f.ReportFactory(evaluation=evaluation, filename="Laporan-Kota-Alpha.pdf"),
        em.Reminder: em.Reminder.objects.create(
            evaluation=evaluation, offset_days=7, deadline=period.deadline, summary="Kota Alpha"
        ),
        em.AuditEvent: f.AuditEventFactory(evaluation=evaluation, actor=admin_user),
        em.TaskOutbox: em.TaskOutbox.objects.create(
            task="evaluations.send_mail", kwargs={"to": ["a@b.id"]}, created_at=period.opens_at
        ),
        em.WorkerHeartbeat: em.WorkerHeartbeat.objects.create(
            name="interactive", seen_at=period.opens_at, hostname="interactive@web1"
        ),
    }
    return rows


def _first_filter(model_admin, obj) -> dict[str, str]:
    """A query-string filter on the admin's first list_filter, matching `obj`."""
    path = model_admin.list_filter[0]
    value = obj
    field = None
    for part in path.split("__"):
        field = value._meta.get_field(part)
        value = getattr(value, part)
    if field.is_relation:
        return {f"{path}__id__exact": str(value.pk)}
    if isinstance(value, bool):
        return {f"{path}__exact": "1" if value else "0"}
    return {f"{path}__exact": str(value)}


# A search term that finds the row of each model.
SEARCH = {
    em.Framework: lambda o: o.code,
    em.Domain: lambda o: o.name,
    em.Aspect: lambda o: o.name,
    em.Indicator: lambda o: "Kebijakan",
    em.EvaluationPeriod: lambda o: o.name,
    em.Extension: lambda o: "Alpha",
    em.Evaluation: lambda o: "Alpha",
    em.AssessorAssignment: lambda o: o.assessor.username,
    em.ConflictOfInterest: lambda o: "Alpha",
    em.Answer: lambda o: "Kebijakan",
    em.AspectNote: lambda o: "Alpha",
    em.EvidenceFile: lambda o: "sk-tim",
    em.EvidenceLink: lambda o: "sk-tim",
    em.Reopening: lambda o: "dukung",
    em.Report: lambda o: "Laporan",
    em.Reminder: lambda o: "Alpha",
    em.AuditEvent: lambda o: "answer.saved",
    em.TaskOutbox: lambda o: "send_mail",
    em.WorkerHeartbeat: lambda o: "web1",
}


def test_every_evaluations_model_is_registered():
    assert [m for m in EVALUATION_MODELS if not admin.site.is_registered(m)] == []


@pytest.mark.django_db
@pytest.mark.parametrize("model", EVALUATION_MODELS, ids=lambda m: m.__name__)
def test_admin_changelist_search_and_filter_find_the_row(client, admin_user, one_of_each, model):
    obj = one_of_each[model]
    model_admin = admin.site._registry[model]
    assert model_admin.search_fields and model_admin.list_filter
    url = reverse(f"admin:evaluations_{model._meta.model_name}_changelist")
    params = {"q": SEARCH[model](obj), **_first_filter(model_admin, obj)}

    response = logged_in(client, admin_user).get(url, params)

    assert response.status_code == 200, params
    assert list(response.context["cl"].result_list) == [obj]


@pytest.mark.django_db
@pytest.mark.parametrize("model", EVALUATION_MODELS, ids=lambda m: m.__name__)
def test_admin_change_and_add_pages_render(client, admin_user, one_of_each, model):
    obj = one_of_each[model]
    logged_in(client, admin_user)
    name = model._meta.model_name

    change = client.get(reverse(f"admin:evaluations_{name}_change", args=[obj.pk]))
    add = client.get(reverse(f"admin:evaluations_{name}_add"))

    assert change.status_code == 200
    assert add.status_code == (200 if model in ADDABLE else 403)


@pytest.mark.django_db
def test_admin_evaluation_status_and_results_are_read_only(client, admin_user, evaluation):
    url = reverse("admin:evaluations_evaluation_change", args=[evaluation.pk])
    response = logged_in(client, admin_user).get(url)
    assert response.status_code == 200
    assert b'name="university"' in response.content
    assert b'name="status"' not in response.content
    assert b'name="final_index"' not in response.content

    client.post(url, {"university": "", "status": "released", "final_index": "4.00"})

    evaluation.refresh_from_db()
    assert evaluation.status == em.Evaluation.Status.NOT_STARTED
    assert evaluation.final_index is None


@pytest.mark.django_db
def test_admin_audit_event_cannot_be_changed_or_deleted(client, admin_user, evaluation):
    event = f.AuditEventFactory(evaluation=evaluation, action="evaluation.submitted")
    logged_in(client, admin_user)

    response = client.post(
        reverse("admin:evaluations_auditevent_delete", args=[event.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert em.AuditEvent.objects.filter(pk=event.pk).exists()
    page = client.get(reverse("admin:evaluations_auditevent_change", args=[event.pk]))
    assert b'name="action"' not in page.content


@pytest.mark.django_db
def test_admin_evidence_file_offers_no_upload(client, admin_user, one_of_each):
    evidence = one_of_each[em.EvidenceFile]
    url = reverse("admin:evaluations_evidencefile_change", args=[evidence.pk])
    response = logged_in(client, admin_user).get(url)
    assert b'type="file"' not in response.content
    assert b"sk-tim-spbe.pdf" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["operator", "supervisor", "assessor", "coordinator"])
def test_admin_redirects_non_staff_to_admin_login(client, request, role):
    user = request.getfixturevalue(role)
    url = reverse("admin:evaluations_evaluation_changelist")
    response = logged_in(client, user).get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.django_db
def test_admin_redirects_anonymous_to_admin_login(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
