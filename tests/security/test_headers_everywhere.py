"""ASVS 3.4 / 14.4: every HTML response — for every role, on every route of the URL map — carries
the strict CSP, HSTS, nosniff and a Referrer-Policy, and signed-in pages are never cached."""

from tests.accounts.test_accounts_security_headers import check_page, csp_directives
from tests.security.routes import SWEEP_PERSONAS, rules, sample_ids, url_for_rule
from tests.support import PROBE_COUNTS, Browser

HTTPS = "https://localhost"  # HSTS is only meaningful (and only sent) over TLS


def test_every_html_response_carries_the_protective_headers(app, as_):
    ids = sample_ids(app)
    checked = 0
    for persona in SWEEP_PERSONAS:
        client = Browser(app.test_client()) if persona == "anonymous" else as_(persona)
        for rule in rules(app, "GET"):
            url = url_for_rule(rule, ids)
            response = client.get(url, base_url=HTTPS, buffered=True)
            hsts = response.headers.get("Strict-Transport-Security", "")
            assert "max-age=" in hsts and int(hsts.split("max-age=")[1].split(";")[0]) >= 15552000
            assert response.headers.get("X-Content-Type-Options") == "nosniff", url
            if response.mimetype != "text/html":
                continue
            if response.status_code in (200, 404):
                check_page(response, signed_in=persona != "anonymous")
            else:  # redirects and refusals are HTML too: the policy must be on them as well
                assert csp_directives(response).get("object-src") == ["'none'"], url
            checked += 1
    PROBE_COUNTS["Headers: HTML responses checked"] = checked
