"""The main menu as a person uses it: a link in one of the privacy office's folded groups is
reached by opening its group first."""

from playwright.sync_api import Locator, Page


def menu_link(page: Page, name: str, *, exact: bool = True) -> Locator:
    """The main menu's link called `name`, its group opened if it sits in a closed one."""
    nav = page.get_by_role("navigation", name="Main")
    # Called right after a click that navigates (signing in), the menu may still be the last
    # page's: wait for the link to be in it, folded or not, before asking where it sits (a
    # folded group counted on the old page left the link hidden: a timeout on PostgreSQL).
    nav.get_by_role("link", name=name, exact=exact, include_hidden=True).first.wait_for(
        state="attached"
    )
    folded = nav.locator("details:not([open])").filter(
        has=page.get_by_role("link", name=name, exact=exact, include_hidden=True)
    )
    if folded.count():
        folded.locator("summary").click()
    return nav.get_by_role("link", name=name, exact=exact)
