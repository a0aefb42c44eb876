from django.urls import path

from evaluations.views import agenda

urlpatterns = [
    path(
        "assessment/<int:pk>/agenda/<int:indicator_pk>/",
        agenda.agenda_mark,
        name="agenda-mark",
    ),
]
