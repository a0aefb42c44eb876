from django.urls import path

from evaluations.views import selfeval as views

urlpatterns = [
    path("institution/", views.institution_dashboard, name="institution-dashboard"),
]
