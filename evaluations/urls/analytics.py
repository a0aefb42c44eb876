from django.urls import path

from evaluations.views import analytics as views

urlpatterns = [
    path("ministry/analytics/gap/", views.analytics_gap, name="analytics-gap"),
    path("ministry/analytics/trend/", views.analytics_trend, name="analytics-trend"),
]
