"""SQLite under gunicorn with three worker processes and the notification worker beside them:
a bounded mixed load of page views (staff views write audit rows) and filings and withdrawals
on 127.0.0.1 gets no server error and no "database is locked", and every filing is whole."""

import subprocess
import threading
import time
import urllib.request
from collections import Counter

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from consent.demo.operations import load_demo
from consent.extensions import db
from consent.optouts.models import Event, OptOut, OptOutRequester
from tests.reliability.conftest import BIN, ROOT, app_env, worker_command
from tests.reliability.helpers import Client, file_and_withdraw, views
from tests.support import Processes, free_port, make_app

# SQLite under gunicorn, whatever the run's database: `.ci/run` runs it once, not per database.
pytestmark = pytest.mark.own_database

SECONDS = 20  # the load stops by itself after this long ...
MAX_REQUESTS = 400  # ... or after this many requests per client, whichever comes first


@pytest.fixture
def district(tmp_path):
    """A fresh SQLite demo district built through the migrations and the real operations."""
    url = f"sqlite:///{tmp_path / 'consent.sqlite'}"
    app = make_app(url)
    with app.app_context():
        upgrade()
        district = load_demo()
        db.session.commit()
        ids = {
            kind: {key: obj.id for key, obj in getattr(district, kind).items()}
            for kind in ("students", "tools", "optouts", "sections")
        }
        db.session.remove()
    yield url, app, ids
    with app.app_context():
        db.engine.dispose()


def _serve(
    processes: Processes, url: str, tmp_path, smtp_port: int
) -> tuple[str, list[subprocess.Popen]]:
    port = free_port()
    env = app_env(url, MAIL_PORT=str(smtp_port))
    with open(tmp_path / "gunicorn.log", "w") as log:  # the processes keep their own handle
        web = processes.start(
            [str(BIN / "gunicorn"), "--workers", "3", "--bind", f"127.0.0.1:{port}"]
            + ["--error-logfile", "-", "--timeout", "120", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        worker = processes.start(
            worker_command("--loop", "--interval", "0.5"),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        assert processes.alive(web), (tmp_path / "gunicorn.log").read_text()[-3000:]
        try:
            urllib.request.urlopen(base + "/signin", timeout=10).close()  # noqa: S310
            break
        except OSError:
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.3)
    return base, [web, worker]


def test_three_gunicorn_workers_on_sqlite_never_lock_up(
    district, tmp_path, counting_sink, processes
):
    url, app, ids = district
    base, servers = _serve(processes, url, tmp_path, counting_sink.port)
    stats: dict[str, set[str]] = {"filed": set(), "withdrawn": set()}
    clients: list[Client] = []
    errors: list[BaseException] = []
    planned = ids["optouts"]["planned"]
    section = next(iter(ids["sections"].values()))
    work = {
        "maria": lambda c: file_and_withdraw(c, ids, "sofia", "seesaw", "photos", stats),
        "patricia": lambda c: file_and_withdraw(c, ids, "olivia", "classroom", "", stats),
        "brooks": lambda c: views(c, ["/requests", f"/requests/{planned}"]),
        "johnson": lambda c: views(c, ["/tasks", f"/sections/{section}"]),
        "lee": lambda c: views(c, ["/requests?status=planned", "/outbox", "/inbox"]),
        "james": lambda c: views(c, [f"/requests/{planned}", "/inbox"]),
    }
    with app.app_context():  # every opt-out the demo holds, named or not (Lucas's Flip refusal)
        newest_demo = db.session.scalar(select(func.max(OptOut.id)))
    try:
        for persona in work:
            clients.append(Client(base, persona))
        stop_at = time.monotonic() + SECONDS

        def run(client: Client, task) -> None:
            try:
                while time.monotonic() < stop_at and sum(client.codes.values()) < MAX_REQUESTS:
                    task(client)
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)

        threads = [
            threading.Thread(target=run, args=(client, task))
            for client, task in zip(clients, work.values(), strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=SECONDS + 120)
        assert not any(thread.is_alive() for thread in threads)
    finally:
        for server in servers:  # before the log is read; the fixture would only do it later
            processes.stop(server)
    log = (tmp_path / "gunicorn.log").read_text()

    assert errors == []
    codes = sum((client.codes for client in clients), Counter())
    server_errors = {code: n for code, n in codes.items() if code >= 500}
    assert server_errors == {}, [b for c in clients for b in c.bodies][:3]
    assert "database is locked" not in log
    assert "Traceback" not in log, log[-3000:]
    assert len(stats["filed"]) >= 2 and stats["withdrawn"] == stats["filed"], stats
    assert sum(codes.values()) >= 40, codes

    with app.app_context():  # every filing is whole: filed, its requester, then withdrawn
        filings = db.session.scalars(select(OptOut).where(OptOut.id > newest_demo)).all()
        assert {str(optout.id) for optout in filings} == stats["filed"]
        for optout in filings:
            kinds = db.session.scalars(
                select(Event.kind).where(Event.optout_id == optout.id).order_by(Event.id)
            ).all()
            assert kinds == ["filed", "withdrawn"], (optout.id, kinds)
            requesters = select(func.count()).where(OptOutRequester.optout_id == optout.id)
            assert db.session.scalar(requesters) == 1
