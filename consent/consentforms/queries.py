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
- `home_language()` — SQL, the definition of a student's home language: the preferred language
  of their first guardian with FERPA rights. `Student.home_language` keeps it
  (consent.roster.home_language), and the pages read that.
- `coverage_by_language(form_id, school_id=None)` — rows `(language, in_scope, answered,
  granted, refused)`, by the student's kept home language ("" when none).
- `non_responders(form_id, school_id=None)` — `Select` of `Student` in scope with no answer,
  ordered by school, family and given name (paginate it, or stream it to CSV).
- `answers_for(form_id, student_ids)` — `{student_id: ConsentAnswer}` for one page of students.
- `staff_answers(student_ids, as_of, section_id=None)` — `{student_id: [StaffAnswer]}`: each
  student's answer, as of a day, on every published form staff must see, with what no answer
  means for that form.
- `do_not_release(school_id, as_of)` — `Select` of `Student` whose directory information,
  photos or recruiter data must not be released; `withheld_rows(...)` says which forms and why;
  `release_forms(...)` the forms the list follows.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import aliased, contains_eager, joinedload, lazyload

from consent.access import deciding_link
from consent.catalog.models import LegalBasis, Tool, ToolUse
from consent.catalog.reach import reaches, used_in_class
from consent.consentforms.models import (
    Answer,
    ConsentAnswer,
    ConsentAnswerEvent,
    ConsentForm,
    ConsentFormGrade,
    ConsentFormSchool,
    FormKind,
    FormMode,
    FormStatus,
)
from consent.consentforms.scope import in_scope, students_in_scope
from consent.core import clock
from consent.extensions import db
from consent.roster.models import Guardian, GuardianLink, School, Student
from consent.schoolcalendar.days import school_year_of


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
    """SQL: the student's home language, from their first guardian holding FERPA rights. The
    definition: `Student.home_language` keeps its value (consent.roster.home_language), and
    `flask reports check-home-languages` compares the two."""
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
    language = func.coalesce(Student.home_language, literal("")).label("language")
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


