"""Delivery after commit to a REAL HTTP receiver on loopback: down, then failing (500), then
slow past the timeout, then back. Each failure is retried after a backoff that doubles up to
its cap (the clock is moved past it); the app's writes go on while the worker waits; once the
receiver is back every event is delivered, and the receiver, dropping repeated Webhook-Ids,
acts on each exactly once, every signature checking out with the endpoint's secret."""

import json
import threading
import time
from datetime import timedelta

from sqlalchemy import select

from consent.core import clock
from consent.extensions import db
from consent.optouts.models import OptOut
from consent.webhooks.delivery import deliver_due
from consent.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from tests.reliability.conftest import ROOT, app_env
from tests.rollover.helpers import confirm
from tests.webhooks.conftest import READ_TIMEOUT, SLOW, deliveries


def _deliver(app):
    with app.app_context():
        report = deliver_due()
        db.session.remove()
    return report


def _attempts(app, delivery_id: int) -> list[WebhookAttempt]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(WebhookAttempt)
                .where(WebhookAttempt.delivery_id == delivery_id)
                .order_by(WebhookAttempt.id)
            )
        )
        db.session.expunge_all()
    return rows


def _later(seconds: float) -> None:
    clock.travel_to(clock.now() + timedelta(seconds=seconds))


def test_a_normal_receiver_gets_each_event_once_signed(hooks, demo, endpoint, receiver):
    endpoint()
    with hooks.app_context():
        confirm(demo, "planned", "brooks")
        confirm(demo, "submitted", "reed")
        db.session.commit()
    report = _deliver(hooks)
    assert (report.delivered, report.failed) == (2, 0)
    assert _deliver(hooks).handled == 0, "nothing is sent twice"
    assert len(receiver.received) == 2
    assert all(r.verified for r in receiver.received)
    assert sorted(r.event["data"]["optout_id"] for r in receiver.received) == sorted(
        [demo.optouts["planned"], demo.optouts["submitted"]]
    )
    rows = deliveries(hooks)
    assert {r.status for r in rows} == {DeliveryStatus.DELIVERED}
    assert {r.uuid for r in rows} == {r.delivery_id for r in receiver.received}
    for row in rows:
        [attempt] = _attempts(hooks, row.id)
        assert attempt.status_code == 200 and attempt.error == ""
        # What arrived is byte for byte what was queued (and signed).
        [got] = [r for r in receiver.received if r.delivery_id == row.uuid]
        assert got.body.decode() == row.body
        assert got.headers["Content-Type"] == "application/json"


def test_down_500_slow_then_back_delivers_each_event_exactly_once(hooks, demo, endpoint, receiver):
    endpoint()
    with hooks.app_context():
        confirm(demo, "planned", "brooks")
        db.session.commit()
    [queued] = deliveries(hooks)

    # Down: connection refused; retried after the first backoff, not before.
    receiver.down()
    assert _deliver(hooks).failed == 1
    assert _deliver(hooks).handled == 0, "not due again before the backoff"
    _later(9)
    assert _deliver(hooks).handled == 0
    _later(2)

    # Answering 500: retried after twice the backoff.
    receiver.mode = "500"
    receiver.up()
    assert _deliver(hooks).failed == 1
    _later(19)
    assert _deliver(hooks).handled == 0
    _later(2)

    # Slow past the read timeout: the worker stops waiting, and the app is not held up.
    receiver.mode = "slow"
    receiver.arrived.clear()
    worker = threading.Thread(target=lambda: results.append(_deliver(hooks)))
    results = []
    started = time.monotonic()
    worker.start()
    assert receiver.arrived.wait(5), "the worker never reached the receiver"
    with hooks.app_context():
        change = time.monotonic()
        confirm(demo, "submitted", "reed")  # another change, written while the worker waits
        db.session.commit()
        assert time.monotonic() - change < SLOW, "a change waited for the endpoint"
    worker.join(10)
    assert time.monotonic() - started < SLOW + 1
    assert results[0].failed == 1
    _later(41)  # the cap: 40 seconds, not 80

    # Back: both events delivered, and nothing is sent again afterwards.
    receiver.mode = "ok"
    assert _deliver(hooks).delivered == 2
    _later(3600)
    assert _deliver(hooks).handled == 0

    answers = [(a.status_code, a.error) for a in _attempts(hooks, queued.id)]
    assert answers[0][0] is None and "could not connect" in answers[0][1]
    assert answers[1] == (500, "")
    assert answers[2] == (None, "timed out")
    assert answers[3] == (200, "")
    assert all(a.duration_ms < (READ_TIMEOUT + 1) * 1000 for a in _attempts(hooks, queued.id))
    rows = deliveries(hooks)
    assert {r.status for r in rows} == {DeliveryStatus.DELIVERED}
    assert [r.attempts for r in rows] == [4, 1]

    # The slow attempt reached the receiver too: it sees the first event twice, with the same
    # Webhook-Id, and acts on it once; every event once, every signature good.
    time.sleep(SLOW)  # let the slow handler finish its answer
    accepted_ids = [r.delivery_id for r in receiver.accepted()]
    assert accepted_ids.count(queued.uuid) == 2
    assert set(receiver.deduped()) == {r.uuid for r in rows}
    events = [r.event["data"]["optout_id"] for r in receiver.deduped().values()]
    assert sorted(events) == sorted([demo.optouts["planned"], demo.optouts["submitted"]])
    assert all(r.verified for r in receiver.received)


