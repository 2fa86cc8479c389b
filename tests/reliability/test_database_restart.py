"""PostgreSQL restarted under load (our own throw-away cluster, never the shared one): while it
is down every request gets the friendly 503 page, not a traceback; when it is back the same
app process serves again (pool pre-ping), and no request was half-written."""

import threading
import time
from collections import Counter

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select
from werkzeug.serving import make_server

from consent.demo.operations import load_demo
from consent.extensions import db
from consent.notifications.models import Notification
from consent.optouts.models import Event, OptOut, OptOutRequester, OptOutStatus
from tests.reliability.helpers import Client, file_and_withdraw, views
from tests.support import free_port, make_app

FRIENDLY = "The service is briefly unavailable"


@pytest.fixture
def served_district(private_postgres):
    url = private_postgres.create_database("restart")
    app = make_app(url)
    with app.app_context():
        upgrade()
        district = load_demo()
        db.session.commit()
        ids = {
            kind: {key: obj.id for key, obj in getattr(district, kind).items()}
            for kind in ("students", "tools", "optouts")
        }
        db.session.remove()
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, ids, f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()


class Load:
    """Guardians filing and withdrawing, a principal reading, until told to stop (at most
    `seconds`); each response's code is counted per phase of the test."""

    def __init__(self, clients: dict[str, Client], ids, seconds: float):
        self.clients, self.ids, self.seconds = clients, ids, seconds
        self.stats: dict[str, set[str]] = {"filed": set(), "withdrawn": set()}
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        planned = ids["optouts"]["planned"]
        self.work = {
            "maria": lambda c: file_and_withdraw(c, ids, "sofia", "seesaw", "photos", self.stats),
            "patricia": lambda c: file_and_withdraw(c, ids, "olivia", "classroom", "", self.stats),
            "brooks": lambda c: views(c, ["/requests", f"/requests/{planned}"]),
        }
        self.threads = [
            threading.Thread(target=self._run, args=(clients[name], task), daemon=True)
            for name, task in self.work.items()
        ]

    def _run(self, client, task):
        deadline = time.monotonic() + self.seconds
        try:
            while not self.stop.is_set() and time.monotonic() < deadline:
                task(client)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            self.errors.append(error)

    def codes(self) -> Counter[int]:
        return sum((c.codes for c in self.clients.values()), Counter())


def _until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


def test_database_restart_under_load(served_district, private_postgres):
    app, ids, base = served_district
    clients = {name: Client(base, name) for name in ("maria", "patricia", "brooks")}
    for client in clients.values():
        client.codes.clear()
    with app.app_context():  # the demo's own opt-outs, Lucas's from his Flip refusal among them
        newest_demo = db.session.scalar(select(func.max(OptOut.id)))
        db.session.remove()
    load = Load(clients, ids, seconds=120)
    for thread in load.threads:
        thread.start()
    try:
        _until(lambda: len(load.stats["filed"]) >= 2, 60, "filings before the outage")
        private_postgres.stop()
        before = load.codes()
        _until(lambda: (load.codes() - before)[503] >= 6, 30, "requests during the outage")
        private_postgres.start()
        before_restart = len(load.stats["filed"])
        _until(
            lambda: len(load.stats["filed"]) >= before_restart + 2, 60, "filings after the restart"
        )
    finally:
        load.stop.set()
        for thread in load.threads:
            thread.join(timeout=60)

    assert load.errors == []
    codes = load.codes()
    assert codes[503] >= 6
    assert {code for code in codes if code >= 500} == {503}, codes
    bodies = [body for client in clients.values() for body in client.bodies]
    assert bodies and all(FRIENDLY in body for body in bodies)
    assert not any("Traceback" in body or "psycopg" in body for body in bodies)

    with app.app_context():  # nothing half-written: each request whole, or not there at all
        filings = db.session.scalars(select(OptOut).where(OptOut.id > newest_demo)).all()
        assert {str(optout.id) for optout in filings} >= load.stats["filed"]
        assert len(load.stats["filed"]) >= 4
        for optout in filings:
            kinds = db.session.scalars(
                select(Event.kind).where(Event.optout_id == optout.id).order_by(Event.id)
            ).all()
            expected = (
                ["filed", "withdrawn"] if optout.status is OptOutStatus.WITHDRAWN else ["filed"]
            )
            assert kinds == expected, (optout.id, optout.status, kinds)
            requesters = select(func.count()).where(OptOutRequester.optout_id == optout.id)
            assert db.session.scalar(requesters) == 1
            receipts = select(func.count()).where(
                Notification.optout_id == optout.id, Notification.kind == "optouts/receipt"
            )
            assert db.session.scalar(receipts) == 1
