"""The monitoring dashboard in headless Chromium: counts, the list, a filter, and the
htmx refresh picking up a submission made in the database meanwhile."""

import pytest
from django.utils import timezone

from evaluations.models import Evaluation
from tests import factories as f
from tests.browser import page_as


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dashboard_counts_filter_and_htmx_refresh(live_server, browser, settings):
    settings.MONITORING_POLL_SECONDS = 1
    period = f.EvaluationPeriodFactory()
    aspect = f.AspectFactory(domain=f.DomainFactory(framework=period.framework))
    for n in range(1, 5):
        f.IndicatorFactory(aspect=aspect, framework=period.framework, number=n)
    alpha = f.EvaluationFactory(
        period=period,
        institution=f.InstitutionFactory(name="Kota Alpha"),
        status=Evaluation.Status.IN_PROGRESS,
        answered_count=4,
    )
    f.EvaluationFactory(period=period, institution=f.InstitutionFactory(name="Kota Beta"))
    f.EvaluationFactory(period=period, institution=f.MinistryFactory(name="Kementerian Gamma"))
    admin = f.UserFactory(username="admin", role="admin", is_staff=True)

    page = page_as(browser, live_server, admin)
    page.goto(f"{live_server.url}/ministry/?period={period.pk}")

    submitted = page.locator("[data-testid=submitted-count]")
    assert submitted.inner_text().startswith("0")
    assert page.locator('[data-status-count="not_started"]').inner_text() == "2"
    assert page.locator('[data-status-count="in_progress"]').inner_text() == "1"
    rows = page.locator("#monitoring-list tbody tr")
    assert rows.count() == 3
    assert "Kementerian Gamma" in page.locator("#monitoring-list").inner_text()

    # Filter: only cities.
    page.select_option("#f-kind", "kota")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**kind=kota**")
    assert page.locator("#monitoring-list tbody tr").count() == 2
    assert "Kementerian Gamma" not in page.locator("#monitoring-list").inner_text()

    # A submission happens elsewhere; the polled summary and list pick it up
    # without a page load (the marker set on this window survives).
    page.evaluate("window.__notReloaded = true")
    Evaluation.objects.filter(pk=alpha.pk).update(
        status=Evaluation.Status.SUBMITTED, submitted_at=timezone.now(), submitted_by=admin
    )
    page.wait_for_function(
        "document.querySelector('[data-testid=submitted-count]').innerText.startsWith('1')",
        timeout=10_000,
    )
    assert page.locator('[data-status-count="submitted"]').inner_text() == "1"
    page.wait_for_function(
        "document.querySelector('#monitoring-list tr[data-institution] .mon-badge')"
        ".innerText.includes('Submitted')",
        timeout=10_000,
    )
    assert page.evaluate("window.__notReloaded === true")
