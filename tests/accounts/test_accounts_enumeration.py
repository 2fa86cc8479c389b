"""Account enumeration (ASVS 6.3.8 / v4 2.2.x, 3.x): sign-in and password reset answer the same,
and take about as long, for an address with an account and one without.

Timing is compared by medians over interleaved tries, with a generous bound: a path that skips
the password hash (about 40 ms) or the reset email for unknown addresses would fail it."""

import html
import statistics
import time

from tests.accounts.accounts_helpers import PERSONAS, Browser, mail_ready
from tests.support import csrf_from, without_csrf

TRIES = 30
UNKNOWN = "nobody.at.all@demo.consent.example"


def _page_without_noise(response, email: str) -> str:
    body = response.get_data(as_text=True)
    return without_csrf(body).replace(html.escape(email), "EMAIL")


def _timed(call) -> tuple[float, object]:
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def _assert_similar(known: list[float], unknown: list[float]) -> None:
    a, b = statistics.median(known), statistics.median(unknown)
    # Generous: within a third of the slower median, plus 5 ms for scheduling noise.
    assert abs(a - b) <= 0.35 * max(a, b) + 0.005, (a, b)


def test_sign_in_answers_alike_and_as_fast(app):
    client = app.test_client()
    token_page = Browser(client).get("/signin").get_data(as_text=True)
    token = csrf_from(token_page)

    def post(email):
        return client.post("/signin", data={"csrf_token": token, "email": email, "password": "x"})

    known, unknown = [], []
    for n in range(TRIES):
        # Alternate the order so drift in machine load hits both sides alike.
        order = [(PERSONAS["maria"], known), (UNKNOWN, unknown)]
        for email, times in order if n % 2 else reversed(order):
            elapsed, response = _timed(lambda email=email: post(email))
            assert response.status_code == 200
            times.append(elapsed)
    _assert_similar(known, unknown)
    assert _page_without_noise(post(PERSONAS["maria"]), PERSONAS["maria"]) == _page_without_noise(
        post(UNKNOWN), UNKNOWN
    )


def test_password_reset_answers_alike_and_as_fast(app, smtp):
    mail_ready(app, smtp)
    client = app.test_client()
    token_page = client.get("/password/forgot").get_data(as_text=True)
    token = csrf_from(token_page)

    def post(email):
        return client.post("/password/forgot", data={"csrf_token": token, "email": email})

    known, unknown = [], []
    for n in range(TRIES):
        order = [(PERSONAS["james"], known), (UNKNOWN, unknown)]
        for email, times in order if n % 2 else reversed(order):
            elapsed, response = _timed(lambda email=email: post(email))
            assert response.status_code == 302
            assert response.headers["Location"] == "/signin"
            times.append(elapsed)
    _assert_similar(known, unknown)
    # The same flash, whoever asked.
    first = client.get("/signin").get_data(as_text=True)
    assert "If that email belongs to an account, a reset link is on its way." in first
