"""Open redirect (ASVS 1.2 / v4 5.1.5): no hostile `next=` after sign-in sends the browser
off-site. Each Location is resolved the way a browser does (tabs and newlines dropped, "\\" read
as "/") against the page's address, and must stay on this host."""

from urllib.parse import quote, urljoin, urlsplit

import pytest

from tests.accounts.accounts_helpers import DEMO_PASSWORD, PERSONAS, Browser

SITE = "http://consent.test"
HOSTILE = [
    "//evil.example",
    "https://evil.example",
    "/\\evil.example",
    "javascript:alert(document.domain)",
    "JaVaScRiPt:alert(1)",
    "%2F%2Fevil.example",
    "%2f%2fevil.example",
    "/%09/evil.example",
    "/\t/evil.example",
    "///evil.example",
    "\\\\evil.example",
    "http:evil.example",
    "https:evil.example",
    "http:/evil.example",
    "//evil.example@consent.test",
    "https://consent.test@evil.example",
    "/%5C%5Cevil.example",
    "%5C%5Cevil.example",
    "\\/\\/evil.example",
    "/\r\n/evil.example",
    "  https://evil.example",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "//evil%2Eexample",
    "/%2F/evil.example",
    "%252F%252Fevil.example",
    "https%3A%2F%2Fevil.example",
    "/.//evil.example",
    "\u3002evil.example",
    "//evil.example\u3002",
    "ftp://evil.example",
]


def browser_resolves(location: str, page: str = f"{SITE}/signin") -> str:
    """Where a browser goes for this Location header (WHATWG URL parsing, roughly)."""
    cleaned = "".join(ch for ch in location if ch not in "\t\n\r").strip()
    cleaned = cleaned.replace("\\", "/")
    return urljoin(page, cleaned)


def lands_on_site(location: str) -> bool:
    target = urlsplit(browser_resolves(location))
    return target.scheme in {"http", "https"} and target.netloc == "consent.test"


def sign_in_with_next(app, raw: str):
    browser = Browser(app.test_client())
    return browser.post(
        "/signin?next=" + quote(raw, safe=""),
        {"email": PERSONAS["maria"], "password": DEMO_PASSWORD},
        token_from="/signin",
    )


def test_the_checker_would_catch_an_off_site_redirect():
    assert not lands_on_site("//evil.example")
    assert not lands_on_site("/\\evil.example")
    assert not lands_on_site("/\t/evil.example")
    assert not lands_on_site("javascript:alert(1)")
    assert lands_on_site("/children")


def test_zero_hostile_next_values_leave_the_site(app):
    assert len(HOSTILE) >= 12
    escaped = []
    for raw in HOSTILE:
        response = sign_in_with_next(app, raw)
        assert response.status_code == 302, raw
        location = response.headers["Location"]
        if not lands_on_site(location):
            escaped.append((raw, location))
    assert escaped == []


@pytest.mark.parametrize("raw", ["//evil.example", "/\\evil.example", "https://evil.example"])
def test_a_hostile_next_falls_back_to_the_start_page(app, raw):
    response = sign_in_with_next(app, raw)
    assert response.headers["Location"] == "/"


def test_a_local_next_survives_the_round_trip(app, demo):
    target = f"/requests/{demo.optouts['submitted']}?tab=timeline"
    response = sign_in_with_next(app, target)
    assert response.headers["Location"] == target
