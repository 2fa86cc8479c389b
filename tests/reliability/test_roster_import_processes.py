"""The roster import across processes: two web processes (gunicorn, one worker each) on loopback
and the roster worker (`flask roster work --loop`) beside them. The upload goes through one web
process; the other shows the worker's progress from the database; a worker killed mid-import
leaves nothing half-imported, and its run is shown as interrupted (after
ROSTER_IMPORT_STALE_SECONDS) and retried to the end. On SQLite and PostgreSQL."""

import copy
import io
import json
import os
import signal
import subprocess
import time
import urllib.request
import uuid
import zipfile
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from consent.demo.operations import load_demo
from consent.extensions import db
from consent.roster.jobs import IMPORT_STEPS
from consent.roster.models import RosterImport, Student
from tests.reliability.conftest import BIN, ROOT, app_env
from tests.reliability.helpers import Client
from tests.roster.helpers import OR11, copy_set
from tests.support import Processes, find_csrf, free_port, make_app

# Its own SQLite file and private PostgreSQL database: `.ci/run` runs it once, not per database.
pytestmark = pytest.mark.own_database

STUDENTS = 80_000  # enough rows that the worker is still at it when the test looks
STALE_SECONDS = 3


def big_set(tmp_path: Path) -> bytes:
    """The Riverside 1.1 set with STUDENTS more students, each in two classes, zipped."""
    folder = copy_set(OR11, tmp_path)

    def append(name: str, rows) -> None:
        path = folder / name
        text = path.read_text(encoding="utf-8-sig").rstrip("\n")
        path.write_text(text + "\n" + "\n".join(rows) + "\n", encoding="utf-8")

    append(
        "users.csv",
        (
            f"x{n},,,true,s1,student,,,Given{n},Family{n},,9{n:07d},,,,,03,,en"
            for n in range(STUDENTS)
        ),
    )
    append(
        "enrollments.csv",
        (f"x{n}-{c},,,{c},s1,x{n},student,,," for n in range(STUDENTS) for c in ("c1", "c3")),
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, path.name)
    return buffer.getvalue()


def upload(client: Client, data: bytes) -> int:
    """Post the zip through the upload form, as a browser does; returns the import's id."""
    token = find_csrf(client.get("/roster/imports"))
    boundary = uuid.uuid4().hex
    body = b"".join(
        [
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
            f"{token}\r\n".encode(),
            f'--{boundary}\r\nContent-Disposition: form-data; name="archive"; '
            f'filename="district.zip"\r\nContent-Type: application/zip\r\n\r\n'.encode(),
            data,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    request = urllib.request.Request(  # noqa: S310 - our own server on 127.0.0.1
        client.base + "/roster/imports",
        data=body,
        method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    where, _ = client._open(request)
    assert "/roster/imports/" in where, where
    return int(where.rsplit("/", 1)[1])


def progress(client: Client, run_id: int) -> dict:
    return json.loads(client.get(f"/roster/imports/{run_id}/progress"))


def wait_until(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while True:
        found = condition()
        if found:
            return found
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


def serve(processes: Processes, env: dict, log: Path) -> str:
    port = free_port()
    with open(log, "w") as out:
        web = processes.start(
            [str(BIN / "gunicorn"), "--workers", "1", "--bind", f"127.0.0.1:{port}"]
            + ["--error-logfile", "-", "--timeout", "120", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        assert processes.alive(web), log.read_text()[-3000:]
        try:
            urllib.request.urlopen(base + "/signin", timeout=10).close()  # noqa: S310
            return base
        except OSError:
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.3)


def start_worker(processes: Processes, env: dict, log: Path) -> subprocess.Popen:
    with open(log, "a") as out:
        return processes.start(
            [str(BIN / "flask"), "--app", "wsgi", "roster", "work", "--loop", "--interval", "0.2"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'consent.sqlite'}"
    else:
        url = request.getfixturevalue("private_postgres").create_database("roster_processes")
    app = make_app(url)
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        db.session.remove()
    yield url, app
    with app.app_context():
        db.engine.dispose()


def active_students(app) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count()).where(Student.active.is_(True)))
        db.session.remove()
    return n


def test_upload_through_one_process_progress_through_the_other_and_a_killed_worker(
    database, tmp_path, processes
):
    url, app = database
    before = active_students(app)
    env = app_env(
        url,
        ROSTER_UPLOAD_DIR=str(tmp_path / "uploads"),
        ROSTER_IMPORT_STALE_SECONDS=str(STALE_SECONDS),
    )
    first = serve(processes, env, tmp_path / "web1.log")
    second = serve(processes, env, tmp_path / "web2.log")
    one = Client(first, "lee")
    other = copy.copy(one)  # the same signed-in browser, talking to the other process
    other.base = second

    run_id = upload(one, big_set(tmp_path))
    assert progress(other, run_id)["state"] == "queued"
    assert "Queued: waiting for the roster worker" in other.get(f"/roster/imports/{run_id}")

    # The worker imports; the other process shows it reading, from the database.
    worker = start_worker(processes, env, tmp_path / "worker.log")
    seen = wait_until(
        lambda: (p := progress(other, run_id))["state"] == "running" and p["rows_read"] > 0 and p,
        120,
        "the other process to show the worker's progress",
    )
    assert seen["step"] in IMPORT_STEPS  # reading, as a rule; later on a busy machine
    assert "Importing. Step:" in other.get(f"/roster/imports/{run_id}")

    # The worker is killed mid-import: nothing is half-imported ...
    os.killpg(worker.pid, signal.SIGKILL)
    processes.stop(worker)
    assert active_students(app) == before
    # ... and after the timeout both processes say the run was interrupted, not "running".
    wait_until(
        lambda: progress(other, run_id)["state"] == "interrupted",
        STALE_SECONDS + 30,
        "the run to be shown as interrupted",
    )
    assert progress(one, run_id)["state"] == "interrupted"
    page = other.get(f"/roster/imports/{run_id}")
    assert "This import was interrupted" in page and "Retry this import" in page

    # Retried through the other process; a new worker imports it to the end.
    other.post(f"/roster/imports/{run_id}/retry", {}, token_page=page)
    assert progress(one, run_id)["state"] == "queued"
    start_worker(processes, env, tmp_path / "worker.log")
    wait_until(
        lambda: progress(one, run_id)["state"] == "applied",
        300,
        "the retried import to finish: " + (tmp_path / "worker.log").read_text()[-2000:],
    )
    assert "The roster was imported." in one.get(f"/roster/imports/{run_id}")
    assert active_students(app) == 4 + STUDENTS
    with app.app_context():
        run = db.session.get(RosterImport, run_id)
        assert (run.attempts, run.upload) == (2, None)
        db.session.remove()
    # The finished run's upload goes (just after the worker committed the outcome).
    wait_until(lambda: not list((tmp_path / "uploads").iterdir()), 30, "the upload to go")
    assert one.codes[500] == other.codes[500] == 0
