from django.urls import path

from evaluations.views import periods as views

urlpatterns = [
    path("periods/", views.period_list, name="period-list"),
    path("periods/new/", views.period_open, name="period-open"),
    path("periods/<int:pk>/", views.period_detail, name="period-detail"),
    path("periods/<int:pk>/participants/add/", views.participant_add, name="period-add"),
    path(
        "periods/<int:pk>/participants/withdraw/",
        views.participant_withdraw,
        name="period-withdraw",
    ),
]
