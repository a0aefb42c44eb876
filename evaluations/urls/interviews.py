from django.urls import path

from evaluations.views import agenda, clarification, meetings, visits

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
    path("evaluations/<int:pk>/meetings/<str:kind>/", meetings.meeting_page, name="meeting"),
    path(
        "evaluations/<int:pk>/meetings/<str:kind>/propose/",
        meetings.meeting_propose,
        name="meeting-propose",
    ),
    path(
        "evaluations/<int:pk>/meetings/<str:kind>/choose/<int:slot_pk>/",
        meetings.meeting_choose,
        name="meeting-choose",
    ),
    path(
        "evaluations/<int:pk>/meetings/<str:kind>/reschedule/",
        meetings.meeting_reschedule,
        name="meeting-reschedule",
    ),
    path(
        "evaluations/<int:pk>/meetings/<str:kind>/record/",
        meetings.meeting_record,
        name="meeting-record",
    ),
    path("periods/<int:period_pk>/visits/", visits.visit_list, name="visit-list"),
    path("evaluations/<int:pk>/visit/select/", visits.visit_select, name="visit-select"),
]
