"""Applying a validated roster to the database in one transaction, set by set.

Every kind is synchronised with a handful of statements whatever its size: the existing rows
are streamed once and compared with the set as tuples, new rows are streamed into the table
(COPY on PostgreSQL, executemany in slices on SQLite) and changed rows are written in one batch,
so memory holds the set and little else. Bulk files are the whole truth (missing records become
inactive; nothing is deleted); delta files change only the records they carry. Importing the
same set twice changes nothing the second time.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import islice

from flask import current_app
from psycopg import sql
from sqlalchemy import Table, bindparam, delete, exists, select, text, update

from consent.accounts.models import Account
from consent.catalog.class_reach import rebuild as rebuild_class_reach
from consent.core import clock
from consent.db import chunks
from consent.extensions import db
from consent.optouts.operations import FollowReport, follow_roster
from consent.roster import home_language
from consent.roster.importer.records import Mode, Problem, RosterSet, Unused
from consent.roster.models import (
    Enrollment,
    Guardian,
    GuardianLink,
    School,
    Section,
    Staff,
    StaffRole,
    Student,
    section_teacher,
)
from consent.webhooks.models import WebhookEvent
from consent.webhooks.operations import enqueue, stamp, subscribed

BATCH = 10_000  # rows per executemany, and per fetch while streaming existing rows
NOTES_SHOWN = 50  # birth-date notes listed in the summary; the rest are counted
STAGED_UPDATES = 2_000  # on PostgreSQL, more changed rows than this go through a staging table


class ImportRefused(Exception):
    """The set refers to records this district does not have; nothing was written."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


@dataclass
class KindCounts:
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deactivated


@dataclass
class ImportSummary:
    counts: dict[str, KindCounts] = field(default_factory=dict)
    follow: FollowReport = field(default_factory=FollowReport)
    # Birth dates missing or unreadable, and columns left blank that nothing reads (`Unused`).
    notes: list[Problem] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(c.changed for c in self.counts.values()) or bool(self.follow.rerouted)

    def lines(self) -> list[str]:
        out = [
            f"{kind:<12} created {c.created}, updated {c.updated}, "
            f"deactivated {c.deactivated}, unchanged {c.unchanged}"
            for kind, c in self.counts.items()
        ]
        f = self.follow
        out.append(
            f"opt-outs re-routed: {f.tasks_added} tasks added, {f.tasks_closed} tasks closed, "
            f"{f.school_moves} school moves, {f.requests_closed} requests closed"
        )
        unused = [n for n in self.notes if isinstance(n, Unused)]
        if unused:
            out.append("warnings (imported all the same):")
            out.extend(f"  {note}" for note in unused)
        births = [n for n in self.notes if not isinstance(n, Unused)]
        if births:
            out.append(
                f"birth dates not read: {len(births)} (never guessed; a date already known is kept)"
            )
            out.extend(f"  {note}" for note in births[:NOTES_SHOWN])
            if len(births) > NOTES_SHOWN:
                out.append(f"  ... and {len(births) - NOTES_SHOWN} more")
        if not self.changed:
            out.append("Nothing changed: the district already matches this roster.")
        return out


# --- writing many rows ---------------------------------------------------------------------


def _batches(rows: Iterable):
    rows = iter(rows)
    while batch := list(islice(rows, BATCH)):
        yield batch


def _on_postgresql() -> bool:
    return db.session.connection().dialect.name == "postgresql"


def _driver_cursor():
    """A psycopg cursor on the session's connection, inside the session's transaction."""
    return db.session.connection().connection.driver_connection.cursor()


def _copy(cursor, table_name: str, columns: Sequence[str], rows: Iterable[tuple]) -> int:
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table_name), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    count = 0
    with cursor.copy(statement) as pipe:
        for row in rows:
            pipe.write_row(row)
            count += 1
    return count


