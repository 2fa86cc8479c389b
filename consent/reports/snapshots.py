"""District-wide report figures, computed by `flask reports refresh` (cron, every few minutes)
and read by the privacy office's district pages while they are fresh.

Why: a district-wide figure aggregates every student (160,000 in a large district) and takes
0.2-0.6 s each on PostgreSQL; a page shows several. The figures change slowly, so the pages show
them as of the last refresh and say when that was. A page never writes a snapshot (a GET changes
nothing): without a fresh one, or for one school, it computes live as before.
"""

import json
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import delete, func, select

from consent.core import clock
from consent.extensions import db
from consent.reports.models import ReportSnapshot
from consent.reports.queries import (
    TABLES,
    ReportScope,
    ReportTable,
    published_forms,
    rows_of,
)

#: The district-wide tables computed ahead: aggregates only, never a list of students.
SNAPSHOT_TABLES = (
    "open-by-status",
    "open-by-school",
    "open-by-tool",
    "time-to-confirmation",
    "optout-rate",
    "coverage-by-school",
    "coverage-by-language",
)
REFRESH_LOCK = 0x7265706F7274  # the advisory lock key of `flask reports refresh` ("report")


@dataclass
class Figures:
    """Rows for one table, and when they were computed (None: live, now)."""

    rows: list
    as_of: datetime | None = None


def _key(name: str, form_id: int | None) -> str:
    return f"{name}:form={form_id}" if form_id else name


def _plain(value):
    return float(value) if isinstance(value, Decimal) else value


def _fresh(key: str, today: date) -> ReportSnapshot | None:
    oldest = clock.now() - timedelta(seconds=current_app.config["REPORT_SNAPSHOT_MAX_AGE_SECONDS"])
    return db.session.scalar(
        select(ReportSnapshot).where(
            ReportSnapshot.key == key,
            ReportSnapshot.day == today,
            ReportSnapshot.computed_at >= oldest,
        )
    )


def figures(table: ReportTable, scope: ReportScope) -> Figures:
    """The table's rows: from a fresh district snapshot when there is one, else live."""
    if scope.school is None and table.name in SNAPSHOT_TABLES:
        found = _fresh(_key(table.name, scope.form_id), scope.today)
        if found is not None:
            return Figures(
                rows=[SimpleNamespace(**row) for row in json.loads(found.rows)],
                as_of=found.computed_at,
            )
    return Figures(rows=rows_of(table, scope))


def _store(key: str, today: date, rows: list[dict], now: datetime) -> None:
    db.session.execute(delete(ReportSnapshot).where(ReportSnapshot.key == key))
    db.session.add(
        ReportSnapshot(key=key, day=today, computed_at=now, rows=json.dumps(rows, default=str))
    )


def _first_to_refresh() -> bool:
    """Two runs at once (cron on two hosts, or a slow run overlapping the next) would both
    replace the same snapshots; on PostgreSQL the second finds the lock taken and stops.
    SQLite runs take turns on its write lock."""
    if db.session.connection().dialect.name != "postgresql":
        return True
    return bool(db.session.scalar(select(func.pg_try_advisory_xact_lock(REFRESH_LOCK))))


def refresh(today: date) -> int | None:
    """Compute every district-wide snapshot (each consent form's too) in the caller's
    transaction; snapshots of forms no longer published are removed. Returns how many, or None
    when another refresh is running."""
    if not _first_to_refresh():
        return None
    now = clock.now()
    scope = ReportScope(school=None, today=today)
    forms = [row.id for row in db.session.execute(published_forms())]
    keys = []
    for name in SNAPSHOT_TABLES:
        table = TABLES[name]
        for form_id in forms if table.needs_form else [None]:
            scoped = replace(scope, form_id=form_id)
            rows = [
                {column: _plain(value) for column, value in row._mapping.items()}
                for row in rows_of(table, scoped)
            ]
            keys.append(_key(name, form_id))
            _store(keys[-1], today, rows, now)
    db.session.execute(delete(ReportSnapshot).where(ReportSnapshot.key.not_in(keys)))
    return len(keys)
