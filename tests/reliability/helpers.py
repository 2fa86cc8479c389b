"""Filing an opt-out through the real form, a browser for servers on loopback, and reading
what a filing wrote."""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

from sqlalchemy import func, select

from consent.accounts import totp
from consent.catalog.models import Tool
from consent.core import clock
from consent.demo.operations import DEMO_PASSWORD, DEMO_TOTP_SECRET
from consent.extensions import db
from consent.notifications.models import Notification
from consent.optouts.models import Event, OptOut
from tests.support import PERSONAS, find_csrf

RECEIPT = re.compile(r"/requests/(\d+)/receipt")


def optout_form(app, demo, student: str, tool: str, feature: str) -> tuple[str, dict]:
    """The opt-out form's address and the answers a guardian gives (the first accommodation)."""
    with app.app_context():
        accommodation = db.session.get(Tool, demo.tools[tool]).optout_options[0].label
    url = f"/students/{demo.students[student]}/optouts/new?tool={demo.tools[tool]}"
    return url, {"feature": feature, "accommodation": accommodation, "reason": ""}


def file_via_web(browser, app, demo, student="sofia", tool="seesaw", feature="photos"):
    """Review, then send, the way the guardian's browser does; returns the response to send."""
    url, fields = optout_form(app, demo, student, tool, feature)
    review = browser.post(url, {**fields, "review": "Review my request"})
    assert review.status_code == 200, review.status_code
    return browser.post(url, {**fields, "send": "Send request"})


def receipt_id(response) -> int:
    assert response.status_code == 302, response.status_code
    match = RECEIPT.fullmatch(response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def filing_rows(optout_id: int) -> dict[str, int]:
    return {
        "events": count(Event, Event.optout_id == optout_id),
        "notifications": count(Notification, Notification.optout_id == optout_id),
        "optouts": count(OptOut, OptOut.id == optout_id),
    }


class Client:
    """One person's browser: cookies, CSRF tokens from the pages, no JavaScript."""

    def __init__(self, base: str, persona: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.codes: Counter[int] = Counter()
        self.bodies: list[str] = []
        page = self.get("/signin")
        sent = self.post(
            "/signin",
            {"email": PERSONAS[persona], "password": DEMO_PASSWORD},
            token_page=page,
        )
        if sent and sent[0].endswith("/signin/code"):  # the demo key's code, as the app shows
            code = totp.code_at(DEMO_TOTP_SECRET, clock.now())
            sent = self.post("/signin/code", {"code": code}, token_page=sent[1])
        assert sent and "/signin" not in sent[0], f"{persona} could not sign in"

    def _open(self, request) -> tuple[str, str]:
        try:
            with self.opener.open(request, timeout=60) as response:
                self.codes[response.status] += 1
                return response.geturl(), response.read().decode()
        except urllib.error.HTTPError as error:
            self.codes[error.code] += 1
            body = error.read().decode(errors="replace")
            if error.code >= 500:
                self.bodies.append(body[:500])
            return error.url, body

    def get(self, path: str) -> str:
        return self._open(self.base + path)[1]

    def post(self, path: str, data: dict, *, token_page: str) -> tuple[str, str] | None:
        """None when the page had no form to send (an error page): nothing is posted."""
        token = find_csrf(token_page)
        if token is None:
            return None
        payload = {"csrf_token": token, **data}
        request = urllib.request.Request(  # noqa: S310 - our own server on 127.0.0.1
            self.base + path, data=urllib.parse.urlencode(payload).encode(), method="POST"
        )
        return self._open(request)


def file_and_withdraw(client: Client, ids, student: str, tool: str, feature: str, stats):
    """File an opt-out through the form (review, send), then withdraw it, so it can be filed
    again; a step that fails (an error page) ends the round."""
    url = f"/students/{ids['students'][student]}/optouts/new?tool={ids['tools'][tool]}"
    form = client.get(url)
    accommodation = re.search(r'name="accommodation"[^>]*value="([^"]+)"', form)
    if accommodation is None:
        return
    fields = {"feature": feature, "accommodation": accommodation.group(1), "reason": ""}
    review = client.post(url, {**fields, "review": "Review"}, token_page=form)
    sent = review and client.post(url, {**fields, "send": "Send request"}, token_page=review[1])
    match = sent and re.search(r"/requests/(\d+)/receipt$", sent[0])
    if not match:
        return
    optout_id = match.group(1)
    stats["filed"].add(optout_id)  # a set: a filing that joined an open request counts once
    client.get(f"/requests/{optout_id}")
    page = client.get(f"/requests/{optout_id}/withdraw")
    withdrawn = client.post(f"/requests/{optout_id}/withdraw", {}, token_page=page)
    if withdrawn and withdrawn[0].endswith(f"/requests/{optout_id}"):
        stats["withdrawn"].add(optout_id)


def views(client: Client, paths: list[str]):
    for path in paths:
        client.get(path)
