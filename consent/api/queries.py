"""The API's reads: a page of students' choices and the catalog (one tool's exclusion list is
consent.enforcement.exclusions, shared with the vendor roster checks). Each is a few statements
whatever the district's size: pages are keyed by id (an opaque cursor, never an offset)."""

import base64
import binascii
import json
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    String,
    bindparam,
    func,
    select,
    type_coerce,
    union,
)
from sqlalchemy.engine import Row
from sqlalchemy.orm import lazyload

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
    return list(db.session.execute(query))


def _in_page(column, student_ids: list[int]) -> ColumnElement[bool]:
    """`column` is one of a page's student ids. On PostgreSQL one array parameter: 500 bound
    parameters would make psycopg parse a statement too long for its cache on every call."""
    return column.in_(bindparam("page_ids", student_ids, expanding=True, literal_execute=True))


def _raw(column):
    """An enumeration's stored value, read as the plain string the answer carries."""
    return type_coerce(column, String)


def optouts_by_student(student_ids: list[int], tool_id: int | None) -> dict[int, list[dict]]:
    """The opt-outs in effect of one page of students, with when each last changed."""
    found: dict[int, list[dict]] = {sid: [] for sid in student_ids}
    if not student_ids:
        return found
    changed = select(func.max(Event.at)).where(Event.optout_id == OptOut.id).scalar_subquery()
    query = (
        select(
            OptOut.id,
            OptOut.student_id,
            OptOut.tool_id,
            OptOut.feature,
            _raw(OptOut.status).label("status"),
            OptOut.filed_at,
            changed.label("updated_at"),
        )
        .where(_in_page(OptOut.student_id, student_ids), OptOut.status.in_(ACTIVE_STATUSES))
        .order_by(OptOut.student_id, OptOut.id)
    )
    if tool_id is not None:
        query = query.where(OptOut.tool_id == tool_id)
    for row in db.session.execute(query):
        found[row.student_id].append(
            {
                "id": row.id,
                "tool_id": row.tool_id,
                "feature": row.feature or None,
                "status": row.status,
                "filed_at": row.filed_at,
                "updated_at": row.updated_at or row.filed_at,
            }
        )
    return found


def answers_by_student(student_ids: list[int], tool_id: int | None) -> dict[int, list[dict]]:
    """The answers in force of one page of students, on every form (or one tool's)."""
    found: dict[int, list[dict]] = {sid: [] for sid in student_ids}
    if not student_ids:
        return found
    query = (
        select(
            ConsentAnswer.student_id,
            ConsentAnswer.form_id,
            _raw(ConsentAnswer.answer).label("answer"),
            ConsentAnswer.answered_at,
            _raw(ConsentForm.kind).label("kind"),
            ConsentForm.tool_id,
            ConsentForm.school_year,
        )
        .join(ConsentForm, ConsentForm.id == ConsentAnswer.form_id)
        .where(_in_page(ConsentAnswer.student_id, student_ids))
        .order_by(ConsentAnswer.student_id, ConsentAnswer.form_id)
    )
    if tool_id is not None:
        query = query.where(ConsentForm.tool_id == tool_id)
    for row in db.session.execute(query):
        found[row.student_id].append(
            {
                "form_id": row.form_id,
                "form_kind": row.kind,
                "tool_id": row.tool_id,
                "school_year": row.school_year,
                "answer": row.answer,
                "answered_at": row.answered_at,
            }
        )
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
