"""Read-side questions about consent forms, as aggregate SQL, for pages and reports.

The data shape: `consent_answer` holds one row per (form, student) with the answer in force
(`granted` or `refused`); a student in scope without a row has not answered. Every answer ever
given is in `consent_answer_event`. A form's scope is its schools (`consent_form_school`, none =
the whole district) and grades (`consent_form_grade`, none = every grade); only active students
count.

Helpers for reports (each returns plain rows or a `Select` to paginate or stream):

- `in_scope(form_id)` — SQL condition on `Student`: the student is in the form's scope.
- `students_in_scope(form_id, school_id=None)` — `Select` of `Student` in scope.
- `coverage_by_school(form_id, school_id=None)` — rows `(school_id, school_name, in_scope,
  answered, granted, refused)`, one per school with students in scope, by school name.
- `coverage_by_language(form_id, school_id=None)` — rows `(language, in_scope, answered,
  granted, refused)`; a student's home language is the preferred language of their first
  guardian with FERPA rights ("" when none).
- `non_responders(form_id, school_id=None)` — `Select` of `Student` in scope with no answer,
  ordered by school, family and given name (paginate it, or stream it to CSV).
- `answers_for(form_id, student_ids)` — `{student_id: ConsentAnswer}` for one page of students.
"""

from datetime import date, timedelta

from sqlalchemy import Select, and_, case, exists, func, literal, select
from sqlalchemy.orm import joinedload, lazyload

from consent.access import deciding_link
from consent.catalog.models import Tool
from consent.consentforms.models import (
    Answer,
    ConsentAnswer,
    ConsentAnswerEvent,
    ConsentForm,
    FormStatus,
)
from consent.consentforms.scope import in_scope, students_in_scope
from consent.extensions import db
from consent.roster.models import Guardian, GuardianLink, School, Student


def _counts():
    return (
        func.count(Student.id).label("in_scope"),
        func.count(ConsentAnswer.id).label("answered"),
        func.count(case((ConsentAnswer.answer == Answer.GRANTED, 1))).label("granted"),
        func.count(case((ConsentAnswer.answer == Answer.REFUSED, 1))).label("refused"),
    )


def _answer_join(form_id: int):
    return and_(ConsentAnswer.student_id == Student.id, ConsentAnswer.form_id == form_id)


def coverage_by_school(form_id: int, school_id: int | None = None) -> list:
    """Students in scope, answered, granted and refused, per school, in one aggregate query."""
    query = (
        select(School.id.label("school_id"), School.name.label("school_name"), *_counts())
        .select_from(Student)
        .join(School, School.id == Student.school_id)
        .outerjoin(ConsentAnswer, _answer_join(form_id))
        .where(in_scope(form_id))
        .group_by(School.id, School.name)
        .order_by(School.name, School.id)
    )
    if school_id is not None:
        query = query.where(Student.school_id == school_id)
    return list(db.session.execute(query))


def home_language():
    """SQL: the student's home language, from their first guardian holding FERPA rights."""
    return (
        select(Guardian.preferred_language)
        .join(GuardianLink, GuardianLink.guardian_id == Guardian.id)
        .where(
            GuardianLink.student_id == Student.id,
            deciding_link(),
        )
        .order_by(GuardianLink.id)
        .limit(1)
        .correlate(Student)
        .scalar_subquery()
    )


def coverage_by_language(form_id: int, school_id: int | None = None) -> list:
    """The same counts per home language, so notices can be followed up in that language."""
    language = func.coalesce(home_language(), literal("")).label("language")
    inner = (
        select(
            Student.id.label("student_id"),
            language,
            ConsentAnswer.id.label("answer_id"),
            ConsentAnswer.answer.label("answer"),
        )
        .select_from(Student)
        .outerjoin(ConsentAnswer, _answer_join(form_id))
        .where(in_scope(form_id))
    )
    if school_id is not None:
        inner = inner.where(Student.school_id == school_id)
    sub = inner.subquery()
    query = (
        select(
            sub.c.language,
            func.count(sub.c.student_id).label("in_scope"),
            func.count(sub.c.answer_id).label("answered"),
            func.count(case((sub.c.answer == Answer.GRANTED.value, 1))).label("granted"),
            func.count(case((sub.c.answer == Answer.REFUSED.value, 1))).label("refused"),
        )
        .group_by(sub.c.language)
        .order_by(sub.c.language)
    )
    return list(db.session.execute(query))


