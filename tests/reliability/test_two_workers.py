"""Two notification workers. On PostgreSQL two worker processes share an outbox of 10,000
messages and the mail server receives every Message-ID exactly once (FOR UPDATE SKIP LOCKED).
On SQLite, which has no row locks, a second worker refuses to start, with a clear message."""

import fcntl
import subprocess
import time
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select, text

from consent.extensions import db
from consent.notifications.models import DeliveryStatus, Notification
from consent.notifications.operations import message_id
from tests.reliability.conftest import ROOT, app_env, worker_command
from tests.support import Processes, make_app

# A private PostgreSQL and a SQLite file of its own: `.ci/run` runs it once, not per database.
pytestmark = pytest.mark.own_database

MESSAGES = 10_000


def _migrated_app(url: str, **config):
    app = make_app(url, **config)
    with app.app_context():
        upgrade()
    return app


def _queue(app, number: int) -> dict[int, str]:
    """`number` pending messages in one statement, and the Message-ID each must arrive with."""
    with app.app_context():
        db.session.execute(
            text(
                "INSERT INTO notification (created_at, kind, to_address, language, subject,"
                " body_text, body_html, link, delivery_status, attempts, next_attempt_at)"
                " SELECT now() - interval '1 minute', 'test/bulk',"
                " 'guardian' || n || '@example.org', 'en', 'Message ' || n, 'Body ' || n,"
                " '<p>Body ' || n || '</p>', '/inbox', 'pending', 0, now() - interval '1 minute'"
                " FROM generate_series(1, :number) AS n"
            ),
            {"number": number},
        )
        db.session.commit()
        return {row.id: message_id(row) for row in db.session.scalars(select(Notification))}


def _wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.2)


def _start_worker(processes: Processes, env: dict, logs: Path) -> subprocess.Popen:
    """A worker process; its output goes to files (a full pipe would stall it)."""
    logs.mkdir(parents=True, exist_ok=True)
    with open(logs / "out", "w") as out, open(logs / "err", "w") as err:
        return processes.start(
            worker_command("--loop", "--interval", "0.2"),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=err,
        )


def _stop(processes: Processes, worker: subprocess.Popen, logs: Path) -> tuple[int, str, str]:
    """SIGTERM, as a service manager stops it: the worker ends its pass and exits 0."""
    code = processes.stop(worker)
    return code, (logs / "out").read_text(), (logs / "err").read_text()


def test_two_workers_on_postgresql_send_every_message_exactly_once(
    private_postgres, tmp_path, processes, counting_sink
):
    url = private_postgres.create_database("two_workers")
    app = _migrated_app(url)
    expected = _queue(app, MESSAGES)
    assert len(expected) == MESSAGES
    sink = counting_sink
    env = app_env(url, MAIL_PORT=str(sink.port))
    logs = [tmp_path / f"worker{n}" for n in (1, 2)]
    workers = [_start_worker(processes, env, log) for log in logs]
    try:

        def outbox_empty() -> bool:
            assert all(processes.alive(w) for w in workers), "a worker died"
            with app.app_context():
                waiting = db.session.scalar(
                    select(func.count()).where(
                        Notification.delivery_status == DeliveryStatus.PENDING
                    )
                )
                db.session.rollback()
            return waiting == 0

        _wait_for(outbox_empty, 300, "the outbox to empty")
    finally:
        results = [_stop(processes, w, log) for w, log in zip(workers, logs, strict=True)]

    sent_by = []
    for code, out, err in results:
        assert code == 0, err[-2000:]
        lines = [line.split(", ") for line in out.splitlines()]
        assert all(failed == "failed 0" for _, failed in lines), out
        sent_by.append(sum(int(sent.removeprefix("sent ")) for sent, _ in lines))
    assert sum(sent_by) == MESSAGES
    assert all(share > 0 for share in sent_by), f"both workers took part: {sent_by}"

    assert sink.total == MESSAGES
    assert dict(sink.received) == dict.fromkeys(expected.values(), 1)
    with app.app_context():
        rows = db.session.execute(
            select(Notification.delivery_status, Notification.attempts, func.count()).group_by(
                Notification.delivery_status, Notification.attempts
            )
        ).all()
        db.session.remove()
        db.engine.dispose()
    assert rows == [(DeliveryStatus.SENT, 1, MESSAGES)]


@pytest.fixture
def sqlite_outbox(tmp_path):
    url = f"sqlite:///{tmp_path / 'consent.sqlite'}"
    app = _migrated_app(url)
    yield url, Path(tmp_path / "consent.sqlite.worker.lock")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _held(lock: Path) -> bool:
    if not lock.exists():
        return False
    with open(lock, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def test_on_sqlite_a_second_worker_refuses_to_start(
    sqlite_outbox, counting_sink, tmp_path, processes
):
    url, lock = sqlite_outbox
    env = app_env(url, MAIL_PORT=str(counting_sink.port))
    first = _start_worker(processes, env, tmp_path / "first")
    try:
        _wait_for(lambda: _held(lock) or not processes.alive(first), 60, "the first worker")
        assert processes.alive(first), (tmp_path / "first" / "err").read_text()

        second = processes.run(worker_command("--loop"), cwd=ROOT, env=env)
        assert second.returncode == 1
        assert "Another notification worker is already running" in second.stderr
        assert "SQLite allows only one" in second.stderr
        once = processes.run(worker_command(), cwd=ROOT, env=env)
        assert once.returncode == 1, "a single pass beside the worker is refused too"
    finally:
        code, out, err = _stop(processes, first, tmp_path / "first")
    assert code == 0, err[-2000:]
    assert not _held(lock), "a stopped worker lets the next one start"

    after = processes.run(worker_command(), cwd=ROOT, env=env)
    assert after.returncode == 0, after.stderr[-2000:]
    assert after.stdout == "sent 0, failed 0\n"
