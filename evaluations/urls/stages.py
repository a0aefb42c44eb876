from django.urls import path

from evaluations.views import stages as views

urlpatterns = [
    path("assessment/<int:pk>/stage/<str:stage>/", views.stage_sheet, name="stage-sheet"),
    path(
        "assessment/<int:pk>/stage/<str:stage>/<int:indicator_pk>/<int:entry>/",
        views.stage_answer_save,
        name="stage-answer-save",
    ),
]
