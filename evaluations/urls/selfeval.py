from django.urls import path

from evaluations.views import evidence as evidence_views
from evaluations.views import selfeval as views

urlpatterns = [
    path("institution/", views.institution_dashboard, name="institution-dashboard"),
    path("evaluations/<int:pk>/", views.evaluation_detail, name="detail"),
    path(
        "evaluations/<int:pk>/indicators/<int:indicator_pk>/",
        views.answer_edit,
        name="answer-edit",
    ),
    path(
        "evaluations/<int:pk>/indicators/<int:indicator_pk>/evidence/link/",
        evidence_views.evidence_link,
        name="evidence-link",
    ),
    path("evaluations/<int:pk>/evidence/", evidence_views.evidence_library, name="evidence-list"),
    path(
        "evaluations/<int:pk>/evidence/upload/",
        evidence_views.evidence_upload,
        name="evidence-upload",
    ),
    path(
        "evaluations/<int:pk>/evidence/<int:evidence_pk>/delete/",
        evidence_views.evidence_delete,
        name="evidence-delete",
    ),
    path(
        "evaluations/<int:pk>/evidence/<int:evidence_pk>/date/",
        evidence_views.evidence_date,
        name="evidence-date",
    ),
    path(
        "evaluations/<int:pk>/evidence-links/<int:link_pk>/unlink/",
        evidence_views.evidence_unlink,
        name="evidence-unlink",
    ),
    path(
        "evidence/<int:evidence_pk>/download/",
        evidence_views.evidence_download,
        name="evidence-download",
    ),
    path("evaluations/<int:pk>/submit/check/", views.submission_check, name="submission-check"),
    path("evaluations/<int:pk>/submit/", views.submit, name="submit"),
    path(
        "evaluations/<int:pk>/tell-supervisor/",
        views.tell_supervisor,
        name="tell-supervisor",
    ),
    path("evaluations/<int:pk>/return/", views.evaluation_return, name="return"),
]
