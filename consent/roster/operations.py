"""Roster import as one operation, shared by the command line and the roster worker."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from consent.core import clock
from consent.extensions import db
from consent.roster.importer.apply import ImportRefused, ImportSummary, apply_roster
from consent.roster.importer.readers import read_roster
from consent.roster.importer.records import Problem
from consent.roster.models import RosterImport

log = logging.getLogger(__name__)


class Superseded(Exception):
    """The run was marked interrupted or queued again while this worker imported it."""


@dataclass
class ImportResult:
    run: RosterImport
    summary: ImportSummary | None
    problems: list[Problem]


def import_roster(
    path: str | Path,
    *,
    today: date,
    actor=None,
    dry_run: bool = False,
    progress: Callable[[str], None] = lambda step: None,
    read_progress: Callable[[str, int], None] | None = None,
    run_id: int | None = None,
    attempt: int = 0,
    source_name: str | None = None,
) -> ImportResult:
    """Validate the whole set, then apply it in the caller's transaction (undone for a dry run).

    A set with any problem changes nothing. The run is logged either way (into the row
    `run_id` when the upload page queued one); the caller commits, or rolls back on an error.
    `progress` is told each step, `read_progress` the rows read so far in each file. With
    `run_id`, the run must still be running the worker's `attempt`, else `Superseded` is raised
    and the caller rolls the import back.
    """
    source = Path(path)
    progress("reading")
    roster = read_roster(source, read_progress)
    summary, problems = None, list(roster.problems)
    if not problems:
        # In a savepoint: a refused set or a dry run undoes what it wrote, and the run is
        # still logged in the caller's transaction, which only the caller ends.
        try:
            with db.session.begin_nested() as applying:
                summary = apply_roster(roster, today=today, progress=progress)
                if dry_run:
                    applying.rollback()
        except ImportRefused as refused:
            problems = refused.problems
    run = None
    if run_id is not None:
        # The row is locked until the caller commits: a retry or a sweep that changed it while
        # the set was imported wins, and the caller rolls this import back.
        run = db.session.get(RosterImport, run_id, with_for_update=True, populate_existing=True)
        if run is not None and (run.outcome != "running" or run.attempts != attempt):
            raise Superseded(run_id)
    if run is None:
        run = RosterImport(
            run_by_account_id=actor.id if actor is not None else None,
            source_name=(source_name or source.name)[:255],
            dry_run=dry_run,
        )
        db.session.add(run)
    run.format = roster.format
    run.outcome = "refused" if problems else ("checked" if dry_run else "applied")
    run.step = ""
    run.summary = "\n".join(summary.lines()) if summary else ""
    run.problems = "\n".join(str(p) for p in problems)
    run.finished_at = clock.now()
    db.session.flush()
    log.info("roster import %s: %s, %s problems", run.id, run.outcome, len(problems))
    return ImportResult(run=run, summary=summary, problems=problems)
