from django.urls import path

from evaluations.views import assessment as views
from evaluations.views import assignment as assignment_views

urlpatterns = [
    # Assessor
    path("assessor/", views.assessor_queue, name="assessor-queue"),
    path("assessment/<int:pk>/", views.assessment_score, name="assessment-score"),
    path(
        "assessment/<int:pk>/indicators/<int:indicator_pk>/<int:entry>/",
        views.assessment_answer_save,
        name="assessment-answer-save",
    ),
    path(
        "assessment/<int:pk>/aspects/<int:aspect_pk>/",
        views.assessment_aspect_save,
        name="assessment-aspect-save",
    ),
    path("assessment/<int:pk>/clarification/", views.assessment_clarify, name="assessment-clarify"),
    path("assessment/<int:pk>/complete/", views.assessment_complete, name="assessment-complete"),
    # Coordinator
    path("coordinator/", assignment_views.coordinator_dashboard, name="coordinator-dashboard"),
    path(
        "coordinator/periods/<int:period_pk>/assign/",
        assignment_views.assessor_assign,
        name="assessor-assign",
    ),
    path(
        "coordinator/periods/<int:period_pk>/auto/",
        assignment_views.assessor_auto_assign,
        name="assessor-auto-assign",
    ),
    path(
        "coordinator/periods/<int:period_pk>/undo/",
        assignment_views.assessor_auto_undo,
        name="assessor-auto-undo",
    ),
    path("assessment/<int:pk>/review/", views.assessment_review, name="assessment-review"),
    path("assessment/<int:pk>/approve/", views.assessment_approve, name="assessment-approve"),
    path("assessment/<int:pk>/send-back/", views.assessment_send_back, name="assessment-send-back"),
    # Ministry admin
    path("assessment/assignment/", assignment_views.assignment_home, name="assignment-home"),
    path(
        "assessment/periods/<int:period_pk>/universities/",
        assignment_views.assignment_universities,
        name="assignment-universities",
    ),
    path(
        "assessment/periods/<int:period_pk>/universities/set/",
        assignment_views.assignment_university_set,
        name="assignment-university-set",
    ),
    path(
        "assessment/periods/<int:period_pk>/universities/auto/",
        assignment_views.assignment_university_auto,
        name="assignment-university-auto",
    ),
    path(
        "assessment/periods/<int:period_pk>/universities/undo/",
        assignment_views.assignment_university_undo,
        name="assignment-university-undo",
    ),
    path(
        "assessment/periods/<int:period_pk>/universities/csv/",
        assignment_views.assignment_university_csv,
        name="assignment-university-csv",
    ),
    path(
        "assessment/periods/<int:period_pk>/release/",
        views.results_release,
        name="results-release",
    ),
    path(
        "assessment/periods/<int:period_pk>/national/",
        views.results_national,
        name="results-national",
    ),
    # Institution
    path("results/", views.result_list, name="result-list"),
    path("evaluations/<int:pk>/result/", views.result_detail, name="result"),
]
