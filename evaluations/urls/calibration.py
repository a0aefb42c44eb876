from django.urls import path

from evaluations.views import calibration as views

urlpatterns = [
    path("periods/<int:pk>/calibration/", views.calibration, name="calibration"),
]
