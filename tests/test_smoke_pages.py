"""Every start page renders for its persona (a quick guard before the detailed tests)."""

import pytest


@pytest.mark.parametrize(
    ("persona", "url", "expect"),
    [
        ("maria", "/children", "Mateo Garcia"),
        ("maria", "/rights", "99.10"),
        ("johnson", "/tasks", "Ava Chen"),
        ("johnson", "/sections", "Grade 4 - Room 12"),
        ("brooks", "/requests", "Ava Chen"),
        ("lee", "/requests", "Mateo Garcia"),
        ("maria", "/inbox", "Messages"),
    ],
)
def test_start_pages_render(as_, persona, url, expect):
    response = as_(persona).get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert expect in response.get_data(as_text=True)
