from django.urls import path

from evaluations.views import monitoring as views

urlpatterns = [
    path("ministry/", views.admin_dashboard, name="admin-dashboard"),
]
