"""Every page of every role, in Indonesian and in English, has no serious accessibility fault.

The pages are the phone-width check's (tests/test_phone_width.py): the permission
matrix's world, each role's site crawled from its home, one URL per view. Each page is
opened in Chromium at 1366 px with the vendored axe-core injected, and axe's WCAG 2.1 A
and AA rules run on it; a violation of impact "critical" or "serious" fails the test,
listed by rule, role, language, page and element.

AXE_TALLY=<file> writes the tally by role and rule (pages, elements) to that file;
AXE_TAGS=wcag2a,...,best-practice widens the rules run (only critical and serious fail).
"""

import os
from collections import defaultdict
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from evaluations.models import Evaluation
from tests.auth_helpers import force_login
from tests.test_permissions import cast as cast
from tests.test_phone_width import ROLES, role_pages, signed_in_context, state_pages, world

pytestmark = pytest.mark.browser

AXE = Path(settings.BASE_DIR) / "static" / "vendor" / "axe-core" / "axe.min.js"
LANGUAGES = ("id", "en")
TAGS = os.environ.get("AXE_TAGS", "wcag2a,wcag2aa,wcag21a,wcag21aa").split(",")
BLOCKING = {"critical", "serious"}
TALLY = os.environ.get("AXE_TALLY")

RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => n.target.join(" ")),
  }));
}"""


def _tally(found: dict) -> list[str]:
    """found[(role, language, view, rule)] = (impact, elements) -> lines by role and rule."""
    by_rule: dict[tuple[str, str, str], list] = defaultdict(lambda: [0, 0])
    for (role, _language, _name, rule), (impact, nodes) in found.items():
        by_rule[(role, rule, impact)][0] += 1
        by_rule[(role, rule, impact)][1] += len(nodes)
    lines = []
    for (role, rule, impact), (pages, elements) in sorted(by_rule.items()):
        lines.append(f"{role:<12} {rule:<32} {impact:<9} pages={pages:<4} elements={elements}")
    return lines


def _scan(browser, live_server, client, urls: dict, role: str, found: dict, languages) -> int:
    """Run axe on `urls` (page -> URL, or (URL, a selector the page must show)) as
    `client`, in each of `languages`; record the findings."""
    checked = 0
    for language in languages:
        # axe is injected as an inline script, which the portal's CSP would refuse.
        context = signed_in_context(
            browser, live_server, client, width=1366, language=language, bypass_csp=True
        )
        context.add_init_script(path=AXE)
        page = context.new_page()
        for name, target in sorted(urls.items()):
            url, must_show = target if isinstance(target, tuple) else (target, None)
            page.goto(live_server.url + url)
            if must_show:
                assert page.locator(must_show).count(), f"{name}: no {must_show}"
            checked += 1
            for violation in page.evaluate(RUN_AXE, TAGS):
                key = (role, language, name, violation["id"])
                found[key] = (violation["impact"] or "", violation["nodes"])
        context.close()
    return checked


# One test per language, so that the test runner's workers share them.
@pytest.mark.parametrize("language", LANGUAGES)
def test_no_page_of_any_role_has_a_serious_accessibility_fault(
    live_server, browser, transactional_db, cast, language
):
    world(cast)
    found: dict[tuple[str, str, str, str], tuple[str, list[str]]] = {}
    checked = 0
    clients, pages_of = {}, {}
    for role in ROLES:
        clients[role] = force_login(Client(), getattr(cast, role))
        pages_of[role] = role_pages(clients[role])
        checked += _scan(
            browser, live_server, clients[role], pages_of[role], role, found, [language]
        )
    for role, change, urls in state_pages(cast, pages_of):
        Evaluation.objects.filter(pk=cast.evaluation.pk).update(**change)
        checked += _scan(browser, live_server, clients[role], urls, role, found, [language])
    tally = [f"{checked} page views checked, {len(found)} (page, rule) violations"]
    tally += _tally(found)
    details = {
        key: f"{key[3]} ({impact}) {key[0]}/{key[1]} {key[2]}: {', '.join(nodes[:5])}"
        for key, (impact, nodes) in sorted(found.items())
    }
    if TALLY:
        Path(TALLY).write_text("\n".join([*tally, "", *details.values()]) + "\n")
    blocking = [details[key] for key, (impact, _nodes) in found.items() if impact in BLOCKING]
    assert checked > 40  # the crawl reached the portal's pages, not only a home page
    assert not blocking, "\n".join([*tally, "", *blocking])
