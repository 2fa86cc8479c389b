"""Keeping `class_reach` (`consent.catalog.models.ClassReach`) equal to its definition.

The table stores the section part of `consent.catalog.reach` with its date ranges
(`consent.catalog.reach.class_reach_ranges`), so it depends on the section uses of tools, the
enrollments, and each student's `active` and `school_id`. Every write of those goes through
here:

- the ORM: a flush hook (`_follow_flush`, registered once, at import) refreshes the rows of the
  uses, enrollments and students the flush inserted, changed or deleted, in the same
  transaction (a teacher's declaration, vetting, guideline uses, the demo, a student's record);
- the writers that bypass the ORM call `refresh` or `rebuild` themselves: the roster import
  (`consent.roster.importer.apply`) and bench/report_bench.py's SQL district;
- an ORM bulk UPDATE or INSERT statement (`_follow_bulk_statement`) rebuilds what differs;
- deleting a use or an enrollment deletes its rows in the database (ON DELETE CASCADE), so a
  bulk DELETE needs nothing more.

`differences` compares the table with the definition (`flask reports check-reach`).
Like every operation, nothing here commits."""

from collections.abc import Iterable

from sqlalchemy import Select, delete, event, func, select, tuple_
from sqlalchemy.orm import Session

from consent.catalog.models import ClassReach, ToolUse
from consent.catalog.reach import class_reach_ranges
from consent.db import chunks, flushed
from consent.extensions import db
from consent.roster.models import Enrollment, Student

TABLE = ClassReach.__table__
COLUMNS = ("use_id", "enrollment_id", "tool_id", "student_id", "school_id", "starts_on", "ends_on")


def _write(connection, rows_of, stored_of, ids: Iterable[int] | None) -> None:
    """Delete the stored rows of `ids` and insert them again from the definition."""
    if ids is None:
        return
    for chunk in chunks(set(ids)):
        connection.execute(delete(TABLE).where(stored_of.in_(chunk)))
        connection.execute(
            TABLE.insert().from_select(COLUMNS, class_reach_ranges().where(rows_of.in_(chunk)))
        )


def refresh(
    *,
    uses: Iterable[int] | None = None,
    enrollments: Iterable[int] | None = None,
    students: Iterable[int] | None = None,
    session: Session | None = None,
) -> None:
    """Rewrite the rows of these tool uses, enrollments and students from the definition: two
    statements per 5,000 ids of each kind, whatever the rows."""
    connection = (session or db.session).connection()
    _write(connection, ToolUse.id, TABLE.c.use_id, uses)
    _write(connection, Enrollment.id, TABLE.c.enrollment_id, enrollments)
    _write(connection, Student.id, TABLE.c.student_id, students)


def _stored() -> Select:
    return select(*(TABLE.c[name] for name in COLUMNS))


def _defined() -> Select:
    return select(*class_reach_ranges().subquery("defined").c)


def rebuild(session: Session | None = None) -> tuple[int, int]:
    """Make the whole table match the definition; returns (rows removed, rows added). Only the
    rows that differ are written: a district's 216,000 rows rewritten cost two foreign-key
    checks and three index entries each (10 s), the difference two passes (3 s)."""
    connection = (session or db.session).connection()
    wrong = _stored().except_(_defined()).subquery("wrong")
    removed = connection.execute(
        delete(TABLE).where(
            tuple_(TABLE.c.use_id, TABLE.c.enrollment_id).in_(
                select(wrong.c.use_id, wrong.c.enrollment_id)
            )
        )
    ).rowcount
    # What is left agrees with the definition, so a missing row's key is free.
    missing = _defined().except_(_stored()).subquery("missing")
    added = connection.execute(
        TABLE.insert().from_select(COLUMNS, select(missing)),
        execution_options={"preserve_rowcount": True},
    ).rowcount
    return removed, added


def differences(limit: int = 10) -> tuple[int, int, list, list]:
    """(rows missing, rows not in the definition, up to `limit` of each): the table against
    `class_reach_ranges`, column by column. (0, 0, [], []) when they agree."""
    missing = _defined().except_(_stored()).subquery("missing")
    extra = _stored().except_(_defined()).subquery("extra")

    def count_and_some(rows):
        count = db.session.scalar(select(func.count()).select_from(rows))
        some = db.session.execute(
            select(rows).order_by(rows.c.use_id, rows.c.enrollment_id).limit(limit)
        ).all()
        return count, some

    missing_count, some_missing = count_and_some(missing)
    extra_count, some_extra = count_and_some(extra)
    return missing_count, extra_count, some_missing, some_extra


#: What the stored rows are made of: any column of a use or an enrollment; a student's status
#: and school (set by id or through the relationship).
WATCHED = {ToolUse: None, Enrollment: None, Student: ("active", "school_id", "school")}


@event.listens_for(Session, "after_flush")
def _follow_flush(session: Session, _context) -> None:
    """The uses, enrollments and students this flush wrote through the ORM: their rows are
    rewritten in the same transaction. (The session's new, dirty and deleted still hold the
    flush's objects here, and their attribute histories what changed.)"""
    found = {ToolUse: set(), Enrollment: set(), Student: set()}
    for obj in flushed(session, WATCHED):
        found[type(obj)].add(obj.id)
    uses, enrollments, students = found[ToolUse], found[Enrollment], found[Student]
    uses.discard(None)
    enrollments.discard(None)
    students.discard(None)
    if uses or enrollments or students:
        refresh(uses=uses, enrollments=enrollments, students=students, session=session)


@event.listens_for(Session, "do_orm_execute")
def _follow_bulk_statement(state) -> None:
    """An ORM UPDATE or INSERT statement on a use or an enrollment, or one that sets a
    student's `active` or school, bypasses the flush: the whole table is brought back to the
    definition after it, writing only the rows that differ (nothing in the service writes
    this way; scripts and tests may). Other columns of a student (the kept home language,
    updated this way on every change of a family) leave it alone. A DELETE needs nothing:
    the foreign keys cascade."""
    if not (state.is_update or state.is_insert):
        return None
    classes = {mapper.class_ for mapper in state.all_mappers}
    if not classes & {ToolUse, Enrollment} and not (
        Student in classes and state.is_update and _sets_any(state, WATCHED[Student])
    ):
        return None
    result = state.invoke_statement()
    rebuild(session=state.session)
    return result


def _sets_any(state, names: Iterable[str]) -> bool:
    """Whether the UPDATE sets any of `names` (in `.values()` or its parameter rows)."""
    written = {getattr(key, "key", key) for key in (state.statement._values or {})}
    parameters = state.parameters
    for row in [parameters] if isinstance(parameters, dict) else parameters or []:
        written.update(row)
    return bool(written & set(names))
