"""The mail server being down never fails a request: the rows wait, retried with a growing and
capped backoff, and are delivered exactly once when the server is back."""

import socket
import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from consent.core import clock
from consent.extensions import db
from consent.notifications.models import DeliveryStatus, Notification
from consent.notifications.operations import deliver_due, notify
from consent.roster.models import Guardian

MARIA = "maria.garcia@demo.consent.example"
JOHNSON = "emily.johnson@demo.consent.example"
KIM = "david.kim@demo.consent.example"
BROOKS = "angela.brooks@demo.consent.example"


def _rows(optout_id: int) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.optout_id == optout_id)
            .order_by(Notification.id)
        )
    )


def test_mail_server_down_then_back_delivers_everything_exactly_once(
    app, no_backlog, file_via_web, smtp
):
    smtp.stop()

    started = time.monotonic()
    optout_id = file_via_web()  # asserts the 302 to the receipt
    assert time.monotonic() - started < 5, "filing must not wait for the mail server"

    before = clock.now()
    with app.app_context():
        report = deliver_due()
        assert (report.sent, report.failed) == (0, 4)
        rows = _rows(optout_id)
        assert len(rows) == 4
        for row in rows:
            assert row.delivery_status is DeliveryStatus.PENDING
            assert row.attempts == 1
            assert row.last_error and "Connection" in row.last_error, row.last_error
            assert row.next_attempt_at > before
            assert row.sent_at is None
        retry_at = max(row.next_attempt_at for row in rows)

    # The server comes back on the same port; until the backoff has passed nothing is retried.
    smtp.start()
    with app.app_context():
        report = deliver_due()
        assert (report.sent, report.failed) == (0, 0)
    assert smtp.messages == []

    later = retry_at + timedelta(seconds=1)
    with app.app_context():
        report = deliver_due(now=later)
        assert (report.sent, report.failed) == (4, 0)
        for row in _rows(optout_id):
            assert row.delivery_status is DeliveryStatus.SENT
            assert row.attempts == 2
            assert row.last_error is None
            assert row.sent_at is not None
    assert Counter(m["To"] for m in smtp.messages) == Counter([MARIA, JOHNSON, KIM, BROOKS])

    with app.app_context():
        report = deliver_due(now=later + timedelta(days=1))
        assert (report.sent, report.failed) == (0, 0)
    assert len(smtp.messages) == 4


def test_a_port_nobody_listens_on_is_the_same_as_a_server_that_went_away(
    app, no_backlog, file_via_web, smtp
):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        nobody = sock.getsockname()[1]
    app.extensions["mail"].port = nobody
    optout_id = file_via_web()
    with app.app_context():
        report = deliver_due()
        assert (report.sent, report.failed) == (0, 4)
        rows = _rows(optout_id)
        assert {row.delivery_status for row in rows} == {DeliveryStatus.PENDING}
        assert all(row.attempts == 1 and row.last_error for row in rows)
    assert smtp.messages == []


def test_backoff_grows_with_each_attempt_and_is_capped(app, ctx, demo, no_backlog, smtp):
    smtp.stop()
    base = app.config["NOTIFICATION_BACKOFF_SECONDS"]
    ceiling = app.config["NOTIFICATION_BACKOFF_MAX_SECONDS"]
    assert 0 < base < ceiling

    maria = db.session.get(Guardian, demo.guardians["maria"])
    notification = notify(template="accounts/password_reset", link="/reset/token", guardian=maria)
    db.session.commit()
    notification_id = notification.id

    now = clock.now()
    delays = []
    for attempt in range(1, 11):
        # Just before the retry time, the row is left alone.
        if delays:
            report = deliver_due(now=now - timedelta(seconds=1))
            assert (report.sent, report.failed) == (0, 0)
        report = deliver_due(now=now)
        assert (report.sent, report.failed) == (0, 1)
        db.session.expire_all()
        row = db.session.get(Notification, notification_id)
        assert row.attempts == attempt
        assert row.delivery_status is DeliveryStatus.PENDING
        delays.append((row.next_attempt_at - now).total_seconds())
        now = row.next_attempt_at

    expected = [min(base * 2 ** (n - 1), ceiling) for n in range(1, 11)]
    assert delays == expected
    assert delays[0] == base
    assert all(b >= a for a, b in zip(delays, delays[1:], strict=False))
    assert delays[1] == 2 * base, "it grows"
    assert delays[-1] == delays[-2] == ceiling, "and stops growing at the cap"
    assert smtp.messages == []


def test_the_cap_holds_for_a_row_that_has_failed_for_a_very_long_time(
    app, ctx, demo, no_backlog, smtp
):
    smtp.stop()
    maria = db.session.get(Guardian, demo.guardians["maria"])
    notification = notify(template="accounts/password_reset", link="/reset/token", guardian=maria)
    notification.attempts = 5000
    db.session.commit()
    now = clock.now()
    assert deliver_due(now=now).failed == 1
    db.session.expire_all()
    row = db.session.get(Notification, notification.id)
    assert row.attempts == 5001
    assert row.next_attempt_at - now == timedelta(
        seconds=app.config["NOTIFICATION_BACKOFF_MAX_SECONDS"]
    )
