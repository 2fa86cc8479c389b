"""In a real browser: the privacy office uploads a roster; the import's page waits for the
roster worker, its script (no inline script: the strict CSP allows only our own files) polls the
progress, and the page shows the summary once the worker is done. Each page passes axe-core."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.menu import menu_link
from tests.browser.test_journey import Axe, sign_in
from tests.importing.test_import_end_to_end import GUARDIANS_SET, zipped

pytestmark = pytest.mark.browser


def test_the_import_page_follows_the_worker_by_itself(page: Page, app, demo, tmp_path):  # noqa: F811
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    archive = tmp_path / "district.zip"
    archive.write_bytes(zipped(GUARDIANS_SET))
    axe = Axe()
    sign_in(page, "lee")
    menu_link(page, "Roster import").click()
    page.get_by_label("Roster export (.zip)").set_input_files(archive)
    page.get_by_role("button", name="Upload and import").click()
    expect(page.get_by_role("status")).to_have_text(
        "Queued: waiting for the roster worker to start it."
    )
    axe.check(page, "a queued roster import")

    result = app.test_cli_runner().invoke(args=["roster", "work"])
    assert result.exit_code == 0, result.output

    # No click: the page's script sees the run is done and shows its result.
    expect(page.get_by_text("The roster was imported.")).to_be_visible(timeout=15_000)
    expect(page.get_by_text("students     created 4")).to_be_visible()
    expect(page.get_by_role("heading", name="Summary")).to_be_visible()
    axe.check(page, "a finished roster import")
    axe.assert_clean()
    assert refused == []
