"""Numbers no record can have — past a 32-bit id, past SQLite's 64 bits — answer like a missing
record (404), in the path of every route and in the query string of every page, for every role.
Found trying the app as a new user: /students/99999999999999999999 was a 500 on SQLite."""

from collections.abc import Iterator

import pytest
from werkzeug.routing import IntegerConverter

from consent.core.urls import LARGEST_ID
from tests.security.routes import (
    EVERY_ARGUMENT,
    arguments_read,
    fingerprint,
    rules,
    sample_ids,
    url_for_rule,
)
from tests.support import FROM_SESSION, PROBE_COUNTS, Browser

HUGE = (2**31, 2**63, 10**20)
QUERY_NUMBERS = ("page", "tool", "school", "form", "version")
PERSONAS = ("anonymous", "maria", "patel", "reed", "lee")  # one of each role


def _client(app, as_, persona):
    return Browser(app.test_client()) if persona == "anonymous" else as_(persona)


def _count(name: str, probes: int) -> None:
    """Each role's sweep is a test of its own (so workers share the minute it takes); the
    printed count is the sum over roles."""
    PROBE_COUNTS[name] = PROBE_COUNTS.get(name, 0) + probes


def _int_arguments(rule) -> list[str]:
    return [a for a, c in rule._converters.items() if isinstance(c, IntegerConverter)]


def _id_urls(routes, ids: dict[str, int], numbers) -> Iterator[tuple]:
    """(rule, URL) with each of `numbers` in turn as each id of each route, the others sample
    ids."""
    for rule in routes:
        for argument in _int_arguments(rule):
            for number in numbers:
                yield rule, url_for_rule(rule, ids | {argument: number})


@pytest.mark.parametrize("persona", PERSONAS)
def test_an_id_past_any_column_is_a_missing_page_on_every_route(app, as_, persona):
    ids = sample_ids(app)
    routes = [rule for rule in rules(app, "GET") if _int_arguments(rule)]
    assert len(routes) >= 15, "the URL map lost its record pages: the sweep would prove nothing"
    client = _client(app, as_, persona)
    before = fingerprint(app, leave_out={"audit_event", "account_session"})
    probes = 0
    for _rule, url in _id_urls(routes, ids, HUGE):
        response = client.get(url, buffered=True)
        assert response.status_code == 404, (persona, url, response.status_code)
        probes += 1
    assert fingerprint(app, leave_out={"audit_event", "account_session"}) == before
    _count("Out-of-range ids in paths answered 404", probes)


@pytest.mark.parametrize("persona", PERSONAS)
def test_an_id_past_any_column_in_a_form_post_is_a_missing_page_and_changes_nothing(
    app, as_, persona
):
    """The actions (confirm, revoke, decide, ...) post to record URLs too, eleven of them
    only by POST: a huge id there is a missing record as well (the route refuses it), and so
    is the largest id a record could have, posted with the session's own CSRF token, so that
    it is the view's loader, not the token, that refuses."""
    ids = sample_ids(app)
    routes = [rule for rule in rules(app, "POST") if _int_arguments(rule)]
    assert len(routes) >= 10, "the URL map lost its record actions: the sweep would prove nothing"
    client = _client(app, as_, persona)
    if persona == "anonymous":
        client.get("/signin")  # the sign-in form gives the session its CSRF token
    before = fingerprint(app, leave_out={"audit_event", "account_session"})
    probes = 0
    for _rule, url in _id_urls(routes, ids, HUGE):
        response = client.post(url, {}, token_from=FROM_SESSION, buffered=True)
        assert response.status_code == 404, (persona, url, response.status_code)
        probes += 1
    # The largest id a record could have, which none has: past the route, the view's own
    # loader answers (the API asks for its token first).
    for rule, url in _id_urls(routes, ids, [LARGEST_ID]):
        response = client.post(url, {}, token_from=FROM_SESSION, buffered=True)
        if rule.rule.startswith("/api/"):
            expected = {401}
        elif persona == "anonymous":
            expected = {302, 404}  # to the sign-in page, or the role's URL space refused
        else:
            expected = {404}
        assert response.status_code in expected, (persona, url, response.status_code)
        probes += 1
    assert fingerprint(app, leave_out={"audit_event", "account_session"}) == before
    _count("Out-of-range ids in form posts answered 404", probes)


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_huge_number_in_the_query_string_is_ignored_not_a_server_error(app, as_, persona):
    """Each page is read once plainly, noting which query-string names it asks for; each of
    QUERY_NUMBERS it asks for (all of them, when it looks at every name) is then sent huge. A
    name a page never reads cannot change what it does, so that probe would repeat the plain
    read."""
    ids = sample_ids(app)
    routes = rules(app, "GET")
    client = _client(app, as_, persona)
    probes = 0
    with arguments_read(app) as read:
        for rule in routes:
            base = url_for_rule(rule, ids)
            read.clear()
            response = client.get(base, buffered=True)
            assert response.status_code < 500, (persona, base, response.status_code)
            asked = set(QUERY_NUMBERS) if EVERY_ARGUMENT in read else read & set(QUERY_NUMBERS)
            for name in sorted(asked):
                url = f"{base}?{name}={10**20}"
                response = client.get(url, buffered=True)
                assert response.status_code < 500, (persona, url, response.status_code)
                probes += 1
    # Every signed-in role has a list that reads `page`: none noted would mean the noting broke.
    assert persona == "anonymous" or probes, f"no page read a query-string number as {persona}"
    _count("Out-of-range numbers in query strings without a 5xx", probes)


def test_the_student_page_from_the_report_answers_404(as_):
    lee = as_("lee")
    assert lee.get("/students/99999999999999999999").status_code == 404
    assert lee.get("/requests/2147483648").status_code == 404
