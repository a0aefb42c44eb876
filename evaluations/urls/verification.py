from django.urls import path

from evaluations.views import verification as views

urlpatterns = [
    # Public: the address printed under every official document's QR code.
    path("verifikasi/<str:number>/", views.document_verify, name="document-verify"),
]
