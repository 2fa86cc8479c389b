"""Every HTML page carries a strict Content-Security-Policy and the other protective headers,
and no page relies on inline script or style that such a policy would block."""

import re

import pytest

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc\s*=)[^>]*>", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy")
    assert policy, f"{response.request.path} has no Content-Security-Policy"
    directives = {}
    for chunk in policy.split(";"):
        words = chunk.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def check_page(response, *, signed_in: bool) -> None:
    path = response.request.path
    assert response.status_code in (200, 404), path
    assert response.mimetype == "text/html", path

    csp = csp_directives(response)
    assert csp.get("default-src") == ["'self'"], path
    assert csp.get("script-src") == ["'self'"], path
    assert not any("unsafe" in source for source in csp["script-src"]), path
    assert csp.get("object-src") == ["'none'"], path
    assert csp.get("base-uri") == ["'none'"], path
    assert csp.get("frame-ancestors") == ["'none'"], path
    assert "'unsafe-inline'" not in csp.get("style-src", []), path

    assert response.headers.get("X-Content-Type-Options") == "nosniff", path
    assert response.headers.get("Referrer-Policy") in {
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
        "no-referrer",
    }, path
    if signed_in:
        assert "no-store" in response.headers.get("Cache-Control", ""), path

    body = response.get_data(as_text=True)
    assert not INLINE_SCRIPT.search(body), f"inline <script> on {path}"
    assert not STYLE_ATTRIBUTE.search(body), f"style= attribute on {path}"
    assert not STYLE_ELEMENT.search(body), f"<style> element on {path}"
    assert not EVENT_HANDLER.search(body), f"inline event handler on {path}"
    assert not JAVASCRIPT_URL.search(body), f"javascript: URL on {path}"


@pytest.mark.parametrize(
    "url", ["/signin", "/rights", "/password/forgot", "/no-such-page", "/password/reset/x"]
)
def test_anonymous_pages(browser, url):
    check_page(browser.get(url), signed_in=False)


def test_a_page_with_form_errors(browser):
    response = browser.post("/signin", {"email": "not an email", "password": ""})
    check_page(response, signed_in=False)


@pytest.mark.parametrize(
    ("persona", "urls"),
    [
        (
            "maria",
            [
                "/children",
                "/rights",
                "/inbox",
                "/requests/{submitted}",
                "/requests/{submitted}/withdraw",
                "/students/{mateo}",
                "/optouts/new",
                "/no-such-page",
            ],
        ),
        ("johnson", ["/tasks", "/sections"]),
        ("brooks", ["/requests", "/requests/{planned}"]),
    ],
)
def test_signed_in_pages(as_, demo, persona, urls):
    person = as_(persona)
    ids = {
        "submitted": demo.optouts["submitted"],
        "planned": demo.optouts["planned"],
        "mateo": demo.students["mateo"],
    }
    for url in urls:
        response = person.get(url.format(**ids))
        check_page(response, signed_in=True)


def test_signed_in_redirects_are_not_cached_either(as_):
    response = as_("maria").get("/")
    assert response.status_code == 302
    assert "no-store" in response.headers.get("Cache-Control", "")


def test_the_stylesheet_is_served_from_the_site(browser):
    page = browser.get("/signin").get_data(as_text=True)
    (href,) = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert href.startswith("/static/")
    response = browser.get(href)
    response.close()  # a file response: let go of the open file
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
