"""Which students a consent form is for: a plain read, shared by the access gate, the forms'
operations and their reports (a form's scope is its schools and grades; none = all)."""

from sqlalchemy import Select, and_, exists, null, or_, select, union_all

from consent.consentforms.models import ConsentForm, ConsentFormGrade, ConsentFormSchool
from consent.extensions import db
from consent.roster.models import Student


def in_scope(form_id) -> object:
    """SQL: the student (the `Student` entity in the query) is in the form's scope.

    `form_id` may be a number or a column (e.g. `ConsentForm.id`) to correlate with."""
    school_rows = select(ConsentFormSchool.school_id).where(ConsentFormSchool.form_id == form_id)
    grade_rows = select(ConsentFormGrade.grade).where(ConsentFormGrade.form_id == form_id)
    return and_(
        Student.active.is_(True),
        or_(~school_rows.exists(), Student.school_id.in_(school_rows)),
        or_(~grade_rows.exists(), Student.grade.in_(grade_rows)),
    )


def in_scope_listed(form_id: int) -> object:
    """SQL: the same condition as `in_scope` for one form, with its schools and grades read
    first (one small read) and written into the statement as lists. A report over a whole
    district uses it: PostgreSQL cannot estimate how many students `in_scope`'s "no rows, or
    one of them" tests keep (it guesses a third), and then sorts every student of the form
    where a hash anti-join would find the few with no answer."""
    rows = db.session.execute(
        union_all(
            select(ConsentFormSchool.school_id, null().label("grade")).where(
                ConsentFormSchool.form_id == form_id
            ),
            select(null(), ConsentFormGrade.grade).where(ConsentFormGrade.form_id == form_id),
        )
    ).all()
    schools = sorted(row[0] for row in rows if row[0] is not None)
    grades = sorted(row[1] for row in rows if row[1] is not None)
    return and_(
        Student.active.is_(True),
        *([Student.school_id.in_(schools)] if schools else []),
        *([Student.grade.in_(grades)] if grades else []),
    )


def student_in_scope(form: ConsentForm, student_id: int) -> bool:
    return bool(
        db.session.scalar(select(exists().where(Student.id == student_id, in_scope(form.id))))
    )


def students_in_scope(form_id: int, school_id: int | None = None) -> Select:
    query = select(Student).where(in_scope(form_id))
    if school_id is not None:
        query = query.where(Student.school_id == school_id)
    return query
