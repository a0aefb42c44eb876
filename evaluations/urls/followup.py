from django.urls import path

from evaluations.views import followup as views
from evaluations.views import followup_dashboard

urlpatterns = [
    path(
        "ministry/follow-up/",
        followup_dashboard.follow_up_dashboard,
        name="follow-up-dashboard",
    ),
    path(
        "ministry/follow-up/export/",
        followup_dashboard.follow_up_export,
        name="follow-up-export",
    ),
    path("follow-up/", views.follow_up_list, name="follow-up-list"),
    path("follow-up/<int:pk>/", views.follow_up_detail, name="follow-up-detail"),
    path("follow-up/<int:pk>/assign/", views.follow_up_assign, name="follow-up-assign"),
    path(
        "follow-up/<int:pk>/evidence/upload/",
        views.follow_up_evidence_upload,
        name="follow-up-evidence-upload",
    ),
    path(
        "follow-up/<int:pk>/evidence/link/",
        views.follow_up_evidence_link,
        name="follow-up-evidence-link",
    ),
    path(
        "follow-up/<int:pk>/evidence/<int:link_pk>/unlink/",
        views.follow_up_evidence_unlink,
        name="follow-up-evidence-unlink",
    ),
    path(
        "evaluations/<int:pk>/indicators/<int:indicator_pk>/follow-up-evidence/<int:link_pk>/use/",
        views.follow_up_evidence_use,
        name="follow-up-evidence-use",
    ),
]
