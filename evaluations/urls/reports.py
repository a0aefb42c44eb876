from django.urls import path

from evaluations.views import reports as views

urlpatterns = [
    path("evaluations/<int:pk>/reports/", views.report_list, name="report-list"),
    path(
        "evaluations/<int:pk>/reports/<str:kind>/request/",
        views.report_request,
        name="report-request",
    ),
    path("reports/<int:pk>/", views.report_detail, name="report-detail"),
    path("reports/<int:pk>/status/", views.report_status, name="report-status"),
    path("reports/<int:pk>/download/", views.report_download, name="report-download"),
    path(
        "periods/<int:pk>/reports/national/request/",
        views.national_report_request,
        name="national-report-request",
    ),
    path("periods/<int:pk>/reports/", views.period_reports, name="period-reports"),
    path(
        "periods/<int:pk>/reports/progress/",
        views.period_reports_progress_view,
        name="period-reports-progress",
    ),
    path(
        "periods/<int:pk>/reports/generate/",
        views.period_reports_generate,
        name="period-reports-generate",
    ),
    path(
        "periods/<int:pk>/reports/archive/",
        views.period_reports_archive,
        name="period-reports-archive",
    ),
]
