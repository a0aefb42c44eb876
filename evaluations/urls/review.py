from django.urls import path

from evaluations.views import review as views

urlpatterns = [
    path("assessment/<int:pk>/ministry-review/", views.ministry_review, name="ministry-review"),
    path(
        "assessment/<int:pk>/ministry-review/<int:indicator_pk>/<int:entry>/",
        views.ministry_review_verdict,
        name="ministry-review-verdict",
    ),
    path(
        "assessment/<int:pk>/ministry-review/complete/",
        views.ministry_review_complete,
        name="ministry-review-complete",
    ),
]