def latest_answer_of(form_id: int, student_id: int, guardian_id: int) -> ConsentAnswerEvent | None:
    """One guardian's latest answer for the child on the form (what their receipt is for)."""
    return db.session.scalar(
        select(ConsentAnswerEvent)
        .where(
            ConsentAnswerEvent.form_id == form_id,
            ConsentAnswerEvent.student_id == student_id,
            ConsentAnswerEvent.guardian_id == guardian_id,
        )
        .order_by(ConsentAnswerEvent.id.desc())
        .limit(1)
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


@dataclass(frozen=True)
class ChildForms:
    """A child's forms for the child page: the open ones nobody has answered yet ("Forms
    waiting"), and per tool the consent form of this school year with the answer in force."""

    waiting: list[ConsentForm]
    tools: dict[int, tuple[ConsentForm, Answer | None]]


def child_forms(student: Student, today: date) -> ChildForms:
    """One statement whatever the number of forms: every published form for the child that is
    open today, or is a tool's consent of this school year, with the child's answer in force."""
    if not student.active:
        return ChildForms(waiting=[], tools={})
    # The form's scope, for this one child: its schools and grades (none = all).
    schools = select(ConsentFormSchool.school_id).where(ConsentFormSchool.form_id == ConsentForm.id)
    grades = select(ConsentFormGrade.grade).where(ConsentFormGrade.form_id == ConsentForm.id)
    for_the_child = and_(
        or_(
            ~schools.exists(),
            schools.where(ConsentFormSchool.school_id == student.school_id).exists(),
        ),
        or_(~grades.exists(), grades.where(ConsentFormGrade.grade == student.grade).exists()),
    )
    student_id = student.id
    in_force = (
        select(ConsentAnswer.answer)
        .where(ConsentAnswer.form_id == ConsentForm.id, ConsentAnswer.student_id == student_id)
        .scalar_subquery()
    )
    rows = db.session.execute(
        _light(
            select(ConsentForm, in_force)
            .where(
                ConsentForm.status == FormStatus.PUBLISHED,
                ConsentForm.opens_on <= today,
                or_(
                    ConsentForm.closes_on >= today,
                    and_(
                        ConsentForm.kind == FormKind.TOOL_CONSENT,
                        ConsentForm.school_year == school_year_of(today),
                    ),
                ),
                for_the_child,
            )
            .order_by(ConsentForm.closes_on, ConsentForm.id)
        )
    ).unique()
    waiting, tools = [], {}
    for form, answer in rows:
        if answer is None and form.closes_on >= today:
            waiting.append(form)
        if form.kind is FormKind.TOOL_CONSENT:
            # The form closing last speaks for the tool (the rows come by closing day).
            tools[form.tool_id] = (form, Answer(answer) if answer is not None else None)
    return ChildForms(waiting=waiting, tools=tools)


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


@dataclass(frozen=True)
class StaffAnswer:
    """One student's answer on one form staff must see, as of a day."""

    form: ConsentForm
    answer: Answer | None
    #: The form's window has closed by the day: no answer now follows the form's rule for good.
    closed: bool

    @property
    def released(self) -> bool:
        """May the student's data be released? A yes releases, a no withholds, and no answer
        follows the form: included on an opt-out form, excluded on an opt-in form."""
        if self.answer is None:
            return self.form.included_without_answer
        return self.answer is Answer.GRANTED


def staff_answers(student_ids, as_of: date, *, section_id: int | None = None):
    """The answer in force of each student, as of the end of `as_of`, on every published form
    marked "staff must see this" for that school year and already open; a tool's consent only
    where the tool reaches the student (through `section_id` or wider, when given). The answer
    in force is the more protective of each guardian's latest answer by then. One statement
    whatever the number of students and forms: `{student_id: [StaffAnswer]}`."""
    ids = list(student_ids)
    result: dict[int, list[StaffAnswer]] = {sid: [] for sid in ids}
    if not ids:
        return result
    _withheld_sql, refused = _withheld(as_of)
    answered = _answered(as_of)
    reached = reaches(
        as_of, student_id=Student.id, tool_id=ConsentForm.tool_id, section_id=section_id
    )
    rows = db.session.execute(
        _light(
            select(Student.id, ConsentForm, refused.label("refused"), answered.label("answered"))
            .join(ConsentForm, in_scope(ConsentForm.id))
            .where(
                Student.id.in_(ids),
                ConsentForm.status == FormStatus.PUBLISHED,
                ConsentForm.staff_must_see.is_(True),
                ConsentForm.school_year == school_year_of(as_of),
                ConsentForm.opens_on <= as_of,
                or_(ConsentForm.kind != FormKind.TOOL_CONSENT, reached),
            )
            .order_by(ConsentForm.kind, ConsentForm.title, ConsentForm.id)
        )
    ).unique()
    for student_id, form, was_refused, was_answered in rows:
        answer = Answer.REFUSED if was_refused else Answer.GRANTED if was_answered else None
        result[student_id].append(
            StaffAnswer(form=form, answer=answer, closed=as_of > form.closes_on)
        )
    return result


def consent_asked(tool_id, school_id, today: date, *, correlate=()):
    """SQL: a published consent form for the tool, of this school year and already open, reaches
    the school (naming it, or the whole district's). Without one nobody could have said yes,
    so no student may use a tool that needs each parent's consent. `correlate`: the outer
    query's entities `school_id` comes from (a column two levels down needs them named)."""
    form_school = select(ConsentFormSchool.school_id).where(
        ConsentFormSchool.form_id == ConsentForm.id
    )
    at_school = form_school.where(ConsentFormSchool.school_id == school_id)
    if correlate:
        at_school = at_school.correlate(ConsentForm, *correlate)
    return (
        select(ConsentForm.id)
        .where(
            ConsentForm.tool_id == tool_id,
            ConsentForm.kind == FormKind.TOOL_CONSENT,
            ConsentForm.status == FormStatus.PUBLISHED,
            ConsentForm.school_year == school_year_of(today),
            ConsentForm.opens_on <= today,
            or_(~form_school.exists(), at_school.exists()),
        )
        .exists()
    )


def consent_tools_without_form(section_id: int, school_id: int, today: date) -> list[Tool]:
    """Tools needing each parent's consent that the class uses today (in the class, its school
    or the district) with no published consent form of this school year reaching its school:
    nobody could have said yes, so no student may use them. One statement."""
    asked = consent_asked(Tool.id, school_id, today)
    used = (
        select(ToolUse.id)
        .where(
            ToolUse.tool_id == Tool.id,
            used_in_class(today, section_id=section_id, school_id=school_id),
        )
        .exists()
    )
    return list(
        db.session.scalars(
            select(Tool)
            .where(Tool.legal_basis == LegalBasis.PARENT_CONSENT, used, ~asked)
            .options(
                lazyload(Tool.data_categories),
                lazyload(Tool.features),
                lazyload(Tool.optout_options),
            )
            .order_by(Tool.name, Tool.id)
        )
    )


def answers_by_form(students, answers: dict[int, list[StaffAnswer]]) -> list:
    """`[(form, [(student, StaffAnswer)])]` for a list of students, forms in the order given."""
    forms: dict[int, tuple[ConsentForm, list]] = {}
    for student in students:
        for staff_answer in answers.get(student.id, []):
            forms.setdefault(staff_answer.form.id, (staff_answer.form, []))[1].append(
                (student, staff_answer)
            )
    return list(forms.values())


def _release_form(school_id: int | None, as_of: date) -> list:
    """SQL on `ConsentForm`: a published form, other than a tool's consent, that staff must see
    and that was open by `as_of` in its school year, for the school (naming it, or the
    district's) or for any school: the forms the do-not-release list follows."""
    conditions = [
        ConsentForm.status == FormStatus.PUBLISHED,
        ConsentForm.staff_must_see.is_(True),
        ConsentForm.kind != FormKind.TOOL_CONSENT,
        ConsentForm.school_year == school_year_of(as_of),
        ConsentForm.opens_on <= as_of,
    ]
    if school_id is not None:
        rows = select(ConsentFormSchool.school_id).where(
            ConsentFormSchool.form_id == ConsentForm.id
        )
        conditions.append(
            or_(~rows.exists(), rows.where(ConsentFormSchool.school_id == school_id).exists())
        )
    return conditions


def release_forms(school_id: int | None, as_of: date) -> list[ConsentForm]:
    """The forms the do-not-release list follows, so the page can say what no answer means on
    each and whether its window has closed: one statement."""
    return list(
        db.session.scalars(
            _light(select(ConsentForm).where(*_release_form(school_id, as_of))).order_by(
                ConsentForm.kind, ConsentForm.title, ConsentForm.id
            )
        ).unique()
    )


def _answered(as_of: date):
    """SQL on `Student` and `ConsentForm`: someone answered the form for the student by the end
    of `as_of`."""
    given = aliased(ConsentAnswerEvent)
    end = clock.day_start(as_of + timedelta(days=1))
    return (
        select(given.id)
        .where(given.form_id == ConsentForm.id, given.student_id == Student.id, given.at < end)
        # Explicit: the list nests this two levels below the student (auto-correlation reaches
        # only the SELECT right around it, and would cross-join every student instead).
        .correlate(Student, ConsentForm)
        .exists()
    )


def _withheld(as_of: date):
    """SQL on `Student` and `ConsentForm`: the student's data must not be released under the
    form as of the end of `as_of`. A refusal in force withholds (the more protective of each
    guardian's latest answer by then); no answer by then follows the form's rule: withheld on
    an opt-in form, released on an opt-out form. Also: whether a refusal is in force."""
    end = clock.day_start(as_of + timedelta(days=1))
    given, later = aliased(ConsentAnswerEvent), aliased(ConsentAnswerEvent)
    answered = _answered(as_of)
    refused = (
        select(given.id)
        .where(
            given.form_id == ConsentForm.id,
            given.student_id == Student.id,
            given.at < end,
            given.answer == Answer.REFUSED,
            ~select(later.id)
            .where(
                later.form_id == given.form_id,
                later.student_id == given.student_id,
                later.guardian_id == given.guardian_id,
                later.at < end,
                or_(later.at > given.at, and_(later.at == given.at, later.id > given.id)),
            )
            .exists(),
        )
        .correlate(Student, ConsentForm)  # as in _answered
        .exists()
    )
    return or_(refused, and_(ConsentForm.mode == FormMode.OPT_IN, ~answered)), refused


def do_not_release(school_id: int | None, as_of: date) -> Select:
    """`Select` of the active students (of one school, or the district) whose directory
    information, photos or recruiter data must not be released as of `as_of`: a no, or no
    answer on an opt-in form, on any form of `release_forms`; by school, family and given name.
    Paginate it; `withheld_rows` says, for one page, which forms withhold each and why."""
    withheld, _refused = _withheld(as_of)
    query = (
        select(Student)
        .join(School, School.id == Student.school_id)
        .where(
            Student.active.is_(True),
            select(ConsentForm.id)
            .where(*_release_form(school_id, as_of), in_scope(ConsentForm.id), withheld)
            .correlate(Student)
            .exists(),
        )
        .options(contains_eager(Student.school))
        .order_by(School.name, Student.family_name, Student.given_name, Student.id)
    )
    if school_id is not None:
        query = query.where(Student.school_id == school_id)
    return query


def withheld_rows(school_id: int | None, as_of: date, student_ids=None) -> Select:
    """Rows `(student_id, student_name, district_identifier, school_name, grade, form_id,
    form_title, form_mode, closes_on, refused)`, one per student and form withholding their
    data as of `as_of`, in the list's order: for one page (`student_ids`), or every student,
    to stream as CSV in one statement."""
    withheld, refused = _withheld(as_of)
    query = (
        select(
            Student.id.label("student_id"),
            Student.given_name,
            Student.family_name,
            Student.district_identifier,
            School.name.label("school_name"),
            Student.grade,
            ConsentForm.id.label("form_id"),
            ConsentForm.title.label("form_title"),
            ConsentForm.mode.label("form_mode"),
            ConsentForm.closes_on,
            refused.label("refused"),
        )
        .select_from(Student)
        .join(School, School.id == Student.school_id)
        .join(ConsentForm, and_(*_release_form(school_id, as_of), in_scope(ConsentForm.id)))
        .where(Student.active.is_(True), withheld)
        .order_by(
            School.name,
            Student.family_name,
            Student.given_name,
            Student.id,
            ConsentForm.kind,
            ConsentForm.title,
            ConsentForm.id,
        )
    )
    if school_id is not None:
        query = query.where(Student.school_id == school_id)
    if student_ids is not None:
        query = query.where(Student.id.in_(list(student_ids)))
    return query


def rights_holders_by_student(student_ids) -> dict[int, list[Guardian]]:
    """For one page of students: each one's guardians holding FERPA rights (one statement)."""
    if not student_ids:
        return {}
    rows = db.session.execute(
        select(GuardianLink.student_id, Guardian)
        .join(Guardian, Guardian.id == GuardianLink.guardian_id)
        .where(GuardianLink.student_id.in_(student_ids), deciding_link())
        .order_by(GuardianLink.id)
    )
    found: dict[int, list[Guardian]] = {sid: [] for sid in student_ids}
    for student_id, guardian in rows:
        found[student_id].append(guardian)
    return found


def tool_consent_withheld(tool_id: int, as_of: date) -> tuple[object, object]:
    """SQL conditions on `Student` for one tool's consent as of the end of `as_of`: (withheld,
    refused). Withheld: on a published consent form for the tool, of that school year, open by
    then and for the student, a refusal is in force, or nobody answered an opt-in form (the rule
    of `staff_answers` and the do-not-release list, not a second one). Refused: a no is in force.
    """
    withheld, refused = _withheld(as_of)
    form = and_(
        ConsentForm.tool_id == tool_id,
        ConsentForm.kind == FormKind.TOOL_CONSENT,
        ConsentForm.status == FormStatus.PUBLISHED,
        ConsentForm.school_year == school_year_of(as_of),
        ConsentForm.opens_on <= as_of,
        in_scope(ConsentForm.id),
    )
    return (
        select(ConsentForm.id).where(form, withheld).correlate(Student).exists(),
        select(ConsentForm.id).where(form, refused).correlate(Student).exists(),
    )
