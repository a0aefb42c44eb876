from django.urls import path

from evaluations.views import submission as views

urlpatterns = [
    path("evaluations/<int:pk>/submitted/", views.submission_done, name="submission-done"),
]
