from django.urls import path

from evaluations.views import assessment as views

urlpatterns = [
    path("assessor/", views.assessor_queue, name="assessor-queue"),
    path("coordinator/", views.coordinator_dashboard, name="coordinator-dashboard"),
]
