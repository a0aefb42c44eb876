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
    path(
        "assessment/<int:pk>/ministry-review/texts/",
        views.ministry_review_texts,
        name="ministry-review-texts",
    ),
    path("periods/<int:period_pk>/review-scope/", views.review_scope, name="review-scope"),
    path("assessment/<int:pk>/texts/", views.assessment_texts, name="assessment-texts"),
    path(
        "assessment/<int:pk>/texts/draft/",
        views.assessment_texts_draft,
        name="assessment-texts-draft",
    ),
    path(
        "assessment/<int:pk>/texts/hand-in/",
        views.assessment_texts_hand_in,
        name="assessment-texts-hand-in",
    ),
]
