from django.urls import path

from evaluations.views import followup as views

urlpatterns = [
    path("follow-up/", views.follow_up_list, name="follow-up-list"),
    path("follow-up/<int:pk>/", views.follow_up_detail, name="follow-up-detail"),
    path("follow-up/<int:pk>/assign/", views.follow_up_assign, name="follow-up-assign"),
    path(
        "evaluations/<int:pk>/indicators/<int:indicator_pk>/follow-up/",
        views.indicator_follow_ups,
        name="indicator-follow-ups",
    ),
]
