from django.urls import path

from evaluations.views import evidence_viewer as views

urlpatterns = [
    path("evidence/<int:evidence_pk>/view/", views.evidence_view, name="evidence-view"),
]
