"""The evaluations URLConf: one list per area, all under the `evaluations` namespace."""

from . import (
    assessment,
    evidence,
    monitoring,
    people,
    periods,
    reports,
    selfeval,
    submission,
    verification,
)

app_name = "evaluations"

urlpatterns = (
    selfeval.urlpatterns
    + evidence.urlpatterns
    + assessment.urlpatterns
    + reports.urlpatterns
    + monitoring.urlpatterns
    + periods.urlpatterns
    + people.urlpatterns
    + submission.urlpatterns
    + verification.urlpatterns
)