def insert_rows(
    table: Table, columns: Sequence[str], rows: Iterable[tuple], *, expected: int = 0
) -> int:
    """Insert `rows` (tuples in `columns` order) in the session's transaction without holding
    them all: COPY ... FROM STDIN on PostgreSQL, executemany in slices elsewhere. Enum columns
    take their string values. `expected` is about how many rows will come. Returns how many rows
    were written."""
    if _on_postgresql():
        with _bulk_load(table, expected), _driver_cursor() as cursor:
            return _copy(cursor, table.name, columns, rows)
    count = 0
    for batch in _batches(rows):
        db.session.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in batch])
        count += len(batch)
    return count


# Secondary indexes and constraints a first import may drop and rebuild: everything but the
# primary key and what a foreign key of another table relies on.
_REBUILDABLE = """
SELECT c.conname, pg_get_constraintdef(c.oid)
FROM pg_constraint c
WHERE c.conrelid = CAST(:table AS regclass) AND c.contype IN ('f', 'u')
  AND (c.contype = 'f' OR NOT EXISTS (SELECT 1 FROM pg_constraint f
                                      WHERE f.contype = 'f' AND f.conindid = c.conindid))
"""
_PLAIN_INDEXES = """
SELECT x.relname, pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
WHERE i.indrelid = CAST(:table AS regclass) AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
"""


# Tables that were empty when this import began: only those may take the bulk path. Asked
# before any write, because this import's own deletes can empty a live table.
_empty_at_start: ContextVar[frozenset[str]] = ContextVar("empty_at_start", default=frozenset())


def _empty_tables() -> frozenset[str]:
    if not _on_postgresql():
        return frozenset()  # the bulk path is PostgreSQL's
    tables = [t.__table__ for t in (School, Staff, Student, Guardian, GuardianLink, Section)]
    tables += [section_teacher, Enrollment.__table__]
    return frozenset(
        t.name for t in tables if not db.session.scalar(select(exists().select_from(t)))
    )


@contextmanager
def _bulk_load(table: Table, expected: int) -> Iterator[None]:
    """A large first import into an empty table drops the table's secondary indexes, unique and
    foreign keys, COPYs, then adds them back: PostgreSQL's advice for populating a table. One
    sorted index build and one checking join replace an index entry and two foreign-key trigger
    calls per row, which for 1.3 million enrollments is most of the import's time. It all
    happens inside the import's transaction, so a failure restores them and a violation still
    refuses the import. The table, and the tables its foreign keys refer to, stay locked until
    the import commits, which is why only a large load into a table that was empty when the
    import began does it (ROSTER_BULK_LOAD_ROWS)."""
    connection = db.session.connection()
    if (
        expected < current_app.config["ROSTER_BULK_LOAD_ROWS"]
        or table.name not in _empty_at_start.get()
    ):
        yield
        return
    keys = connection.execute(text(_REBUILDABLE), {"table": table.name}).all()
    indexes = connection.execute(text(_PLAIN_INDEXES), {"table": table.name}).all()
    name = sql.Identifier(table.name)
    with _driver_cursor() as cursor:
        for conname, _ in keys:
            cursor.execute(
                sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(name, sql.Identifier(conname))
            )
        for index_name, _ in indexes:
            cursor.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(index_name)))
    yield
    with _driver_cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _, definition in indexes:
            cursor.execute(definition)
        for conname, definition in keys:
            cursor.execute(
                sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(name, sql.Identifier(conname))
                + sql.SQL(definition)
            )


