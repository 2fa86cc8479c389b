"""Numbers no record can have — past a 32-bit id, past SQLite's 64 bits — answer like a missing
record (404), in the path of every route and in the query string of every page, for every role.
Found trying the app as a new user: /students/99999999999999999999 was a 500 on SQLite."""

from werkzeug.routing import IntegerConverter

from tests.security.routes import fingerprint, rules, sample_ids, url_for_rule
from tests.support import PROBE_COUNTS, Browser

HUGE = (2**31, 2**63, 10**20)
QUERY_NUMBERS = ("page", "tool", "school", "form", "version")
PERSONAS = ("anonymous", "maria", "patel", "reed", "lee")  # one of each role


def _clients(app, as_):
    return {
        persona: Browser(app.test_client()) if persona == "anonymous" else as_(persona)
        for persona in PERSONAS
    }


def _int_arguments(rule) -> list[str]:
    return [a for a, c in rule._converters.items() if isinstance(c, IntegerConverter)]


def test_an_id_past_any_column_is_a_missing_page_on_every_route(app, as_):
    ids = sample_ids(app)
    routes = [rule for rule in rules(app, "GET") if _int_arguments(rule)]
    assert len(routes) >= 15, "the URL map lost its record pages: the sweep would prove nothing"
    clients = _clients(app, as_)
    before = fingerprint(app, leave_out={"audit_event", "account_session"})
    probes = 0
    for persona, client in clients.items():
        for rule in routes:
            for argument in _int_arguments(rule):
                for number in HUGE:
                    url = url_for_rule(rule, ids | {argument: number})
                    response = client.get(url, buffered=True)
                    assert response.status_code == 404, (persona, url, response.status_code)
                    probes += 1
    assert fingerprint(app, leave_out={"audit_event", "account_session"}) == before
    PROBE_COUNTS["Out-of-range ids in paths answered 404"] = probes


def test_a_huge_number_in_the_query_string_is_ignored_not_a_server_error(app, as_):
    ids = sample_ids(app)
    routes = rules(app, "GET")
    probes = 0
    for persona, client in _clients(app, as_).items():
        for rule in routes:
            base = url_for_rule(rule, ids)
            for name in QUERY_NUMBERS:
                url = f"{base}?{name}={10**20}"
                response = client.get(url, buffered=True)
                assert response.status_code < 500, (persona, url, response.status_code)
                probes += 1
    PROBE_COUNTS["Out-of-range numbers in query strings without a 5xx"] = probes


def test_the_student_page_from_the_report_answers_404(as_):
    lee = as_("lee")
    assert lee.get("/students/99999999999999999999").status_code == 404
    assert lee.get("/requests/2147483648").status_code == 404
