"""ASVS 4.2.2 / 50.4: every state-changing route refuses a post without this session's CSRF
token, and no GET anywhere changes a row — walked over the whole URL map, for every role."""

import pytest

from tests.security.routes import (
    BOOKKEEPING_COLUMNS,
    BOOKKEEPING_TABLES,
    SWEEP_PERSONAS,
    changed_tables,
    fingerprint,
    rules,
    sample_ids,
    url_for_rule,
)
from tests.support import PROBE_COUNTS, Browser, csrf_from


def sweep_clients(app, as_) -> dict[str, Browser]:
    return {
        persona: Browser(app.test_client()) if persona == "anonymous" else as_(persona)
        for persona in SWEEP_PERSONAS
    }


def test_every_post_route_refuses_a_missing_or_forged_csrf_token(app, as_):
    ids = sample_ids(app)
    post_rules = rules(app, "POST")
    assert len(post_rules) >= 12, "the URL map lost its forms: the sweep would prove nothing"
    foreign = csrf_from(app.test_client().get("/signin").get_data(as_text=True))
    clients = sweep_clients(app, as_)
    before = fingerprint(app)
    refused = []
    for persona, client in clients.items():
        for rule in post_rules:
            url = url_for_rule(rule, ids)
            # The integration API reads no session cookie, only its bearer token, so it is
            # exempt from CSRF: whatever the cookie, no token is a 401 (and nothing changes).
            expected = 401 if rule.endpoint.startswith("api.") else 400
            for token in (None, "", "forged-token", foreign):
                data = {} if token is None else {"csrf_token": token}
                response = client.client.post(url, data=data)
                assert response.status_code == expected, (persona, url, token, response.status_code)
                refused.append(url)
    assert changed_tables(before, fingerprint(app)) == []
    PROBE_COUNTS["CSRF: forged or missing tokens refused"] = len(refused)


@pytest.mark.long
@pytest.mark.parametrize("persona", SWEEP_PERSONAS)
def test_no_get_route_changes_any_row(app, as_, persona):
    """One role's sweep per test, so the workers share what was the run's longest test; the
    printed count is the sum over the roles."""
    ids = sample_ids(app)
    get_rules = rules(app, "GET")
    assert len(get_rules) >= 20
    client = Browser(app.test_client()) if persona == "anonymous" else as_(persona)
    quiet = {"leave_out": BOOKKEEPING_TABLES, "leave_out_columns": BOOKKEEPING_COLUMNS}
    before = fingerprint(app, **quiet)
    requests = 0
    for rule in get_rules:
        url = url_for_rule(rule, ids)
        response = client.get(url, buffered=True)  # streamed exports run to the end
        assert response.status_code < 500, (persona, url)
        after = fingerprint(app, **quiet)
        assert changed_tables(before, after) == [], f"GET {url} as {persona} changed rows"
        requests += 1
    name = "Safe methods: GETs that changed no row"
    PROBE_COUNTS[name] = PROBE_COUNTS.get(name, 0) + requests