def non_responders(form_id: int, school_id: int | None = None) -> Select:
    query = students_in_scope(form_id, school_id).where(
        ~exists().where(ConsentAnswer.form_id == form_id, ConsentAnswer.student_id == Student.id)
    )
    return query.order_by(Student.school_id, Student.family_name, Student.given_name, Student.id)


def answers_for(form_id: int, student_ids) -> dict[int, ConsentAnswer]:
    ids = list(student_ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        select(ConsentAnswer).where(
            ConsentAnswer.form_id == form_id, ConsentAnswer.student_id.in_(ids)
        )
    ).unique()
    return {row.student_id: row for row in rows}


def history(form_id: int, student_id: int) -> list[ConsentAnswerEvent]:
    return list(
        db.session.scalars(
            select(ConsentAnswerEvent)
            .where(
                ConsentAnswerEvent.form_id == form_id, ConsentAnswerEvent.student_id == student_id
            )
            .order_by(ConsentAnswerEvent.id.desc())
        ).unique()
    )


def _light(query):
    """Forms listed without their scope rows or the tool's collections: one statement."""
    return query.options(
        lazyload(ConsentForm.schools),
        lazyload(ConsentForm.grade_rows),
        joinedload(ConsentForm.tool).lazyload(Tool.data_categories),
        joinedload(ConsentForm.tool).lazyload(Tool.features),
        joinedload(ConsentForm.tool).lazyload(Tool.optout_options),
    )


def forms_for_students(student_ids: list[int], today: date) -> dict[int, list[ConsentForm]]:
    """Published forms each student is in scope for, whose window opened and closed less than a
    year ago, newest window first; one query whatever the number of children and forms."""
    if not student_ids:
        return {}
    rows = db.session.execute(
        _light(
            select(Student.id, ConsentForm)
            .join(ConsentForm, in_scope(ConsentForm.id))
            .where(
                Student.id.in_(student_ids),
                ConsentForm.status == FormStatus.PUBLISHED,
                ConsentForm.opens_on <= today,
                ConsentForm.closes_on >= today - timedelta(days=365),
            )
            .order_by(ConsentForm.closes_on.desc(), ConsentForm.id)
        )
    ).unique()
    result: dict[int, list[ConsentForm]] = {sid: [] for sid in student_ids}
    for student_id, form in rows:
        result[student_id].append(form)
    return result


def unanswered_open_forms(student_id: int, today: date) -> list[ConsentForm]:
    """Open published forms with no answer yet for the student: one statement, for the child
    page's "Forms waiting" block."""
    student_scope = select(Student).where(Student.id == student_id)
    return list(
        db.session.scalars(
            _light(
                select(ConsentForm)
                .where(
                    ConsentForm.status == FormStatus.PUBLISHED,
                    ConsentForm.opens_on <= today,
                    ConsentForm.closes_on >= today,
                    student_scope.where(in_scope(ConsentForm.id)).exists(),
                    ~exists().where(
                        ConsentAnswer.form_id == ConsentForm.id,
                        ConsentAnswer.student_id == student_id,
                    ),
                )
                .order_by(ConsentForm.closes_on, ConsentForm.id)
            )
        ).unique()
    )


def answers_by_student(student_ids: list[int], form_ids) -> dict[tuple[int, int], ConsentAnswer]:
    form_ids = list(form_ids)
    if not student_ids or not form_ids:
        return {}
    rows = db.session.scalars(
        select(ConsentAnswer).where(
            ConsentAnswer.student_id.in_(student_ids), ConsentAnswer.form_id.in_(form_ids)
        )
    ).unique()
    return {(row.form_id, row.student_id): row for row in rows}


def form_list(visible: Select) -> Select:
    """The forms of `visible` (consent.access.visible_forms), newest window first, light."""
    return _light(visible).order_by(ConsentForm.opens_on.desc(), ConsentForm.id.desc())
