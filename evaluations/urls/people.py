from django.urls import path

from evaluations.views import people as views

urlpatterns = [
    path("people/", views.person_list, name="person-list"),
    path("people/invite/", views.person_invite, name="person-invite"),
    path("people/import/", views.person_import, name="person-import"),
    path("people/<int:pk>/resend/", views.person_resend, name="person-resend"),
    path("people/<int:pk>/deactivate/", views.person_deactivate, name="person-deactivate"),
]
