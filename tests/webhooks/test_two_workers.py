"""Two workers and one outbox. On PostgreSQL two workers claim batches at the same time (FOR
UPDATE SKIP LOCKED) and the receiver gets every delivery exactly once, with no repeat to drop.
On SQLite, which has no row locks, a second worker refuses to start."""

import threading

from consent.extensions import db
from consent.webhooks import cli as worker_cli
from consent.webhooks.delivery import deliver_due
from consent.webhooks.models import DeliveryStatus, WebhookEvent
from consent.webhooks.operations import enqueue
from tests.webhooks.conftest import deliveries

EVENTS = 40


def _queue(app, number: int) -> None:
    with app.app_context():
        for n in range(number):
            enqueue(WebhookEvent.OPTOUT_CONFIRMED, {"optout_id": n, "status": "confirmed"})
        db.session.commit()


def test_two_workers_share_the_outbox_or_the_second_refuses(hooks, endpoint, receiver):
    endpoint()
    _queue(hooks, EVENTS)
    if hooks.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with hooks.app_context(), worker_cli.only_worker():
            second = hooks.test_cli_runner().invoke(args=["webhooks", "deliver"])
        assert second.exit_code != 0
        assert "Another webhook worker is already running" in second.output
        assert receiver.received == []
        alone = hooks.test_cli_runner().invoke(args=["webhooks", "deliver"])
        assert alone.exit_code == 0, alone.output
        assert alone.output == f"delivered {EVENTS}, failed 0, given up 0\n"
    else:
        done = []

        def work():
            with hooks.app_context():
                total = 0
                while handled := deliver_due(limit=3).handled:
                    total += handled
                done.append(total)
                db.session.remove()

        workers = [threading.Thread(target=work) for _ in range(2)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(60)
        assert sum(done) == EVENTS
    ids = [r.delivery_id for r in receiver.received]
    assert len(ids) == len(set(ids)) == EVENTS, "every delivery once, no repeat at all"
    assert all(r.verified for r in receiver.received)
    assert {d.status for d in deliveries(hooks)} == {DeliveryStatus.DELIVERED}
