"""Roster imports from the upload page run in the roster worker (`flask roster work --loop`), a
process of its own, never in a web process.

The upload page stores the zip in the upload folder and queues a RosterImport row naming it.
The worker claims the oldest queued run, imports it in one transaction (a set with any problem
changes nothing, and a worker that dies mid-import rolls back, so the district is never
half-imported) and writes its progress (step, rows read, a heartbeat) to the run's row in short
transactions of their own, so every web process shows the same progress. A run whose worker
stopped reporting for ROSTER_IMPORT_STALE_SECONDS was interrupted: pages show it so at once, the
next worker pass marks it failed, and the privacy office may retry it (its upload is kept until
the run has an outcome).

On SQLite the import holds the database's one write lock while it writes, so the worker reports
while the set is read and when it is done, not between the writing steps.
"""

import logging
import secrets
import time
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select, update

from consent.audit.operations import record
from consent.core import clock
from consent.core.errors import DomainError
from consent.extensions import db
from consent.roster.models import RosterImport

log = logging.getLogger(__name__)

#: The steps an import reports, in order (the progress bar of the CLI and the upload page).
IMPORT_STEPS = (
    "reading",
    "schools",
    "staff",
    "students",
    "guardians",
    "links",
    "sections",
    "enrollments",
    "opt-outs",
)
FINISHED = frozenset({"applied", "checked", "refused", "failed"})
INTERRUPTED = (
    "The import was interrupted: its worker stopped reporting (stopped or restarted). "
    "Nothing was changed; it can be retried."
)
UNEXPECTED = "The import stopped on an unexpected error. Nothing was changed."
READ_REPORT_SECONDS = 1.0  # at most one progress write a second while files are read


# --- the upload ------------------------------------------------------------------------------


def upload_folder() -> Path:
    """Where uploads wait for the worker; every web process and the worker share it."""
    configured = current_app.config.get("ROSTER_UPLOAD_DIR")
    folder = Path(configured) if configured else Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_upload(file_storage) -> str:
    """Save an uploaded zip under a random name; returns that name."""
    name = f"{secrets.token_hex(16)}.zip"
    file_storage.save(upload_folder() / name)
    return name


def discard_upload(name: str | None) -> None:
    if name:
        (upload_folder() / name).unlink(missing_ok=True)


# --- what a page shows -----------------------------------------------------------------------


def stale_before(now: datetime) -> datetime:
    return now - timedelta(seconds=current_app.config["ROSTER_IMPORT_STALE_SECONDS"])


def is_interrupted(run: RosterImport, now: datetime | None = None) -> bool:
    """Running, but its worker has not reported for too long (killed, or its machine rebooted)."""
    last = run.heartbeat_at or run.started_at
    return run.outcome == "running" and last < stale_before(now or clock.now())


def state(run: RosterImport) -> str:
    """queued, running, interrupted, or the outcome (applied, checked, refused, failed)."""
    return "interrupted" if is_interrupted(run) else run.outcome


def may_retry(run: RosterImport) -> bool:
    """A failed or interrupted upload whose zip is still kept may be queued again."""
    return (
        state(run) in ("failed", "interrupted")
        and run.upload is not None
        and (upload_folder() / run.upload).is_file()
    )


# --- operations (the upload page) ------------------------------------------------------------


def queue_import(*, actor, source_name: str, dry_run: bool, upload: str) -> int:
    """Queue a stored upload for the roster worker; returns the import's id."""
    queued = RosterImport(
        run_by_account_id=actor.id,
        source_name=source_name[:255],
        dry_run=dry_run,
        outcome="queued",
        upload=upload,
    )
    db.session.add(queued)
    record(actor, "roster.import")
    db.session.flush()
    return queued.id


def retry_import(*, actor, run: RosterImport) -> int:
    """Queue a failed or interrupted import again, from the upload it kept."""
    if not may_retry(run):
        raise DomainError(_("This import cannot be retried: upload the file again."))
    run.outcome = "queued"
    run.step = ""
    run.summary = ""
    run.problems = ""
    run.rows_read = 0
    run.heartbeat_at = None
    run.finished_at = None
    record(actor, "roster.import.retry", target=f"roster_import:{run.id}")
    db.session.flush()
    return run.id


# --- the worker ------------------------------------------------------------------------------


