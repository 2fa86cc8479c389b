"""Every role's main pages on a phone (320 px) and a desktop (1280 px): nothing reachable only by
scrolling the page sideways, each table's status column on screen, report charts readable, the
privacy office's grouped menu worked by keyboard, and axe-core clean at both widths (issue 15)."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_journey import Axe, _context, sign_in

pytestmark = pytest.mark.browser

WIDTHS = (320, 1280)
# The columns a person looks for first: where the request stands and when it is due.
STATUS_HEADERS = re.compile(
    r"^(Status|State|Outcome|Answer|Your task|Request|Plan due|Due|Filed|Decided)$"
)
MIN_CHART_TEXT_PX = 11

MENU_HREFS = """() => [...document.querySelectorAll('nav[aria-label="Main"] a[href]')]
  .map(a => a.getAttribute('href'))"""

# For each table outside a chart: the cells of its status columns that lie outside the viewport.
STATUS_CELLS_OFF_SCREEN = """(headers) => {
  const pattern = new RegExp(headers);
  const off = [];
  for (const table of document.querySelectorAll('main table:not(.chart-data)')) {
    const heads = [...table.querySelectorAll('thead th')].map(th => th.textContent.trim());
    heads.forEach((text, index) => {
      if (!pattern.test(text)) return;
      for (const row of table.querySelectorAll('tbody tr')) {
        const cell = row.children[index];
        if (!cell || !cell.textContent.trim()) continue;  // an empty cell has nothing to show
        const box = cell.getBoundingClientRect();
        if (box.width === 0 || box.left < 0 || box.right > window.innerWidth + 0.5) {
          const where = `${Math.round(box.left)}-${Math.round(box.right)}`;
          off.push(`${text}: ${cell.textContent.trim().slice(0, 40)} (${where})`);
        }
      }
    });
  }
  return off;
}"""

# Each chart text's size as drawn: its font size times the SVG's scale, and whether it fits.
CHART_TEXTS = """() => [...document.querySelectorAll('svg.chart-svg text')].map(t => {
  const svg = t.ownerSVGElement.getBoundingClientRect();
  const box = t.getBoundingClientRect();
  return {
    text: t.textContent, px: parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a,
    inside: box.left >= svg.left - 0.5 && box.right <= svg.right + 0.5,
  };
})"""


def _pages(page: Page, extra: tuple[str, ...]) -> list[str]:
    """The role's own menu (every link, folded or not) and a few pages one level down."""
    hrefs = [h for h in page.evaluate(MENU_HREFS) if h.startswith("/")]
    return list(dict.fromkeys([*hrefs, *extra]))


def _check_width(chromium, live_server, persona: str, extra: tuple[str, ...], width: int) -> None:  # noqa: F811
    wide, hidden, axe = {}, {}, Axe()
    context = _context(chromium, live_server, viewport={"width": width, "height": 800})
    try:
        page = context.new_page()
        sign_in(page, persona)
        for path in _pages(page, extra):
            page.goto(path)
            page.wait_for_load_state()
            scroll = page.evaluate("document.scrollingElement.scrollWidth")
            inner = page.evaluate("window.innerWidth")
            if scroll > inner:
                wide[path] = scroll
            off = page.evaluate(STATUS_CELLS_OFF_SCREEN, STATUS_HEADERS.pattern)
            if off:
                hidden[path] = off[:3]
            axe.check(page, f"{persona} at {width} px")
    finally:
        context.close()
    assert not wide, f"pages scroll sideways at {width} px (scrollWidth > innerWidth): {wide}"
    assert not hidden, f"status columns off-screen at {width} px: {hidden}"
    axe.assert_clean()


# Each role at each width is a test of its own, so the workers share the office's long sweep.
@pytest.mark.long
@pytest.mark.parametrize("width", WIDTHS)
def test_guardian_pages_fit_a_phone(chromium, live_server, demo, width):  # noqa: F811
    sofia = demo.students["sofia"]
    _check_width(
        chromium,
        live_server,
        "maria",
        (
            f"/students/{sofia}",
            f"/requests/{demo.optouts['confirmed']}",
            f"/students/{sofia}/optouts/new?tool={demo.tools['seesaw']}",
        ),
        width,
    )


