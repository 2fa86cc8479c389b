"""Mail server down: refusing connections, or accepting them and never answering. Filing never
waits for SMTP, the worker gives up on each attempt after its own timeout, and when the server
is back every pending message arrives exactly once. A message that cannot be delivered for too
long is marked failed and shown to the privacy office instead of being retried forever."""

import socket
import threading
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from consent.core import clock
from consent.extensions import db
from consent.notifications.models import DeliveryStatus, Notification
from consent.notifications.operations import deliver_due, message_id, notify
from consent.roster.models import Guardian
from tests.reliability.conftest import Blackhole, CountingSink
from tests.reliability.helpers import file_via_web, receipt_id
from tests.support import mark_backlog_sent

FILINGS = [
    ("sofia", "seesaw", "photos"),
    ("sofia", "classroom", ""),
    ("mateo", "nearpod", ""),
]
QUICK = 3.0  # seconds a filing may take on a busy two-core machine; SMTP timeouts are longer


def _written_by(app, optout_ids) -> set[int]:
    with app.app_context():
        return set(
            db.session.scalars(
                select(Notification.id).where(Notification.optout_id.in_(optout_ids))
            )
        )


def _pending(app) -> dict[int, str]:
    with app.app_context():
        rows = db.session.scalars(
            select(Notification).where(Notification.delivery_status == DeliveryStatus.PENDING)
        )
        return {row.id: message_id(row) for row in rows}


class Worker(threading.Thread):
    """The notification worker running beside the web requests until told to stop (or for at
    most `seconds`), with a short interval between passes as in production."""

    def __init__(self, app, seconds: float):
        super().__init__(daemon=True)
        self.app, self.seconds, self.failed, self.error = app, seconds, 0, None
        self.passes = 0
        self.done = threading.Event()

    def run(self):
        deadline = time.monotonic() + self.seconds
        try:
            with self.app.app_context():
                while time.monotonic() < deadline:
                    self.failed += deliver_due().failed
                    self.passes += 1
                    if self.done.wait(0.05):
                        break
        except Exception as error:  # noqa: BLE001 - reported by the test
            self.error = error


def _until_a_whole_pass_after(worker: Worker, seconds: float = 30) -> None:
    """Wait until a pass that began after the last filing has ended: stopping the worker sooner
    could leave the filings' messages untried (seen in CI on a busy machine)."""
    seen = worker.passes
    deadline = time.monotonic() + seconds
    while worker.passes < seen + 2 and worker.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)


def _file_while_worker_runs(app, demo, as_, *, mail_port: int, timeout: float, reached=None):
    """Three filings while the worker tries the broken mail server; with `reached`, a message is
    queued first and the filings start once the worker is stuck talking to the server."""
    app.config["MAIL_TIMEOUT_SECONDS"] = timeout
    app.extensions["mail"].port = mail_port
    maria = as_("maria")
    worker = Worker(app, seconds=60)
    if reached is not None:
        with app.app_context():
            guardian = db.session.get(Guardian, demo.guardians["james"])
            notify(template="accounts/password_reset", link="/reset/token", guardian=guardian)
            db.session.commit()
    worker.start()
    if reached is not None:
        assert reached.wait(timeout=20), worker.error
    durations, ids = [], []
    for student, tool, feature in FILINGS:
        started = time.monotonic()
        response = file_via_web(maria, app, demo, student, tool, feature)
        durations.append(time.monotonic() - started)
        ids.append(receipt_id(response))
    _until_a_whole_pass_after(worker)
    worker.done.set()
    worker.join(timeout=30)
    assert worker.error is None, worker.error
    assert not worker.is_alive()
    return durations, ids, worker


def _back_and_delivered(app, port: int, expected: dict[int, str]) -> CountingSink:
    """The mail server returns on the same port; passes run (past every backoff) until the
    outbox is empty, and then once more to show nothing is sent twice."""
    sink = CountingSink(port).start()
    try:
        later = clock.now() + timedelta(hours=2)
        with app.app_context():
            for _ in range(5):
                report = deliver_due(now=later)
                if report.handled == 0:
                    break
            assert deliver_due(now=later + timedelta(days=1)).handled == 0
    finally:
        sink.stop()
    assert _pending(app) == {}
    assert dict(sink.received) == dict.fromkeys(expected.values(), 1)
    return sink


