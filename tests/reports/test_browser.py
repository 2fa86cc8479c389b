"""The reports page in a real browser (headless Chromium against the live server, through the
shared `page` fixture), checked with axe-core for WCAG 2.1 A/AA, at desktop width and at 320 px."""

import importlib.resources

import pytest
from playwright.sync_api import expect

from consent.demo.operations import DEMO_PASSWORD
from tests.browser.menu import menu_link
from tests.support import PERSONAS, second_factor_code

pytestmark = pytest.mark.browser

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_SOURCE = (
    importlib.resources.files("axe_playwright_python").joinpath("axe.min.js").read_text("utf-8")
)
AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map(n => n.target.join(' ')),
  }));
}"""


def axe_violations(page) -> list[str]:
    page.add_script_tag(content=AXE_SOURCE)
    return [
        f"{v['id']} [{v['impact']}] {v['help']}: {', '.join(v['targets'])}"
        for v in page.evaluate(AXE_RUN, AXE_TAGS)
    ]


def test_the_reports_page_reads_well_and_passes_axe(app, page):
    page.goto("/signin")
    page.get_by_label("Email", exact=True).fill(PERSONAS["lee"])
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    code = second_factor_code(app, PERSONAS["lee"])
    page.get_by_label("Code", exact=True).fill(code)
    page.get_by_role("button", name="Continue").click()
    menu_link(page, "District reports").click()

    heading = page.get_by_role("heading", level=1, name="Reports: opt-out requests")
    expect(heading).to_be_visible()
    chart = page.get_by_role("figure", name="Open requests by status")
    expect(chart.locator("svg")).to_be_visible()
    # Screen readers get the chart's figures as a table with a caption.
    expect(page.get_by_role("table", name="Open requests by status").first).to_be_attached()
    download = page.get_by_role("link", name="Download “Open requests by school” as CSV")
    expect(download).to_be_visible()
    problems = axe_violations(page)

    page.set_viewport_size({"width": 320, "height": 800})
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    problems += axe_violations(page)
    assert not problems, "axe found WCAG 2.1 A/AA violations:\n" + "\n".join(problems)
    assert width <= 320, f"the page scrolls sideways at 320 px ({width} px wide)"
