"""Fixtures for the webhook tests: a real HTTP receiver on loopback that can be switched down,
slow, failing (500) or fine, the app configured with short timeouts, and an endpoint the
privacy office registered for it."""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from consent.accounts.models import Account
from consent.core import clock
from consent.extensions import db
from consent.webhooks import signing
from consent.webhooks.models import WebhookEvent
from consent.webhooks.operations import register_endpoint

# A slow receiver answers after SLOW seconds, well past the worker's read timeout.
READ_TIMEOUT = 0.5
SLOW = 2.0


@dataclass
class Received:
    """One request the receiver read in full (whatever it then answered)."""

    headers: dict[str, str]
    body: bytes
    at: float
    answered: int
    verified: bool | None = None

    @property
    def delivery_id(self) -> str:
        return self.headers[signing.ID_HEADER]

    @property
    def event(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A district system's endpoint: `mode` is "ok", "500" or "slow"; `down()` stops listening
    (connections refused) and `up()` listens again on the same port."""

    port: int = 0
    mode: str = "ok"
    secret: str = ""
    received: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    server: ThreadingHTTPServer | None = None
    thread: threading.Thread | None = None

    def up(self) -> "Receiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = dict(self.headers.items())
                mode = receiver.mode
                answered = 500 if mode == "500" else 200
                verified = None
                if receiver.secret:
                    verified = signing.verify(receiver.secret, headers, body, time.time())
                receiver.arrived.set()
                if mode == "slow":
                    time.sleep(SLOW)
                receiver.received.append(Received(headers, body, time.time(), answered, verified))
                try:
                    self.send_response(answered)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:  # the worker gave up waiting and closed the connection
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def down(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def accepted(self) -> list[Received]:
        """What the system took in: the requests it answered 2xx."""
        return [r for r in self.received if 200 <= r.answered < 300]

    def deduped(self) -> dict[str, Received]:
        """What the system acted on once it drops a repeated Webhook-Id."""
        seen: dict[str, Received] = {}
        for r in self.accepted():
            seen.setdefault(r.delivery_id, r)
        return seen


@pytest.fixture
def receiver():
    started = Receiver().up()
    yield started
    started.down()


@pytest.fixture
def hooks(app):
    """The app's webhook settings for tests: loopback http allowed, short timeouts, quick
    backoff; the clock put back afterwards (tests move it past each backoff)."""
    app.config.update(
        WEBHOOKS_ALLOW_LOOPBACK_HTTP=True,
        WEBHOOK_CONNECT_TIMEOUT_SECONDS=1.0,
        WEBHOOK_READ_TIMEOUT_SECONDS=READ_TIMEOUT,
        WEBHOOK_BACKOFF_SECONDS=10,
        WEBHOOK_BACKOFF_MAX_SECONDS=40,
        WEBHOOK_MAX_ATTEMPTS=6,
        WEBHOOK_LEASE_SECONDS=30,
    )
    yield app
    clock.reset()


def office(demo) -> Account:
    return db.session.get(Account, demo.accounts["lee"])


@pytest.fixture
def endpoint(hooks, demo, receiver):
    """register(events=..., school=...) → the id of an endpoint for the receiver, registered by
    the privacy office and committed; the receiver learns the secret to verify signatures."""

    def register(events=tuple(WebhookEvent), school_id=None, name="Student information system"):
        with hooks.app_context():
            made = register_endpoint(
                actor=office(demo),
                name=name,
                url=receiver.url,
                events=[WebhookEvent(e).value for e in events],
                school_id=school_id,
            )
            db.session.commit()
            receiver.secret = made.secret
            endpoint_id = made.endpoint.id
            db.session.remove()
        return endpoint_id

    return register


def deliveries(app, endpoint_id=None):
    from consent.webhooks.models import WebhookDelivery

    with app.app_context():
        query = select(WebhookDelivery).order_by(WebhookDelivery.id)
        if endpoint_id is not None:
            query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows
