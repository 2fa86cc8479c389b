"""The upload page queues; the roster worker (`flask roster work`) imports and writes its
progress to the run's row; any web process shows it; an interrupted run can be retried."""

import fcntl
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select

from consent.audit.models import AuditEvent
from consent.core import clock
from consent.extensions import db
from consent.roster.jobs import (
    Reporter,
    claim_next,
    run_claimed,
    sweep_interrupted,
    upload_folder,
)
from consent.roster.models import RosterImport, Student
from tests.importing.test_import_end_to_end import GUARDIANS_SET, upload, zipped
from tests.roster.test_unused_blanks import real_shaped

MISSING = 987_654


def work(app) -> str:
    result = app.test_cli_runner().invoke(args=["roster", "work"])
    assert result.exit_code == 0, result.output
    return result.output


def the_run(app, run_id: int) -> RosterImport:
    with app.app_context():
        run = db.session.get(RosterImport, run_id)
        db.session.expunge(run)
        db.session.remove()
    return run


def queued(lee, data: bytes) -> int:
    response = upload(lee, data)
    assert response.status_code == 302
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_the_upload_is_stored_and_queued_and_the_worker_imports_it(app, as_):
    lee = as_("lee")
    run_id = queued(lee, zipped(GUARDIANS_SET))
    run = the_run(app, run_id)
    assert (run.outcome, run.attempts) == ("queued", 0)
    with app.test_request_context():
        stored = upload_folder() / run.upload
    assert stored.is_file()
    progress = lee.get(f"/roster/imports/{run_id}/progress").get_json()
    assert (progress["state"], progress["done"]) == ("queued", False)
    page = lee.get(f"/roster/imports/{run_id}").get_data(as_text=True)
    assert f'data-progress-url="/roster/imports/{run_id}/progress"' in page
    assert '<script src="/static/import-progress.js" defer></script>' in page

    assert f"roster import {run_id}: applied" in work(app)

    progress = lee.get(f"/roster/imports/{run_id}/progress").get_json()
    assert (progress["state"], progress["done"]) == ("applied", True)
    run = the_run(app, run_id)
    assert (run.outcome, run.attempts, run.upload) == ("applied", 1, None)
    assert run.rows_read > 0 and run.heartbeat_at is not None
    assert not stored.exists()  # an upload with an outcome is not kept


def test_the_warnings_of_a_real_shaped_set_show_on_the_import_s_page(app, as_, tmp_path):
    lee = as_("lee")
    run_id = queued(lee, zipped(real_shaped(tmp_path)))
    work(app)
    page = lee.get(f"/roster/imports/{run_id}").get_data(as_text=True)
    assert "The roster was imported." in page
    assert "warnings (imported all the same):" in page
    assert "users.csv: username blank on 2,817 guardian rows; not used." in page


def test_progress_is_committed_as_it_goes_in_transactions_of_its_own(app, as_):
    lee = as_("lee")
    run_id = queued(lee, zipped(GUARDIANS_SET))
    with app.app_context():
        assert claim_next() == run_id
        db.session.begin()  # the import's own transaction, still open
        Reporter(run_id).step("schools")
        # Another process sees it at once (on SQLite the import would hold the write lock:
        # the report waits for the end instead; that case is the worker test's).
        if db.engine.dialect.name != "sqlite":
            other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
            with other.connect() as connection:
                step = connection.scalar(select(RosterImport.step).where(RosterImport.id == run_id))
            other.dispose()
            assert step == "schools"
        db.session.rollback()
        db.session.remove()
    progress = lee.get(f"/roster/imports/{run_id}/progress").get_json()
    assert progress["state"] == "running"


def test_a_run_whose_worker_stopped_reporting_is_interrupted_and_can_be_retried(app, as_):
    lee = as_("lee")
    run_id = queued(lee, zipped(GUARDIANS_SET))
    with app.app_context():
        assert claim_next() == run_id  # ... and then the worker was killed
        db.session.remove()
    page = lee.get(f"/roster/imports/{run_id}").get_data(as_text=True)
    assert "Importing. Step: reading." in page
    assert "Retry this import" not in page

    clock.travel_to(clock.now() + timedelta(seconds=app.config["ROSTER_IMPORT_STALE_SECONDS"] + 1))
    assert lee.get(f"/roster/imports/{run_id}/progress").get_json()["state"] == "interrupted"
    page = lee.get(f"/roster/imports/{run_id}").get_data(as_text=True)
    assert "This import was interrupted" in page
    assert "Retry this import" in page
    assert ">interrupted</td>" in lee.get("/roster/imports").get_data(as_text=True)

    retried = lee.post(
        f"/roster/imports/{run_id}/retry", {}, token_from=f"/roster/imports/{run_id}"
    )
    assert retried.status_code == 302
    assert the_run(app, run_id).outcome == "queued"
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).where(AuditEvent.action == "roster.import.retry")
            )
            == 1
        )
        db.session.remove()
    work(app)
    run = the_run(app, run_id)
    assert (run.outcome, run.attempts) == ("applied", 2)


