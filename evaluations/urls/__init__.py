"""The evaluations URLConf: one list per area, all under the `evaluations` namespace."""

from . import (
    analytics,
    assessment,
    calibration,
    evidence,
    followup,
    interviews,
    monitoring,
    people,
    periods,
    reports,
    review,
    selfeval,
    stages,
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
    + followup.urlpatterns
    + calibration.urlpatterns
    + analytics.urlpatterns
    + stages.urlpatterns
    + interviews.urlpatterns
    + review.urlpatterns
    + submission.urlpatterns
    + verification.urlpatterns
)
