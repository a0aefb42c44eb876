from django.urls import path

from evaluations.views import agenda, clarification

urlpatterns = [
    path(
        "assessment/<int:pk>/agenda/<int:indicator_pk>/",
        agenda.agenda_mark,
        name="agenda-mark",
    ),
    path("evaluations/<int:pk>/provisional/", clarification.provisional_result, name="provisional"),
    path(
        "evaluations/<int:pk>/provisional/<int:indicator_pk>/<int:entry>/",
        clarification.response_save,
        name="response-save",
    ),
    path("assessment/<int:pk>/responses/", clarification.responses_list, name="responses"),
    path(
        "assessment/<int:pk>/responses/<int:response_pk>/",
        clarification.response_decide,
        name="response-decide",
    ),
]