def test_the_next_worker_pass_marks_an_interrupted_run_failed_and_keeps_its_upload(app, as_):
    lee = as_("lee")
    run_id = queued(lee, zipped(GUARDIANS_SET))
    with app.app_context():
        claim_next()
        db.session.remove()
    clock.travel_to(clock.now() + timedelta(seconds=app.config["ROSTER_IMPORT_STALE_SECONDS"] + 1))
    assert "marked failed" in work(app)
    run = the_run(app, run_id)
    assert run.outcome == "failed" and "interrupted" in run.problems
    assert run.upload is not None
    page = lee.get(f"/roster/imports/{run_id}").get_data(as_text=True)
    assert "Retry this import" in page


def test_a_finished_import_cannot_be_retried(app, as_):
    lee = as_("lee")
    run_id = queued(lee, zipped(GUARDIANS_SET))
    work(app)
    answer = lee.post(f"/roster/imports/{run_id}/retry", {}, token_from=f"/roster/imports/{run_id}")
    assert answer.status_code == 302
    assert "cannot be retried" in lee.get(answer.headers["Location"]).get_data(as_text=True)
    assert the_run(app, run_id).outcome == "applied"


def _denied(app) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count()).where(AuditEvent.action == "access.denied"))
        db.session.remove()
    return n


@pytest.mark.parametrize("persona", ["maria", "johnson", "brooks"])
def test_the_progress_and_retry_urls_answer_like_missing_ones_to_everyone_else(app, as_, persona):
    run_id = queued(as_("lee"), zipped(GUARDIANS_SET))
    person = as_(persona)
    for url in (f"/roster/imports/{run_id}/progress", f"/roster/imports/{MISSING}/progress"):
        before = _denied(app)
        assert person.get(url).status_code == 404, url
        assert _denied(app) == before + 1, url
    before = _denied(app)
    token_page = "/children" if persona == "maria" else "/sections"
    answer = person.post(f"/roster/imports/{run_id}/retry", {}, token_from=token_page)
    assert answer.status_code == 404
    assert _denied(app) == before + 1
    assert the_run(app, run_id).outcome == "queued"


def test_the_office_gets_a_404_for_a_missing_import_s_progress_and_retry(app, as_):
    lee = as_("lee")
    assert lee.get(f"/roster/imports/{MISSING}/progress").status_code == 404
    answer = lee.post(f"/roster/imports/{MISSING}/retry", {}, token_from="/roster/imports")
    assert answer.status_code == 404


def test_on_sqlite_a_second_roster_worker_refuses_to_start(app):
    from consent.roster.cli import worker_lock_path

    with app.app_context():
        path = worker_lock_path()
    if path is None:  # PostgreSQL: the conditional claim lets several workers share the queue
        assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
        work(app)
        return
    with open(path, "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        try:
            result = app.test_cli_runner().invoke(args=["roster", "work"])
        finally:
            fcntl.flock(held, fcntl.LOCK_UN)
    assert result.exit_code == 1
    assert "Another roster worker is already running" in result.output
    work(app)  # the lock released, a worker starts


def test_a_run_marked_interrupted_while_its_worker_still_ran_is_not_applied_behind_it(app, as_):
    """A slow worker whose run the office was already told was interrupted (and may retry)
    rolls its import back rather than turn the run into "applied" behind the page's back."""
    lee = as_("lee")
    run_id = queued(lee, zipped(GUARDIANS_SET))
    with app.app_context():
        before = db.session.scalar(select(func.count()).where(Student.active.is_(True)))
        assert claim_next() == run_id
        clock.travel_to(
            clock.now() + timedelta(seconds=app.config["ROSTER_IMPORT_STALE_SECONDS"] + 1)
        )
        assert sweep_interrupted() == 1  # another worker's pass, while this one still imports
        assert run_claimed(run_id) == "superseded"
        assert db.session.scalar(select(func.count()).where(Student.active.is_(True))) == before
        db.session.remove()
    run = the_run(app, run_id)
    assert run.outcome == "failed" and run.upload is not None
    assert "Retry this import" in lee.get(f"/roster/imports/{run_id}").get_data(as_text=True)
