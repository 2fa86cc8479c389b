"""Each student's home language, kept on the student (`Student.home_language`), in this one module.

A student's home language is the preferred language of the guardian of their first link (lowest
id) that holds FERPA rights (`consent.access.deciding_link`), or None when no link does:
`consent.consentforms.queries.home_language()` is the definition. Reports read the column, so
coverage by language is one pass over a form's students instead of working the definition out
over every link of the district on each view. What keeps the column equal to the definition:

- `refresh(students)`: one UPDATE of the given students (ids, a select of ids, or None for all)
  from the definition, writing only the rows whose value differs;
- a flush hook: an ORM change to anything the definition reads refreshes the students it touches,
  in the same transaction: a link added, removed, ended, given or stripped of rights, moved to
  another guardian or child; a guardian's language or own-student record (99.5); a court order
  (99.4) added, changed or lifted; a student's eligibility (99.5) or tax dependency; a new
  student;
- an ORM bulk INSERT, UPDATE or DELETE statement on those models (`session.execute(update(...))`)
  refreshes every student after it: such statements do not say which rows they touched;
- writers that bypass the ORM (the roster import's COPY and UPDATE ... FROM, scripts writing SQL)
  call `refresh` themselves, in their own transaction;
- `differences()` compares the column with the definition, for `flask reports
  check-home-languages`; `flask reports rebuild-home-languages` is `refresh()` for everyone.
"""

from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, event, inspect, or_, select, true, update
from sqlalchemy.orm import Session

from consent.consentforms.queries import home_language
from consent.db import chunks, flushed
from consent.extensions import db
from consent.records.models import LinkRestriction
from consent.roster.models import Guardian, GuardianLink, Student

#: The columns the definition reads, per model: a change to one of them may change a student's
#: home language. (A link moved through `link.student` is seen too: the flush sets `student_id`
#: with its history.) A student's tax dependency is read by `seeing_link`, not `deciding_link`;
#: it is watched all the same, so the definition may come to read it.
WATCHED = {
    GuardianLink: ("active", "has_rights", "guardian_id", "student_id"),
    Guardian: ("preferred_language", "student_id"),
    LinkRestriction: ("guardian_link_id", "removes", "student_id"),
    Student: ("eligible_on", "tax_dependent"),
}
#: Execution option marking this module's own UPDATE, which the bulk-statement hook lets through.
_OWN = "home_language_refresh"
#: session.info key: a refresh ran in this flush, so loaded students' values are stale.
_STALE = "home_language_stale"


def _update(condition: ColumnElement[bool], session: Session) -> int:
    """Set the home language of the students meeting `condition` from the definition; only the
    rows whose value differs are written. Returns how many were."""
    current = (
        select(Student.id.label("student_id"), home_language().label("language"))
        .where(condition)
        .subquery("definition")
    )
    statement = (
        update(Student)
        .where(
            Student.id == current.c.student_id,
            Student.home_language.is_distinct_from(current.c.language),
        )
        .values(home_language=current.c.language)
    )
    result = session.execute(
        statement, execution_options={"synchronize_session": False, _OWN: True}
    )
    session.info[_STALE] = True
    return result.rowcount


def refresh(students: Iterable[int] | Select | None = None, *, session: Session | None = None):
    """Bring the home language of `students` (ids, a select of student ids, or None: every
    student) in line with the definition, in the session's transaction. Returns how many
    students' values changed."""
    if session is None:
        session = db.session
    if students is None:
        return _update(true(), session)
    if isinstance(students, Select):
        return _update(Student.id.in_(students), session)
    return sum(_update(Student.id.in_(chunk), session) for chunk in chunks(sorted(set(students))))


def differences(limit: int | None = None) -> list:
    """Rows (student_id, stored, definition) of the students whose stored home language is not
    the definition's, by student id."""
    definition = home_language()
    query = (
        select(
            Student.id.label("student_id"),
            Student.home_language.label("stored"),
            definition.label("definition"),
        )
        .where(Student.home_language.is_distinct_from(definition))
        .order_by(Student.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.execute(query))


# --- the flush hook ----------------------------------------------------------------------------


def _values(obj, name: str) -> set:
    """The attribute's value now and, when the flush changed it, before."""
    history = inspect(obj).attrs[name].history
    return {v for v in (*history.added, *history.unchanged, *history.deleted) if v is not None}


def _touched(session: Session) -> tuple[set[int], set[int], set[int]]:
    """(student ids, guardian ids, link ids) whose students' home language the pending flush may
    change, read from the session's new, changed and deleted objects."""
    students: set[int] = set()
    guardians: set[int] = set()
    links: set[int] = set()
    for obj in flushed(session, WATCHED):
        if isinstance(obj, GuardianLink):
            students.update(_values(obj, "student_id"))
        elif isinstance(obj, Guardian):
            guardians.add(obj.id)
        elif isinstance(obj, LinkRestriction):
            links.update(_values(obj, "guardian_link_id"))
            students.update(_values(obj, "student_id"))
        elif isinstance(obj, Student):
            students.add(obj.id)
    return students, guardians, links


@event.listens_for(Session, "after_flush")
def _refresh_touched(session: Session, _context) -> None:
    """The students whose home language this flush may have changed are refreshed in it."""
    students, guardians, links = _touched(session)
    guardians.discard(None)
    links.discard(None)
    if not (students or guardians or links):
        return
    conditions = []
    if students:
        conditions.append(Student.id.in_(sorted(students)))
    if guardians:
        conditions.append(
            Student.id.in_(
                select(GuardianLink.student_id).where(GuardianLink.guardian_id.in_(guardians))
            )
        )
    if links:
        conditions.append(
            Student.id.in_(select(GuardianLink.student_id).where(GuardianLink.id.in_(links)))
        )
    _update(or_(*conditions), session)


@event.listens_for(Session, "after_flush_postexec")
def _forget_stale_values(session: Session, _context) -> None:
    """The UPDATE above does not touch loaded students: their value is read again when asked."""
    _expire_loaded(session)


def _expire_loaded(session: Session) -> None:
    if not session.info.pop(_STALE, False):
        return
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Student):
            session.expire(obj, ["home_language"])


@event.listens_for(Session, "do_orm_execute")
def _refresh_after_bulk_statement(state):
    """An ORM bulk statement on a watched model bypasses the flush: every student is refreshed
    after it (nothing in the service writes this way; scripts and tests may)."""
    if state.execution_options.get(_OWN) or not (
        state.is_insert or state.is_update or state.is_delete
    ):
        return None
    if not any(mapper.class_ in WATCHED for mapper in state.all_mappers):
        return None
    result = state.invoke_statement()
    refresh(session=state.session)
    _expire_loaded(state.session)
    return result
