"""Who must not be rostered to a tool, and who must have a feature of it off: the one rule.

The API's exclusion list (consent.api) streams it to a district system, and a vendor roster
check (consent.enforcement.operations) compares a vendor's export with it; both read it here,
so the two cannot drift apart. It builds on which tools reach a student (consent.catalog.reach)
and on when consent is withheld (consent.consentforms.queries)."""

from collections.abc import Iterator
from datetime import date, timedelta

from sqlalchemy import ColumnElement, case, literal, select, union_all

from consent.catalog.models import LegalBasis, Tool
from consent.catalog.reach import reach
from consent.consentforms.queries import consent_asked, tool_consent_withheld
from consent.core import clock
from consent.extensions import db
from consent.optouts.models import OptOut
from consent.roster.models import Student


def for_tool(tool: Tool, as_of: date, *, students: ColumnElement[bool], school_id: int | None):
    """`exclusion_rows` for `tool`, with its legal basis deciding whether a school that no
    consent form asked is excluded too."""
    return exclusion_rows(
        tool.id,
        as_of,
        students=students,
        school_id=school_id,
        needs_consent=tool.legal_basis is LegalBasis.PARENT_CONSENT,
    )


def exclusion_rows(
    tool_id: int,
    as_of: date,
    *,
    students: ColumnElement[bool],
    school_id: int | None,
    needs_consent: bool = False,
):
    """One statement: `(student_id, district_identifier, sourced_id, school_id, feature,
    reason)` for each student the tool reaches on `as_of` (consent.catalog.reach) with an
    opt-out of it in effect at the end of that day (feature "" for the whole tool), or whose
    consent for it is withheld then (consent.consentforms.queries.tool_consent_withheld), or,
    for a tool that needs each parent's consent (`needs_consent`), whose school no consent form
    asked (`consent_asked`); by student id. Read it in batches (`yield_per`)."""
    reached = reach(as_of, tool_id=tool_id).subquery("reached")
    reached_ids = select(reached.c.student_id)
    end = clock.day_start(as_of + timedelta(days=1))
    who = (
        Student.id.label("student_id"),
        Student.district_identifier,
        Student.sourced_id,
        Student.school_id,
    )
    narrowed = [Student.id.in_(reached_ids), students]
    if school_id is not None:
        narrowed.append(Student.school_id == school_id)
    opted_out = (
        select(
            *who,
            OptOut.feature.label("feature"),
            case((OptOut.feature == "", "opted_out"), else_="feature_opted_out").label("reason"),
        )
        .join(OptOut, OptOut.student_id == Student.id)
        .where(
            *narrowed,
            OptOut.tool_id == tool_id,
            OptOut.filed_at < end,
            (OptOut.ended_at.is_(None)) | (OptOut.ended_at >= end),
        )
    )
    withheld, refused = tool_consent_withheld(tool_id, as_of)
    no_consent = select(
        *who,
        literal("").label("feature"),
        case((refused, "consent_refused"), else_="no_consent").label("reason"),
    ).where(*narrowed, withheld)
    parts = [opted_out, no_consent]
    if needs_consent:
        asked = consent_asked(tool_id, Student.school_id, as_of, correlate=(Student,))
        parts.append(
            select(
                *who, literal("").label("feature"), literal("no_consent_form").label("reason")
            ).where(*narrowed, ~asked)
        )
    rows = union_all(*parts).subquery("excluded")
    return select(rows).order_by(rows.c.student_id, rows.c.feature, rows.c.reason)


def exclusions(rows) -> Iterator[dict]:
    """Each student's exclusion, from `exclusion_rows` read in order (one student at a time)."""
    current: dict | None = None
    for row in rows:
        if current is None or current["student_id"] != row.student_id:
            if current is not None:
                yield current
            current = {
                "student_id": row.student_id,
                "district_identifier": row.district_identifier,
                "sourced_id": row.sourced_id,
                "school_id": row.school_id,
                "do_not_roster": False,
                "features_off": [],
                "reasons": [],
            }
        if row.feature:
            if row.feature not in current["features_off"]:
                current["features_off"].append(row.feature)
        else:
            current["do_not_roster"] = True
        if row.reason not in current["reasons"]:
            current["reasons"].append(row.reason)
    if current is not None:
        yield current


def stream_exclusions(statement, batch: int = 1000) -> Iterator[dict]:
    result = db.session.execute(statement.execution_options(yield_per=batch))
    yield from exclusions(result)