def update_rows(table: Table, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Set `columns` of the rows given as (id, *values)."""
    if not rows:
        return
    if len(rows) > STAGED_UPDATES and _on_postgresql():
        # One UPDATE ... FROM a COPY-filled temporary table, not a statement per row.
        staging = sql.Identifier(f"roster_staging_{table.name}")
        target = sql.Identifier(table.name)
        names = sql.SQL(", ").join(map(sql.Identifier, ("id", *columns)))
        sets = sql.SQL(", ").join(
            sql.SQL("{} = s.{}").format(sql.Identifier(c), sql.Identifier(c)) for c in columns
        )
        with _driver_cursor() as cursor:
            cursor.execute(
                sql.SQL(
                    "CREATE TEMPORARY TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA"
                ).format(staging, names, target)
            )
            _copy(cursor, f"roster_staging_{table.name}", ("id", *columns), rows)
            cursor.execute(
                sql.SQL("UPDATE {} AS t SET {} FROM {} AS s WHERE t.id = s.id").format(
                    target, sets, staging
                )
            )
            cursor.execute(sql.SQL("DROP TABLE {}").format(staging))
        return
    statement = (
        update(table)
        .where(table.c.id == bindparam("_id"))
        .values({c: bindparam(c) for c in columns})
    )
    for batch in _batches(rows):
        db.session.execute(
            statement,
            [{"_id": row[0], **dict(zip(columns, row[1:], strict=True))} for row in batch],
            execution_options={"synchronize_session": False},
        )


# --- making a table match the set ----------------------------------------------------------


def _sync(
    table: Table,
    columns: tuple[str, ...],
    records: Mapping,
    mode: Mode,
    counts: KindCounts,
    *,
    values: Callable[[object], tuple] = lambda v: v,
    key: tuple[str, ...] = ("sourced_id",),
    insert_only: dict | None = None,
    keep: dict | None = None,
    deactivate: Callable[[dict], dict] | None = None,
    rekey_on: tuple[str, ...] = (),
    want_ids: bool = True,
) -> dict | None:
    """Make `table` match `records` (key → record; `values(record)` is the tuple of `columns`).

    A None in a `keep` column keeps the row's value (a new row takes keep's default).
    `deactivate(current values)` says what becomes of a row a bulk set no longer has
    ({"_delete": True} removes it). A row whose key left the set but whose `rekey_on` columns
    match a new record is that record, re-sent under a new key. Returns key → id of every row
    when `want_ids`.
    """
    single = len(key) == 1
    start = 1 + len(key)
    active_at = columns.index("active") if "active" in columns else None
    keep_at = [(columns.index(c), default) for c, default in (keep or {}).items()]

    def kept(new: tuple, current: Sequence) -> tuple:
        if any(new[i] is None for i, _ in keep_at):
            new = list(new)
            for i, _ in keep_at:
                if new[i] is None:
                    new[i] = current[i]
            new = tuple(new)
        return new

    changed: list[tuple] = []  # (id, *values)
    orphans: list[tuple] = []  # (id, *values) of keyed rows the set no longer has
    ids: dict | None = {} if want_ids else None
    pending = None  # the records not (yet) found in the table, copied on the first match
    has_orphans = False
    top_id = 0

    def compare(record, row_id: int, current: tuple) -> None:
        new = values(record)
        if keep_at:
            new = kept(new, current)
        if new == current:
            counts.unchanged += 1
            return
        if active_at is not None and current[active_at] and new[active_at] is False:
            counts.deactivated += 1
        else:
            counts.updated += 1
        changed.append((row_id, *new))

    statement = select(table.c.id, *(table.c[k] for k in key), *(table.c[c] for c in columns))
    result = db.session.execute(statement, execution_options={"yield_per": BATCH})
    for row in result:
        row_id = row[0]
        if row_id > top_id:
            top_id = row_id
        row_key = row[1] if single else tuple(row[1:start])
        if want_ids and row_key is not None:
            ids[row_key] = row_id
        record = records.get(row_key)
        if record is None:
            has_orphans = True
            if row_key is not None and mode is Mode.BULK and deactivate is not None:
                orphans.append((row_id, *row[start:]))
            continue
        if pending is None:
            pending = dict(records)
        del pending[row_key]
        compare(record, row_id, row[start:])
    result.close()
    if pending is None:
        pending = records  # nothing matched: every record is new

    renamed: dict[int, str] = {}
    if rekey_on and has_orphans and pending:
        pending = dict(pending) if pending is records else pending
        renamed = _rekey(table, columns, key[0], records, pending, values, rekey_on, compare)
        if want_ids:
            ids.update((new_key, row_id) for row_id, new_key in renamed.items())

    doomed = []
    by_change: dict[tuple, list[tuple]] = {}
    for row_id, *current in orphans:
        if row_id in renamed:
            continue
        change = deactivate(dict(zip(columns, current, strict=True)))
        if not change:
            continue
        counts.deactivated += 1
        if change.get("_delete"):
            doomed.append(row_id)
        else:
            names = tuple(sorted(change))
            by_change.setdefault(names, []).append((row_id, *(change[n] for n in names)))
    for chunk in chunks(doomed):
        db.session.execute(delete(table).where(table.c.id.in_(chunk)))

    extra = tuple(insert_only or {})
    extra_values = tuple((insert_only or {}).values())

    def new_rows():
        for record_key, record in pending.items():
            new = values(record)
            if active_at is not None and mode is Mode.DELTA and new[active_at] is False:
                continue  # a deletion of something we never had
            if keep_at:
                new = list(new)
                for i, default in keep_at:
                    if new[i] is None:
                        new[i] = default
            counts.created += 1
            yield (*((record_key,) if single else record_key), *extra_values, *new)

    inserted = insert_rows(table, (*key, *extra, *columns), new_rows(), expected=len(pending))
    update_rows(table, columns, changed)
    for names, rows in by_change.items():
        update_rows(table, names, rows)
    if want_ids and inserted:
        keys = (table.c[k] for k in key)
        for row in db.session.execute(select(table.c.id, *keys).where(table.c.id > top_id)):
            ids[row[1] if single else tuple(row[1:])] = row[0]
    return ids


def _rekey(table, columns, key, records, pending, values, rekey_on, compare) -> dict[int, str]:
    """Rows the set no longer names whose `rekey_on` columns match a new record take that
    record's key (some SIS exports regenerate enrollment ids); returns id → new key."""
    at = [columns.index(c) for c in rekey_on]
    wanted = {}
    for record_key, record in pending.items():
        natural = tuple(values(record)[i] for i in at)
        if None not in natural:
            wanted[natural] = record_key
    if not wanted:
        return {}
    renames, renamed = [], {}
    first = table.c[rekey_on[0]]
    for chunk in chunks({natural[0] for natural in wanted}):
        statement = select(table.c.id, table.c[key], *(table.c[c] for c in columns))
        for row in db.session.execute(statement.where(first.in_(chunk))):
            if row[1] is not None and row[1] in records:
                continue
            current = tuple(row[2:])
            new_key = wanted.pop(tuple(current[i] for i in at), None)
            if new_key is None:
                continue
            renames.append({"_id": row[0], "_key": new_key})
            renamed[row[0]] = new_key
            compare(pending.pop(new_key), row[0], current)
    for batch in _batches(renames):
        db.session.execute(
            update(table).where(table.c.id == bindparam("_id")).values({key: bindparam("_key")}),
            batch,
            execution_options={"synchronize_session": False},
        )
    return renamed


