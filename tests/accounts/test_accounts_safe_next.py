"""After sign-in, `next=` may only send the person to a page of this site."""

from urllib.parse import quote, unquote, urlencode, urlsplit

import pytest

from consent.core.urls import safe_next
from tests.accounts.accounts_helpers import DEMO_PASSWORD, PERSONAS, Browser

HOSTILE = [
    "//evil.example",
    "https://evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "http:evil.example",
    "%2F%2Fevil.example",
    "/%5Cevil.example",
    " //evil.example",
    "\t//evil.example",
    "https:/\\evil.example",
    "//evil.example/%2F..",
    "////evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "\\/evil.example",
    "http://evil.example/children",
    "HTTPS://evil.example",
    "data:text/html,<script>alert(1)</script>",
    "https://localhost@evil.example",
    "//\\evil.example",
    " /\\evil.example",
]


def assert_local(location: str) -> None:
    assert location.startswith("/"), location
    assert not location.startswith("//"), location
    assert not location.startswith("/\\"), location
    # Browsers drop tabs and newlines and treat "\" like "/": none of them may appear.
    assert "\\" not in location and not any(ord(ch) < 32 for ch in location), location
    parts = urlsplit(location)
    assert parts.scheme == "" and parts.netloc == "", location


def sign_in(browser, query: str):
    return browser.post(
        f"/signin?{query}",
        {"email": PERSONAS["maria"], "password": DEMO_PASSWORD},
        token_from="/signin",
    )


def test_next_to_a_page_of_the_site_is_followed(browser, demo):
    target = f"/requests/{demo.optouts['submitted']}"
    response = sign_in(browser, urlencode({"next": target}))
    assert response.status_code == 302
    assert response.headers["Location"] == target
    assert browser.get(target).status_code == 200


def test_the_next_that_the_signin_redirect_adds_brings_the_person_back(browser, demo):
    target = f"/requests/{demo.optouts['submitted']}"
    bounced = browser.get(target)
    assert bounced.status_code == 302
    signin_url = bounced.headers["Location"]
    assert urlsplit(signin_url).path == "/signin"
    response = browser.post(
        signin_url,
        {"email": PERSONAS["maria"], "password": DEMO_PASSWORD},
        token_from="/signin",
    )
    assert response.headers["Location"] == target


def test_hostile_next_never_leaves_the_site(app):
    # Each value as a browser sends it (encoded), and with its %-escapes decoded once more.
    tried = 0
    for value in HOSTILE:
        for raw in {value, unquote(value)}:
            browser = Browser(app.test_client())  # a signed-in client would not be asked
            response = sign_in(browser, "next=" + quote(raw, safe=""))
            assert response.status_code == 302, raw
            assert_local(response.headers["Location"])
            tried += 1
    assert tried >= 2 * 12


@pytest.mark.parametrize("value", HOSTILE)
def test_safe_next_rejects_hostile_values(value):
    for raw in (value, unquote(value)):
        result = safe_next(raw, "/home")
        assert_local(result)
        # Anything kept must be a plain local path such as "/%5Cevil.example" (a page here).
        assert result == "/home" or (result == raw and raw.startswith("/%")), raw


@pytest.mark.parametrize(
    "value",
    ["/children", "/requests/5", "/requests?status=submitted&page=2", "/rights#ferpa", "/"],
)
def test_safe_next_keeps_local_paths(value):
    assert safe_next(value, "/home") == value


@pytest.mark.parametrize("value", [None, "", "   "])
def test_safe_next_falls_back_when_empty(value):
    assert safe_next(value, "/home") == "/home"
