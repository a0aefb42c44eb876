from django.urls import path

from evaluations.views import calibration as views

urlpatterns = [
    path("periods/<int:pk>/calibration/", views.calibration, name="calibration"),
    path(
        "periods/<int:pk>/calibration/items/<int:item_pk>/assign/",
        views.calibration_assign,
        name="calibration-assign",
    ),
    path("assessor/second/", views.second_assessment_list, name="second-assessment-list"),
    path("assessor/second/<int:pk>/", views.second_assessment_score, name="second-assessment"),
    path(
        "assessor/second/<int:pk>/indicators/<int:indicator_pk>/<int:entry>/",
        views.second_level_save,
        name="second-level-save",
    ),
    path("calibration/consensus/", views.consensus_list, name="consensus-list"),
    path("calibration/consensus/<int:pk>/", views.consensus_detail, name="consensus-detail"),
    path(
        "calibration/consensus/<int:pk>/indicators/<int:indicator_pk>/<int:entry>/",
        views.consensus_decide,
        name="consensus-decide",
    ),
]
