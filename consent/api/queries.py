"""The API's reads: a page of students' choices and the catalog (one tool's exclusion list is
consent.enforcement.exclusions, shared with the vendor roster checks). Each is a few statements
whatever the district's size: pages are keyed by id (an opaque cursor, never an offset)."""

import base64
import binascii
import json
from datetime import datetime

import orjson
from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    String,
    Text,
    any_,
    bindparam,
    cast,
    func,
    literal_column,
    select,
    type_coerce,
    union,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.engine import Row
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import lazyload
from sqlalchemy.sql.functions import FunctionElement

from consent.catalog.models import Tool
from consent.consentforms.models import ConsentAnswer, ConsentAnswerEvent, ConsentForm
from consent.extensions import db
from consent.optouts.models import ACTIVE_STATUSES, Event, OptOut
from consent.roster.models import Student


class BadCursor(ValueError):
    """A cursor this API did not give out."""


def encode_cursor(kind: str, last_id: int) -> str:
    raw = json.dumps({"k": kind, "a": last_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str | None) -> int:
    """The id after which the page starts (0 for the first page)."""
    if not cursor:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        after = data["a"]
        if data["k"] != kind or not isinstance(after, int) or not 0 <= after < 2**31:
            raise BadCursor(cursor)
        return after
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
        raise BadCursor(cursor) from error


# --- students' choices ------------------------------------------------------------------------


def changed_students(
    *,
    students: ColumnElement[bool],
    school_id: int | None,
    tool_id: int | None,
    updated_since: datetime | None,
    with_optouts: bool,
    with_answers: bool,
    after: int,
    limit: int,
) -> list[Row]:
    """One page of the students (by id, after `after`) who have a choice the token may read: an
    opt-out in effect or an answer in force, or, with `updated_since`, any change to either
    since then (a withdrawn request too, so a system learns it ended).

    Each source gives only its first `limit` distinct students after `after` (read in order
    from its student_id index, and stopping there), so a page never gathers the whole
    district's choices first: the page's students are among the union of those. A district
    of 160,000 students with half a million answers answers a page of 500 in a few ms."""
    narrowed = [students, Student.id > after]
    if school_id is not None:
        narrowed.append(Student.school_id == school_id)

    def first(column, query):
        return (
            query.add_columns(column.label("student_id"))
            .join(Student, Student.id == column)
            # On the source's own column too: its index is read from `after` on.
            .where(column > after, *narrowed)
            .distinct()
            .order_by(column)
            .limit(limit)
        )

    sources = []
    if with_optouts:
        query = select().select_from(OptOut)
        if updated_since is not None:
            query = query.join(Event, Event.optout_id == OptOut.id).where(Event.at >= updated_since)
        else:
            query = query.where(OptOut.status.in_(ACTIVE_STATUSES))
        if tool_id is not None:
            query = query.where(OptOut.tool_id == tool_id)
        sources.append(first(OptOut.student_id, query))
    if with_answers:
        if updated_since is not None:
            query = (
                select()
                .select_from(ConsentAnswerEvent)
                .join(ConsentForm, ConsentForm.id == ConsentAnswerEvent.form_id)
                .where(ConsentAnswerEvent.at >= updated_since)
            )
            column = ConsentAnswerEvent.student_id
        else:
            query = (
                select()
                .select_from(ConsentAnswer)
                .join(ConsentForm, ConsentForm.id == ConsentAnswer.form_id)
            )
            column = ConsentAnswer.student_id
        if tool_id is not None:
            query = query.where(ConsentForm.tool_id == tool_id)
        sources.append(first(column, query))
    parts = [source.subquery() for source in sources]
    chosen = union(*(select(part.c.student_id) for part in parts)).subquery("chosen")
    query = (
        select(
            Student.id,
            Student.district_identifier,
            Student.sourced_id,
            Student.school_id,
            Student.active,
        )
        .where(Student.id.in_(select(chosen.c.student_id)), Student.id > after)
        .order_by(Student.id)
        .limit(limit)
    )
    # Rows, not Student objects: the page needs these five columns, 500 times.
    return list(_rows(query))


def _in_page(column, student_ids: list[int]) -> ColumnElement[bool]:
    """`column` is one of a page's student ids. On PostgreSQL one parameter, the ids as the
    text of an array (`= ANY(CAST(:page_ids AS INTEGER[]))`): the statement's text never
    changes, so psycopg prepares it once, and a string of 500 ids is written in microseconds
    (500 bound parameters, ids written into the statement, or a list psycopg adapts as an
    array cost milliseconds of CPU per page). SQLite has no arrays: one parameter per id."""
    if db.session.get_bind().dialect.name == "postgresql":
        ids = "{" + ",".join(map(str, student_ids)) + "}"
        return column == any_(cast(bindparam("page_ids", ids, type_=String), ARRAY(Integer)))
    return column.in_(bindparam("page_ids", student_ids, expanding=True))


def _raw(column):
    """An enumeration's stored value, read as the plain string the answer carries."""
    return type_coerce(column, String)


class utc_text(FunctionElement):  # noqa: N801 - used as an SQL function
    """A timestamp written by the database as RFC 3339 text in UTC, as pydantic writes an
    aware datetime: `2026-09-01T12:00:00.250000Z`, and no fraction when there are no
    microseconds (`2026-09-01T12:00:00Z`). A page has about 2,000 timestamps: read as
    datetimes and written in Python they cost a few ms of CPU per page."""

    type = String()
    inherit_cache = True


@compiles(utc_text, "postgresql")
def _utc_text_postgresql(element, compiler, **kw):
    value = compiler.process(element.clauses, **kw)
    text = f"""to_char(({value}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')"""
    return f"replace({text}, '.000000Z', 'Z')"


@compiles(utc_text)
def _utc_text_sqlite(element, compiler, **kw):
    # UTCDateTime stores UTC on SQLite as `YYYY-MM-DD HH:MM:SS.ffffff`.
    value = compiler.process(element.clauses, **kw)
    return f"replace(replace({value}, ' ', 'T') || 'Z', '.000000Z', 'Z')"


def _rows(query) -> list[Row]:
    """Every row of a statement of columns at once, without the ORM's row loading (a page
    reads two thousand of them)."""
    return db.session.connection().execute(query).all()


EMPTY = orjson.Fragment(b"[]")


def _json_lists(
    query, student_id, fields: dict[str, ColumnElement], order_by
) -> dict[int, orjson.Fragment]:
    """Each student's rows of `query` (filtered to the page), as the JSON text of an array of
    objects of `fields` in `order_by`'s order, ready for orjson to write as it is. On
    PostgreSQL the database writes each student's array (`json_agg`): one row per student
    instead of Python building and encoding a dict per row, a third of a page's CPU."""
    if db.session.get_bind().dialect.name == "postgresql":
        pairs = [
            part
            for name, column in fields.items()
            for part in (literal_column(f"'{name}'"), column)
        ]
        array = func.json_agg(aggregate_order_by(func.json_build_object(*pairs), *order_by))
        query = query.with_only_columns(student_id, cast(array, Text)).group_by(student_id)
        return {row[0]: orjson.Fragment(row[1]) for row in _rows(query)}
    names = tuple(fields)
    query = query.with_only_columns(student_id, *fields.values()).order_by(student_id, *order_by)
    lists: dict[int, list[dict]] = {}
    for row in _rows(query):
        lists.setdefault(row[0], []).append(dict(zip(names, row[1:], strict=True)))
    return {sid: orjson.Fragment(orjson.dumps(items)) for sid, items in lists.items()}


def optouts_by_student(student_ids: list[int], tool_id: int | None) -> dict[int, orjson.Fragment]:
    """The opt-outs in effect of one page of students, with when each last changed: for each
    student, the JSON of a list of `OptOutOut` (timestamps written by the database)."""
    if not student_ids:
        return {}
    last_event = select(func.max(Event.at)).where(Event.optout_id == OptOut.id).scalar_subquery()
    query = select(OptOut.id).where(
        _in_page(OptOut.student_id, student_ids), OptOut.status.in_(ACTIVE_STATUSES)
    )
    if tool_id is not None:
        query = query.where(OptOut.tool_id == tool_id)
    fields = {
        "id": OptOut.id,
        "tool_id": OptOut.tool_id,
        "feature": func.nullif(OptOut.feature, ""),
        "status": _raw(OptOut.status),
        "filed_at": utc_text(OptOut.filed_at),
        "updated_at": utc_text(func.coalesce(last_event, OptOut.filed_at)),
    }
    found = dict.fromkeys(student_ids, EMPTY)
    found.update(_json_lists(query, OptOut.student_id, fields, [OptOut.id]))
    return found


def answers_by_student(student_ids: list[int], tool_id: int | None) -> dict[int, orjson.Fragment]:
    """The answers in force of one page of students, on every form (or one tool's): for each
    student, the JSON of a list of `AnswerOut` (timestamps written by the database)."""
    if not student_ids:
        return {}
    query = (
        select(ConsentAnswer.id)
        .join(ConsentForm, ConsentForm.id == ConsentAnswer.form_id)
        .where(_in_page(ConsentAnswer.student_id, student_ids))
    )
    if tool_id is not None:
        query = query.where(ConsentForm.tool_id == tool_id)
    fields = {
        "form_id": ConsentAnswer.form_id,
        "form_kind": _raw(ConsentForm.kind),
        "tool_id": ConsentForm.tool_id,
        "school_year": ConsentForm.school_year,
        "answer": _raw(ConsentAnswer.answer),
        "answered_at": utc_text(ConsentAnswer.answered_at),
    }
    found = dict.fromkeys(student_ids, EMPTY)
    found.update(_json_lists(query, ConsentAnswer.student_id, fields, [ConsentAnswer.form_id]))
    return found


# --- the catalog ------------------------------------------------------------------------------


def tools_page(after: int, limit: int) -> list[Tool]:
    return list(
        db.session.scalars(
            select(Tool)
            .where(Tool.id > after)
            .order_by(Tool.id)
            .limit(limit)
            .options(lazyload(Tool.optout_options))
        )
    )