def _deactivate_if_active(current: dict) -> dict:
    return {"active": False} if current["active"] else {}


def _ids(mapping: dict[str, int], ref: str, kind: str, problems: list[Problem]) -> int | None:
    found = mapping.get(ref)
    if found is None:
        problems.append(
            Problem(kind, 0, "", f"refers to {ref!r}, which this district does not have")
        )
    return found


def apply_roster(
    roster: RosterSet, *, today: date, progress: Callable[[str], None] = lambda step: None
) -> ImportSummary:
    """Write the roster in the caller's transaction and re-route opt-outs; flush, never commit."""
    token = _empty_at_start.set(_empty_tables())
    try:
        return _apply_roster(roster, today=today, progress=progress)
    finally:
        _empty_at_start.reset(token)


def _apply_roster(roster: RosterSet, *, today: date, progress: Callable[[str], None]):
    summary = ImportSummary(
        counts={
            k: KindCounts()
            for k in (
                "schools",
                "staff",
                "students",
                "guardians",
                "links",
                "sections",
                "enrollments",
            )
        }
    )
    summary.notes = list(roster.notes)
    problems: list[Problem] = []
    mode = roster.modes
    yesterday = today - timedelta(days=1)

    progress("schools")
    schools = _sync(
        School.__table__,
        ("name", "active"),
        {r.sourced_id: (r.name, r.active) for r in roster.schools.values()},
        mode.get("schools", Mode.ABSENT),
        summary.counts["schools"],
        deactivate=_deactivate_if_active,
    )

    progress("staff")
    staff_values = {}
    for r in roster.staff.values():
        school_id = (
            _ids(schools, r.school_sourced_id, "staff", problems) if r.school_sourced_id else None
        )
        staff_values[r.sourced_id] = (
            r.given_name,
            r.family_name,
            r.email or "",
            StaffRole(r.role).value,
            school_id,
            r.active,
        )
    # The privacy office's own staff records are not the SIS's to deactivate.
    staff = _sync(
        Staff.__table__,
        ("given_name", "family_name", "email", "role", "school_id", "active"),
        staff_values,
        mode.get("staff", Mode.ABSENT),
        summary.counts["staff"],
        deactivate=lambda current: (
            {"active": False}
            if current["active"] and current["role"] != StaffRole.PRIVACY_OFFICER
            else {}
        ),
    )
    del staff_values

    progress("students")
    before = {
        sid: (school_id, active)
        for sid, school_id, active in db.session.execute(
            select(Student.sourced_id, Student.school_id, Student.active)
        )
    }
    student_values = {}
    for r in roster.students.values():
        student_values[r.sourced_id] = (
            r.identifier,
            r.given_name,
            r.family_name,
            r.grade,
            _ids(schools, r.school_sourced_id, "students", problems),
            r.active,
            r.email,
            r.birth_date,
        )
    if problems:
        raise ImportRefused(problems)
    # A birth date the set does not give (or gives unreadably) keeps the one already known.
    students = _sync(
        Student.__table__,
        (
            "district_identifier",
            "given_name",
            "family_name",
            "grade",
            "school_id",
            "active",
            "email",
            "birth_date",
        ),
        student_values,
        mode.get("students", Mode.ABSENT),
        summary.counts["students"],
        keep={"birth_date": None},
        deactivate=_deactivate_if_active,
    )
    del student_values
    after = {
        sid: (school_id, active)
        for sid, school_id, active in db.session.execute(
            select(Student.sourced_id, Student.school_id, Student.active)
        )
    }
    departed = [
        students[s]
        for s, (_, active) in after.items()
        if not active and before.get(s, (0, False))[1]
    ]
    moved = [
        students[s]
        for s, (school, active) in after.items()
        if active and s in before and before[s][0] != school
    ]
    del before, after

    progress("guardians")
    guardian_values = {
        r.sourced_id: (r.given_name, r.family_name, r.email, r.phone, r.active)
        for r in roster.guardians.values()
    }
    # An eligible student's own record (99.5) is the service's, not the SIS's: a bulk set never
    # names it, and must not deactivate it. One statement, however many there are.
    for sid, *current in db.session.execute(
        select(
            Guardian.sourced_id,
            Guardian.given_name,
            Guardian.family_name,
            Guardian.email,
            Guardian.phone,
            Guardian.active,
        ).where(Guardian.student_id.is_not(None))
    ):
        guardian_values.setdefault(sid, tuple(current))
    guardians = _sync(
        Guardian.__table__,
        ("given_name", "family_name", "email", "phone", "active"),
        guardian_values,
        mode.get("guardians", Mode.ABSENT),
        summary.counts["guardians"],
        insert_only={"preferred_language": "en"},
        deactivate=_deactivate_if_active,
    )

    progress("links")
    _sync_links(roster, guardians, students, mode.get("links", Mode.ABSENT), summary, problems)
    del guardians

    progress("sections")
    section_values = {
        r.sourced_id: (
            r.title,
            r.term,
            r.active,
            _ids(schools, r.school_sourced_id, "sections", problems),
        )
        for r in roster.sections.values()
    }
    if problems:
        raise ImportRefused(problems)
    sections = _sync(
        Section.__table__,
        ("title", "term", "active", "school_id"),
        section_values,
        mode.get("sections", Mode.ABSENT),
        summary.counts["sections"],
        deactivate=_deactivate_if_active,
    )
    del section_values
    _sync_section_teachers(roster, sections, staff, problems)

    progress("enrollments")
    _sync_enrollments(roster, students, sections, mode, summary, problems, today, yesterday)
    del students, sections, staff, schools
    _deactivate_accounts()
    if any(summary.counts[kind].changed for kind in ("students", "sections", "enrollments")):
        # The writes above bypass the ORM and its flush hook: the class reach is rewritten
        # from the definition, in this transaction.
        rebuild_class_reach()
    db.session.flush()
    db.session.expire_all()

    progress("opt-outs")
    summary.follow = follow_roster(
        today=today, departed_student_ids=departed, moved_student_ids=moved
    )
    return summary


