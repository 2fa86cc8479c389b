"""The main menu as a person uses it: a link in one of the privacy office's folded groups is
reached by opening its group first."""

from playwright.sync_api import Locator, Page


def menu_link(page: Page, name: str, *, exact: bool = True) -> Locator:
    """The main menu's link called `name`, its group opened if it sits in a closed one."""
    nav = page.get_by_role("navigation", name="Main")
    folded = nav.locator("details:not([open])").filter(
        has=page.get_by_role("link", name=name, exact=exact, include_hidden=True)
    )
    if folded.count():
        folded.locator("summary").click()
    return nav.get_by_role("link", name=name, exact=exact)
