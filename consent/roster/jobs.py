"""Roster imports started from the upload page run in a background thread of the web process.

Progress lives in memory (the import's own transaction must not be committed step by step),
and the outcome in the RosterImport row. A process that dies mid-import rolls its transaction
back, so the district is never half-imported; the row then stays "running" and says so.
"""

import logging
import threading
from pathlib import Path

from flask import Flask

from consent.audit.operations import record
from consent.core import clock
from consent.core.transaction import immediate_transactions
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
PROGRESS: dict[int, str] = {}


def queue_import(*, actor, source_name: str, dry_run: bool) -> int:
    """Log an uploaded roster as waiting to be imported; returns the import's id (the row
    itself is reloaded by the thread that runs it)."""
    queued = RosterImport(
        run_by_account_id=actor.id,
        source_name=source_name[:255],
        dry_run=dry_run,
        outcome="queued",
    )
    db.session.add(queued)
    record(actor, "roster.import")
    db.session.flush()
    return queued.id


def start_import(app: Flask, run_id: int, upload: Path) -> threading.Thread:
    thread = threading.Thread(
        target=_run, args=(app, run_id, upload), name=f"roster-import-{run_id}", daemon=True
    )
    thread.start()
    return thread


def _run(app: Flask, run_id: int, upload: Path) -> None:
    from consent.roster.operations import import_roster

    # On SQLite the import takes the write lock when it begins: a transaction that read first
    # would fail outright ("database is locked") once a page view committed in between.
    with app.app_context(), immediate_transactions():
        try:
            run = db.session.get(RosterImport, run_id)
            run.outcome = "running"
            db.session.commit()
            import_roster(
                upload,
                today=clock.today(),
                dry_run=run.dry_run,
                run=run,
                progress=lambda step: PROGRESS.__setitem__(run_id, step),
            )
            db.session.commit()
        except Exception:
            log.exception("roster import %s failed", run_id)
            db.session.rollback()
            run = db.session.get(RosterImport, run_id)
            run.outcome = "failed"
            run.problems = "The import stopped on an unexpected error. Nothing was changed."
            db.session.commit()
        finally:
            PROGRESS.pop(run_id, None)
            upload.unlink(missing_ok=True)
            db.session.remove()