RIGHTS_CHANGED = WebhookEvent.RIGHTS_CHANGED


def _sync_links(roster, guardians, students, mode, summary, problems) -> None:
    wanted = {}
    for (g_sid, s_sid), r in roster.links.items():
        g, s = _ids(guardians, g_sid, "links", problems), _ids(students, s_sid, "links", problems)
        wanted[(g, s)] = (r.relationship, r.has_rights, r.active)
    if problems:
        raise ImportRefused(problems)
    # The eligible students' own links stay as they are (see the guardians above).
    for g, s, *current in db.session.execute(
        select(
            GuardianLink.guardian_id,
            GuardianLink.student_id,
            GuardianLink.relationship_type,
            GuardianLink.has_rights,
            GuardianLink.active,
        )
        .join(Guardian, Guardian.id == GuardianLink.guardian_id)
        .where(Guardian.student_id == GuardianLink.student_id)
    ):
        wanted.setdefault((g, s), tuple(current))
    before = _links_before() if mode is not Mode.ABSENT and subscribed(RIGHTS_CHANGED) else None
    _sync(
        GuardianLink.__table__,
        ("relationship", "has_rights", "active"),
        wanted,
        mode,
        summary.counts["links"],
        key=("guardian_id", "student_id"),
        deactivate=_deactivate_if_active,
        want_ids=False,
    )
    if before:  # a district's first import sets the rights; it changes none
        _tell_systems_of_links(_changed_links(before, wanted, mode))
    if summary.counts["links"].changed:
        # The links were written as rows, past the ORM's flush hook: the students' home
        # languages follow here, in the import's transaction. A bulk set may end any link; a
        # delta set changes only the links it carries.
        home_language.refresh(
            None if mode is Mode.BULK else {s for (_g, s) in wanted if s is not None}
        )