def test_port_refusing_filing_is_quick_and_everything_arrives_once_when_back(app, demo, as_, smtp):
    mark_backlog_sent(app)
    smtp.stop()  # the port now refuses connections
    durations, ids, worker = _file_while_worker_runs(
        app, demo, as_, mail_port=smtp.port, timeout=1.0
    )
    assert max(durations) < QUICK, durations
    pending = _pending(app)
    assert set(pending) == _written_by(app, ids)  # every message of every filing waits
    assert len(pending) >= 3 * len(FILINGS)  # at least the receipt, a teacher, the principal
    with app.app_context():
        errors = db.session.scalars(
            select(Notification.last_error).where(Notification.id.in_(pending))
        ).all()
    assert worker.failed > 0 and any("Refused" in (e or "") for e in errors), errors

    _back_and_delivered(app, smtp.port, pending)


def test_server_accepting_but_never_answering_is_timed_out_per_connection(app, demo, as_, smtp):
    mark_backlog_sent(app)
    hung = Blackhole()
    try:
        durations, ids, worker = _file_while_worker_runs(
            app, demo, as_, mail_port=hung.port, timeout=0.5, reached=hung.accepted
        )
        assert max(durations) < QUICK, durations
        with app.app_context():
            errors = set(
                db.session.scalars(
                    select(Notification.last_error).where(Notification.last_error.is_not(None))
                )
            )
        assert errors and all("timed out" in e for e in errors), errors
        pending = _pending(app)
        assert set(pending) - _written_by(app, ids) == {min(pending)}  # and the one queued first
        assert len(pending) >= 3 * len(FILINGS) + 1
    finally:
        hung.stop()
    _back_and_delivered(app, hung.port, pending)


def test_the_smtp_timeout_is_the_connections_own_not_the_whole_process(app, ctx, demo, smtp):
    """A process-wide socket.setdefaulttimeout would also cut off the database driver and
    every other socket opened meanwhile by another thread."""
    mark_backlog_sent(app)
    maria = db.session.get(Guardian, demo.guardians["maria"])
    notify(template="accounts/password_reset", link="/reset/token", guardian=maria)
    db.session.commit()
    hung = Blackhole()
    seen_during_send = []
    app.config["MAIL_TIMEOUT_SECONDS"] = 2.0
    app.extensions["mail"].port = hung.port

    def deliver():
        with app.app_context():
            deliver_due()

    sender = threading.Thread(target=deliver, daemon=True)
    sender.start()
    try:
        assert hung.accepted.wait(timeout=10)
        seen_during_send.append(socket.getdefaulttimeout())
        sender.join(timeout=10)
    finally:
        hung.stop()
    assert not sender.is_alive()
    assert seen_during_send == [None]
    assert socket.getdefaulttimeout() is None


def _failing_message(demo, *, age: timedelta, attempts: int = 0) -> int:
    maria = db.session.get(Guardian, demo.guardians["maria"])
    notification = notify(template="accounts/password_reset", link="/reset/token", guardian=maria)
    notification.created_at = clock.now() - age
    notification.attempts = attempts
    db.session.commit()
    return notification.id


def test_a_message_undeliverable_for_too_long_fails_for_good_and_the_office_sees_it(
    app, demo, as_, smtp
):
    mark_backlog_sent(app)
    smtp.stop()
    with app.app_context():
        limit = timedelta(hours=current_app.config["NOTIFICATION_GIVE_UP_AFTER_HOURS"])
        young = _failing_message(demo, age=limit - timedelta(hours=1))
        old = _failing_message(demo, age=limit + timedelta(minutes=1))

        report = deliver_due()
        assert (report.sent, report.failed, report.given_up) == (0, 2, 1)
        assert db.session.get(Notification, young).delivery_status is DeliveryStatus.PENDING
        failed = db.session.get(Notification, old)
        assert failed.delivery_status is DeliveryStatus.FAILED
        assert failed.attempts == 1 and "Refused" in failed.last_error

        # Never tried again, however late.
        smtp.start()
        assert deliver_due(now=clock.now() + timedelta(days=30)).sent == 1  # only the young one
        assert len(smtp.messages) == 1
        assert db.session.get(Notification, old).delivery_status is DeliveryStatus.FAILED

    page = as_("lee").get("/outbox")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Could not be delivered" in html
    assert "maria.garcia@demo.consent.example" in html and "ConnectionRefusedError" in html
    for persona in ("maria", "johnson", "brooks"):
        assert as_(persona).get("/outbox").status_code == 404


def test_a_cap_on_attempts_can_be_set_too(app, ctx, demo, smtp):
    mark_backlog_sent(app)
    smtp.stop()
    app.config["NOTIFICATION_MAX_ATTEMPTS"] = 3
    message = _failing_message(demo, age=timedelta(minutes=1), attempts=1)
    assert deliver_due().given_up == 0
    assert deliver_due(now=clock.now() + timedelta(hours=2)).given_up == 1
    db.session.expire_all()
    row = db.session.get(Notification, message)
    assert (row.attempts, row.delivery_status) == (3, DeliveryStatus.FAILED)