def sweep_interrupted() -> int:
    """Mark the runs whose worker stopped reporting as failed (their upload is kept for a
    retry); returns how many."""
    now = clock.now()
    cutoff = stale_before(now)
    result = db.session.execute(
        update(RosterImport)
        .where(
            RosterImport.outcome == "running",
            or_(
                RosterImport.heartbeat_at < cutoff,
                and_(RosterImport.heartbeat_at.is_(None), RosterImport.started_at < cutoff),
            ),
        )
        .values(outcome="failed", step="", finished_at=now, problems=INTERRUPTED),
        execution_options={"synchronize_session": False},
    )
    db.session.commit()
    return result.rowcount


def claim_next() -> int | None:
    """The oldest queued run, now running and ours; None when nothing waits. Two workers may
    read the same id: the conditional update lets exactly one of them have it."""
    while True:
        run_id = db.session.scalar(
            select(RosterImport.id)
            .where(RosterImport.outcome == "queued")
            .order_by(RosterImport.id)
            .limit(1)
        )
        if run_id is None:
            db.session.rollback()
            return None
        claimed = db.session.execute(
            update(RosterImport)
            .where(RosterImport.id == run_id, RosterImport.outcome == "queued")
            .values(
                outcome="running",
                step="reading",
                rows_read=0,
                heartbeat_at=clock.now(),
                attempts=RosterImport.attempts + 1,
            ),
            execution_options={"synchronize_session": False},
        )
        db.session.commit()
        if claimed.rowcount == 1:
            return run_id


class Reporter:
    """Writes a run's progress to its row, each write a short transaction of its own on a
    connection of its own, so that any web process reads it while the import goes on."""

    def __init__(self, run_id: int):
        self.run_id = run_id
        self.read: dict[str, int] = {}
        self.last = 0.0

    def step(self, step: str) -> None:
        self._write(step=step, rows_read=sum(self.read.values()))

    def rows(self, file: str, count: int) -> None:
        """At most one write a second, except the first count of each file: a set read in
        under a second still shows how far it got."""
        first_of_file = file not in self.read
        self.read[file] = count
        if first_of_file or time.monotonic() - self.last >= READ_REPORT_SECONDS:
            self._write(rows_read=sum(self.read.values()))

    def _write(self, **values) -> None:
        if db.engine.dialect.name == "sqlite" and db.session().in_transaction():
            return  # the import holds SQLite's one write lock: a report would wait for it
        self.last = time.monotonic()
        table = RosterImport.__table__
        with db.engine.begin() as connection:
            connection.execute(
                update(table)
                .where(table.c.id == self.run_id)
                .values(heartbeat_at=clock.now(), **values)
            )


def run_claimed(run_id: int) -> str:
    """Import a claimed run's upload; returns its outcome. Any error rolls the import back and
    marks the run failed, keeping its upload for a retry. A run marked interrupted or queued
    again while it was imported is left as it is now, and the import rolled back."""
    from consent.roster.operations import Superseded, import_roster

    upload, dry_run, attempt = db.session.execute(
        select(RosterImport.upload, RosterImport.dry_run, RosterImport.attempts).where(
            RosterImport.id == run_id
        )
    ).one()
    db.session.rollback()  # nothing held while the set is read
    reporter = Reporter(run_id)
    try:
        result = import_roster(
            upload_folder() / (upload or "missing.zip"),
            today=clock.today(),
            dry_run=dry_run,
            run_id=run_id,
            attempt=attempt,
            progress=reporter.step,
            read_progress=reporter.rows,
        )
        result.run.upload = None
        result.run.rows_read = sum(reporter.read.values())
        result.run.heartbeat_at = clock.now()
        outcome = result.run.outcome
        db.session.commit()
    except Superseded:
        # Marked interrupted (or retried) while this worker was still at it: the run's row says
        # what the office was told, and the import is rolled back to match.
        db.session.rollback()
        log.warning("roster import %s was superseded while it ran; rolled back", run_id)
        return "superseded"
    except Exception:
        log.exception("roster import %s failed", run_id)
        db.session.rollback()
        db.session.execute(
            update(RosterImport)
            .where(RosterImport.id == run_id)
            .values(outcome="failed", step="", problems=UNEXPECTED, finished_at=clock.now()),
            execution_options={"synchronize_session": False},
        )
        db.session.commit()
        return "failed"
    finally:
        db.session.expunge_all()
    discard_upload(upload)
    return outcome