def _links_before() -> dict[tuple[int, int], tuple[bool, bool]]:
    """(guardian, student) → (has_rights, active) of every link, before the import."""
    statement = select(
        GuardianLink.guardian_id,
        GuardianLink.student_id,
        GuardianLink.has_rights,
        GuardianLink.active,
    )
    return {(g, s): (rights, active) for g, s, rights, active in db.session.execute(statement)}


def _changed_links(before: dict, wanted: dict, mode: Mode) -> dict[tuple[int, int], tuple]:
    """The links whose rights or activity the import changes, with (has_rights, active) after.
    What `_sync` does to each: a link in the set takes the set's values; one a bulk set no
    longer has ends; a delta set's removal of a link we never had is nothing."""
    changed = {}
    for pair, (_relationship, rights, active) in wanted.items():
        old = before.get(pair)
        if old is None:
            if active is not False:
                changed[pair] = (rights, active)
        elif (rights, active) != old:
            changed[pair] = (rights, active)
    if mode is Mode.BULK:
        for pair, (rights, active) in before.items():
            if pair not in wanted and active:
                changed[pair] = (rights, False)
    return changed


def _tell_systems_of_links(changed: dict[tuple[int, int], tuple]) -> None:
    """One `rights.changed` event per link the import changed, as the office's changes send
    (ids and states only), in the import's transaction."""
    if not changed:
        return
    students, guardians = {}, {}
    for chunk in chunks(sorted({s for _g, s in changed})):
        statement = select(Student.id, Student.sourced_id, Student.school_id)
        for row in db.session.execute(statement.where(Student.id.in_(chunk))):
            students[row.id] = row
    for chunk in chunks(sorted({g for g, _s in changed})):
        statement = select(Guardian.id, Guardian.sourced_id)
        guardians.update(
            tuple(row) for row in db.session.execute(statement.where(Guardian.id.in_(chunk)))
        )
    at = stamp(clock.now())
    for (g, s), (rights, active) in sorted(changed.items()):
        enqueue(
            RIGHTS_CHANGED,
            {
                "change": "roster_link",
                "student_sourced_id": students[s].sourced_id,
                "guardian_sourced_id": guardians[g],
                "has_rights": bool(rights),
                "active": bool(active),
                "at": at,
            },
            school_id=students[s].school_id,
        )


