from django.urls import path

from evaluations.views import monitoring as views

urlpatterns = [
    path("ministry/", views.admin_dashboard, name="admin-dashboard"),
    path("university/monitoring/", views.university_monitoring, name="university-monitoring"),
    path("monitoring/heatmap/", views.heatmap, name="monitoring-heatmap"),
    path("monitoring/reminders/send/", views.reminder_send, name="reminder-send"),
    path("monitoring/extensions/", views.extension_list, name="extension-list"),
    path("monitoring/extensions/grant/", views.extension_grant, name="extension-grant"),
    path("monitoring/extensions/<int:pk>/revoke/", views.extension_revoke, name="extension-revoke"),
    path("monitoring/exports/", views.export_list, name="export-list"),
    path("monitoring/exports/new/", views.export_create, name="export-create"),
    path("monitoring/exports/progress/", views.export_progress, name="export-progress"),
    path("monitoring/exports/<int:pk>/", views.export_status, name="export-status"),
    path("monitoring/exports/<int:pk>/download/", views.export_download, name="export-download"),
    path("monitoring/audit/", views.audit_log, name="audit-log"),
]
