"""`flask notifications deliver [--loop]`: the worker that emails what the app queued."""

from collections import Counter

from sqlalchemy import select

from consent.core import worker as worker_loop
from consent.extensions import db
from consent.notifications.models import DeliveryStatus, Notification


def _pending(app) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Notification.to_address).where(
                    Notification.delivery_status == DeliveryStatus.PENDING
                )
            )
        )


def test_deliver_sends_the_demo_backlog_and_says_so(app, smtp):
    pending = _pending(app)
    assert len(pending) > 10, "the demo district queues messages for its requests"
    result = app.test_cli_runner().invoke(args=["notifications", "deliver"])
    assert result.exit_code == 0, result.output
    assert result.output == f"sent {len(pending)}, failed 0\n"
    assert Counter(m["To"] for m in smtp.messages) == Counter(pending)
    assert _pending(app) == []

    again = app.test_cli_runner().invoke(args=["notifications", "deliver"])
    assert again.output == "sent 0, failed 0\n"
    assert len(smtp.messages) == len(pending)


def test_deliver_sends_what_a_filing_queued(app, no_backlog, file_via_web, smtp):
    file_via_web()
    result = app.test_cli_runner().invoke(args=["notifications", "deliver"])
    assert result.exit_code == 0, result.output
    assert result.output == "sent 4, failed 0\n"
    assert sorted(m["To"] for m in smtp.messages) == sorted(
        [
            "maria.garcia@demo.consent.example",
            "emily.johnson@demo.consent.example",
            "david.kim@demo.consent.example",
            "angela.brooks@demo.consent.example",
        ]
    )


def test_deliver_reports_failures_when_the_server_is_down(app, no_backlog, file_via_web, smtp):
    smtp.stop()
    file_via_web()
    result = app.test_cli_runner().invoke(args=["notifications", "deliver"])
    assert result.exit_code == 0, result.output
    assert result.output == "sent 0, failed 4\n"
    assert len(_pending(app)) == 4


class _Stop(Exception):
    pass


def test_the_loop_reports_passes_that_did_something_and_stays_quiet_otherwise(
    app, no_backlog, file_via_web, smtp, monkeypatch
):
    """The worker's sleep is replaced to end the loop after three passes; sending is real."""
    file_via_web()
    naps = []

    def sleep(seconds):
        naps.append(seconds)
        if len(naps) == 3:
            raise _Stop

    monkeypatch.setattr(worker_loop.time, "sleep", sleep)
    result = app.test_cli_runner().invoke(
        args=["notifications", "deliver", "--loop", "--interval", "0.5"]
    )
    assert isinstance(result.exception, _Stop)
    assert result.output == "sent 4, failed 0\n"
    assert naps == [0.5, 0.5, 0.5]
    assert len(smtp.messages) == 4