def _sync_section_teachers(roster, sections, staff, problems) -> None:
    """Each section in the set gets exactly the teachers the set names for it."""
    wanted = set()
    for r in roster.sections.values():
        for t in r.teacher_sourced_ids:
            teacher = _ids(staff, t, "sections", problems)
            wanted.add((sections[r.sourced_id], teacher))
    if problems:
        raise ImportRefused(problems)
    in_set = [sections[r.sourced_id] for r in roster.sections.values()]
    existing = set()
    for chunk in chunks(in_set):
        existing.update(
            tuple(pair)
            for pair in db.session.execute(
                select(section_teacher.c.section_id, section_teacher.c.staff_id).where(
                    section_teacher.c.section_id.in_(chunk)
                )
            )
        )
    gone = existing - wanted
    if gone:
        db.session.execute(
            delete(section_teacher).where(
                section_teacher.c.section_id == bindparam("s"),
                section_teacher.c.staff_id == bindparam("t"),
            ),
            [{"s": s, "t": t} for s, t in gone],
        )
    insert_rows(section_teacher, ("section_id", "staff_id"), sorted(wanted - existing))


def _sync_enrollments(roster, students, sections, mode, summary, problems, today, yesterday):
    """Enrollments are streamed from the set's own records, never copied: there are millions."""
    records = roster.enrollments
    dropped = [r.sourced_id for r in records.values() if not r.active]
    began = {}
    for chunk in chunks(dropped):
        began.update(
            db.session.execute(
                select(Enrollment.sourced_id, Enrollment.begin_date).where(
                    Enrollment.sourced_id.in_(chunk)
                )
            ).all()
        )
    never_began = []
    for r in records.values():
        if r.student_sourced_id not in students:
            _ids(students, r.student_sourced_id, "enrollments", problems)
        if r.section_sourced_id not in sections:
            _ids(sections, r.section_sourced_id, "enrollments", problems)
        if not r.active:
            begin = r.begin_date or began.get(r.sourced_id)
            if begin is None or begin >= today:
                # Dropped before it began: there is no history to keep.
                never_began.append(r.sourced_id)
    if problems:
        raise ImportRefused(problems)
    if never_began:
        gone = set(never_began)
        records = {k: r for k, r in records.items() if k not in gone}

    def values(r) -> tuple:
        end = r.end_date
        if not r.active and (end is None or end >= today):
            end = yesterday  # ended: no longer current today
        # no begin date: keep the start we have (today for a new one)
        return (students[r.student_sourced_id], sections[r.section_sourced_id], r.begin_date, end)

    def end_enrollment(current: dict) -> dict:
        end, begin = current["end_date"], current["begin_date"]
        if end is not None and end < today:
            return {}
        if begin >= today:
            return {"_delete": True}
        return {"end_date": yesterday}

    counts = summary.counts["enrollments"]
    _sync(
        Enrollment.__table__,
        ("student_id", "section_id", "begin_date", "end_date"),
        records,
        mode.get("enrollments", Mode.ABSENT),
        counts,
        values=values,
        keep={"begin_date": today},
        deactivate=end_enrollment,
        rekey_on=("student_id", "section_id", "begin_date"),
        want_ids=False,
    )
    for chunk in chunks(never_began):
        counts.deactivated += db.session.execute(
            delete(Enrollment)
            .where(Enrollment.sourced_id.in_(chunk))
            .execution_options(synchronize_session=False)
        ).rowcount


def _deactivate_accounts() -> None:
    """A person the roster deactivated can no longer sign in."""
    for column, person in ((Account.staff_id, Staff), (Account.guardian_id, Guardian)):
        db.session.execute(
            update(Account)
            .where(
                column.in_(select(person.id).where(person.active.is_(False))),
                Account.active.is_(True),
            )
            .values(active=False)
            .execution_options(synchronize_session=False)
        )
