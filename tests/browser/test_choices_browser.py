"""In a real browser: the opt-out form offers the choices that fit the part of the tool picked,
and changes them when the part changes, from a static script (no inline script); axe-core finds
nothing on the form (issue 15)."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_journey import Axe, heading, sign_in

pytestmark = pytest.mark.browser

CAMERA_OFF = "Camera off"
NO_RECORDING = "No recording while my child is present"
AUDIO_ONLY = "Join by audio only"
ALTERNATIVE = "Alternative activity"
ALL = [CAMERA_OFF, AUDIO_ONLY, NO_RECORDING, ALTERNATIVE]  # grouped: video, recording, any


def offered(page: Page) -> list[str]:  # noqa: F811
    group = page.get_by_role("group", name="What should happen instead")
    return [
        radio.get_attribute("value")
        for radio in group.get_by_role("radio").all()
        if radio.is_visible() and radio.is_enabled()
    ]


def test_the_choices_follow_the_part_of_the_tool(page: Page):  # noqa: F811
    axe = Axe()
    sign_in(page, "james")
    page.get_by_role("link", name="My children").click()
    page.get_by_role("link", name="Ava Chen").first.click()
    page.get_by_role("link", name="Opt out of Zoom").click()
    expect(heading(page, "Opt Ava out of Zoom")).to_be_visible()
    part = page.get_by_label("What to opt out of")
    assert offered(page) == ALL  # all of Zoom
    axe.check(page, "opt-out form, all of the tool")

    part.select_option(label="Camera (video)")
    expect(page.get_by_label(NO_RECORDING)).to_be_hidden()
    assert offered(page) == [CAMERA_OFF, AUDIO_ONLY, ALTERNATIVE]
    page.get_by_label(CAMERA_OFF).check()

    part.select_option(label="Recording")
    expect(page.get_by_label(NO_RECORDING)).to_be_visible()
    assert offered(page) == [NO_RECORDING, ALTERNATIVE]
    # A choice that no longer fits is not kept.
    assert page.get_by_role("radio", checked=True).count() == 0
    axe.check(page, "opt-out form, one part")

    part.select_option(label="Chat")
    assert offered(page) == [ALTERNATIVE]
    page.get_by_label(ALTERNATIVE).check()
    page.get_by_role("button", name="Review my request").click()
    expect(heading(page, "Check your request before you send it")).to_be_visible()
    axe.assert_clean()
