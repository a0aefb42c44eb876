"""The evaluations URLConf: one list per area, all under the `evaluations` namespace."""

from . import assessment, evidence, monitoring, reports, selfeval

app_name = "evaluations"

urlpatterns = (
    selfeval.urlpatterns
    + evidence.urlpatterns
    + assessment.urlpatterns
    + reports.urlpatterns
    + monitoring.urlpatterns
)
