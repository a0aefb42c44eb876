"""Guidance in forms and long pages: the extension form's institution picker can be
narrowed by typing, dates are typed as dd-mm-yyyy and shown that way, and the long
scoring page and the indicator list have a jump list."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from evaluations.models import AuditEvent, Extension
from evaluations.wib import WIB
from tests.conftest import logged_in

from . import assessment_helpers as ah
from .selfeval_helpers import small_framework

pytestmark = pytest.mark.django_db


def test_extension_picker_is_marked_for_filtering_with_names_and_codes(
    client, admin_user, evaluation
):
    url = reverse("evaluations:extension-grant") + f"?period={evaluation.period.pk}"
    html = logged_in(client, admin_user).get(url).content.decode()
    assert "data-filter" in html and "select_filter.js" in html
    inst = evaluation.institution
    assert f"{inst.name} ({inst.code})" in html


def test_extension_deadline_typed_as_dd_mm_yyyy(client, admin_user, evaluation):
    period = evaluation.period
    new = (period.deadline + dt.timedelta(days=3)).astimezone(WIB)
    response = logged_in(client, admin_user).post(
        reverse("evaluations:extension-grant") + f"?period={period.pk}",
        {
            "institution": evaluation.institution_id,
            "new_deadline": new.strftime("%d-%m-%Y %H:%M"),
            "reason": "Banjir",
        },
    )
    assert response.status_code == 302
    saved = Extension.objects.get().new_deadline.astimezone(WIB)
    assert saved.strftime("%d-%m-%Y %H:%M") == new.strftime("%d-%m-%Y %H:%M")
    # The list shows it the same way, with the zone.
    html = client.get(reverse("evaluations:extension-list"), {"period": period.pk})
    assert new.strftime("%d-%m-%Y %H:%M") + " WIB" in html.content.decode()


def test_audit_filter_takes_dd_mm_yyyy(client, admin_user):
    AuditEvent.objects.create(action=AuditEvent.Action.STATUS, note="lama", at=timezone.now())
    logged_in(client, admin_user)
    url = reverse("evaluations:audit-log")
    today = dt.datetime.now(WIB)
    future = (today + dt.timedelta(days=2)).strftime("%d-%m-%Y")
    assert "lama" not in client.get(url, {"date_from": future}).content.decode()
    assert "lama" in client.get(url, {"date_to": future}).content.decode()


def test_indicator_list_has_a_jump_list(client, evaluation, operator):
    indicators = small_framework(evaluation.period, multi=False)
    html = logged_in(client, operator).get(reverse("evaluations:institution-dashboard"))
    html = html.content.decode()
    assert "Jump to an indicator" in html
    for ind in indicators:
        assert f'href="#indicator-{ind.number}"' in html and f'id="indicator-{ind.number}"' in html


def test_scoring_page_has_a_jump_list(client, evaluation, assessor, period):
    indicators = ah.small_framework(period.framework)
    ah.submit(evaluation, indicators=indicators)
    html = logged_in(client, assessor).get(
        reverse("evaluations:assessment-score", kwargs={"pk": evaluation.pk})
    )
    html = html.content.decode()
    assert "Jump to an indicator" in html
    for ind in indicators:
        assert f'href="#ind-{ind.number}-1"' in html and f'id="ind-{ind.number}-1"' in html