def test_after_the_last_attempt_a_delivery_fails_for_good(hooks, demo, endpoint, receiver):
    hooks.config["WEBHOOK_MAX_ATTEMPTS"] = 3
    endpoint()
    receiver.mode = "500"
    with hooks.app_context():
        confirm(demo, "planned", "brooks")
        db.session.commit()
    reports = []
    for _ in range(3):
        reports.append(_deliver(hooks))
        _later(60)
    assert [r.given_up for r in reports] == [0, 0, 1]
    [row] = deliveries(hooks)
    assert row.status is DeliveryStatus.FAILED and row.attempts == 3
    assert _deliver(hooks).handled == 0
    assert len(receiver.received) == 3


def test_the_worker_process_delivers_after_a_failure(hooks, demo, endpoint, receiver, processes):
    """`flask webhooks deliver --loop` as a real process, as cron or systemd runs it."""
    endpoint()
    receiver.mode = "500"
    with hooks.app_context():
        confirm(demo, "planned", "brooks")
        db.session.commit()
    env = app_env(
        hooks.config["SQLALCHEMY_DATABASE_URI"],
        WEBHOOKS_ALLOW_LOOPBACK_HTTP="1",
        WEBHOOK_BACKOFF_SECONDS="1",
        WEBHOOK_READ_TIMEOUT_SECONDS="1",
    )
    from tests.reliability.conftest import BIN

    worker = processes.start(
        [str(BIN / "flask"), "--app", "wsgi", "webhooks", "deliver", "--loop", "--interval", "0.2"],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 20
    while not receiver.received:
        assert time.monotonic() < deadline and processes.alive(worker), "no attempt arrived"
        time.sleep(0.1)
    receiver.mode = "ok"
    while not receiver.accepted():
        assert time.monotonic() < deadline and processes.alive(worker), "never delivered"
        time.sleep(0.1)
    assert processes.stop(worker) == 0
    [row] = deliveries(hooks)
    assert row.status is DeliveryStatus.DELIVERED and row.attempts >= 2
    assert len(receiver.deduped()) == 1 and all(r.verified for r in receiver.received)
    assert json.loads(row.body)["data"]["optout_id"] == demo.optouts["planned"]
    with hooks.app_context():
        assert db.session.get(OptOut, demo.optouts["planned"]).status.value == "confirmed"
        assert db.session.scalar(select(WebhookDelivery.delivered_at)) is not None


def test_a_claimed_batch_is_leased_for_as_long_as_sending_all_of_it_can_take(hooks, demo, endpoint):
    """A worker sends its batch one delivery after another, each up to connect + read timeout:
    the lease must cover the whole batch, or a second worker takes its tail and sends it twice.
    (WEBHOOK_LEASE_SECONDS is 30 here; two deliveries of up to 1 + READ_TIMEOUT s each.)"""
    from consent.webhooks.delivery import _claim

    endpoint()
    with hooks.app_context():
        confirm(demo, "planned", "brooks")
        confirm(demo, "submitted", "reed")
        db.session.commit()
        now = clock.now()
        claimed = _claim(now, 40)
        assert len(claimed) == 2
        leased = {row.next_attempt_at for row in deliveries(hooks)}
        per_item = 1.0 + READ_TIMEOUT
        assert all(at >= now + timedelta(seconds=40 * per_item) for at in leased)