@pytest.mark.long
@pytest.mark.parametrize("width", WIDTHS)
def test_teacher_pages_fit_a_phone(chromium, live_server, demo, width):  # noqa: F811
    _check_width(chromium, live_server, "johnson", (f"/requests/{demo.optouts['planned']}",), width)


@pytest.mark.long
@pytest.mark.parametrize("width", WIDTHS)
def test_principal_pages_fit_a_phone(chromium, live_server, demo, width):  # noqa: F811
    _check_width(chromium, live_server, "brooks", (f"/requests/{demo.optouts['planned']}",), width)


@pytest.mark.long
@pytest.mark.parametrize("width", WIDTHS)
def test_privacy_office_pages_fit_a_phone(chromium, live_server, demo, width):  # noqa: F811
    _check_width(
        chromium,
        live_server,
        "lee",
        (
            "/reports/overdue",
            "/reports/tools",
            "/reports/consent-forms",
            f"/students/{demo.students['sofia']}",
        ),
        width,
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_report_charts_stay_readable(chromium, live_server, width):  # noqa: F811
    context = _context(chromium, live_server, viewport={"width": width, "height": 800})
    try:
        page = context.new_page()
        sign_in(page, "lee")
        small, clipped, seen = [], [], 0
        for path in ("/reports/requests", "/reports/tools", "/reports/consent-forms"):
            page.goto(path)
            for text in page.evaluate(CHART_TEXTS):
                seen += 1
                if text["px"] < MIN_CHART_TEXT_PX:
                    small.append(f"{path}: {text['text']!r} at {text['px']:.1f} px")
                if not text["inside"]:
                    clipped.append(f"{path}: {text['text']!r}")
        assert seen, "no chart text found"
        assert not small, f"chart text drawn smaller than {MIN_CHART_TEXT_PX} px: {small[:5]}"
        assert not clipped, f"chart text runs outside its chart: {clipped[:5]}"
    finally:
        context.close()


def _tab_to(page: Page, name: str, limit: int = 60) -> None:
    """Press Tab until the focused element is called `name`, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.textContent.trim()")
        if focused == name:
            return
    raise AssertionError(f"Tab never reached {name!r}")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_office_menu_is_grouped_and_works_by_keyboard(chromium, live_server, width):  # noqa: F811
    context = _context(chromium, live_server, viewport={"width": width, "height": 800})
    try:
        page = context.new_page()
        sign_in(page, "lee")
        nav = page.get_by_role("navigation", name="Main")
        # Folded into groups: a handful of entries on the first screen, not 16 links.
        shown = nav.locator("a:visible, summary:visible, button:visible")
        assert shown.count() <= 9, f"{shown.count()} menu entries shown before opening a group"
        tools = nav.locator("summary", has_text="Tools")
        expect(tools).to_be_visible()
        expect(nav.get_by_role("link", name="Tool uses")).to_be_hidden()

        _tab_to(page, "Tools")
        page.keyboard.press("Enter")
        expect(tools.locator("xpath=..")).to_have_attribute("open", "")
        link = nav.get_by_role("link", name="Tool uses")
        expect(link).to_be_visible()
        _tab_to(page, "Tool uses")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).not_to_have_text("Opt-out requests")

        # Screen readers hear each group as a button that says whether it is open.
        page.goto("/requests")
        axe = Axe()
        nav.locator("summary", has_text="Settings").click()
        axe.check(page, f"office menu open at {width} px")
        axe.assert_clean()
    finally:
        context.close()


@pytest.mark.parametrize("persona", ["maria", "johnson", "brooks"])
def test_other_roles_keep_a_short_menu(chromium, live_server, persona):  # noqa: F811
    context = _context(chromium, live_server, viewport={"width": 320, "height": 800})
    try:
        page = context.new_page()
        sign_in(page, persona)
        page.wait_for_load_state("load")  # measured with the stylesheet applied
        nav = page.get_by_role("navigation", name="Main")
        expect(nav.locator("summary")).to_have_count(0)
        # The whole menu fits in the top quarter of a phone's first screen.
        box = nav.bounding_box()
        assert box["y"] + box["height"] <= 0.4 * 800, box
    finally:
        context.close()
