"""The reports' tables, each one aggregate SELECT: the page shows its rows and the CSV export
streams the very same statement, so the two always agree.

A report covers a scope: the whole district, or one school (a principal's own, or the one the
privacy office picked). Requests count at the student's school, as on the request list.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    distinct,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)

from consent.catalog.models import AgreementStatus, ClassReach, Tool, ToolUse, UseScope
from consent.catalog.reach import use_is_current, used_at_school
from consent.consentforms.models import Answer, ConsentAnswer, ConsentForm, FormStatus
from consent.consentforms.scope import in_scope_listed as form_in_scope
from consent.core.i18n import language_name
from consent.core.templating import LABELS
from consent.extensions import db
from consent.optouts.models import ACTIVE_STATUSES, OPEN_STATUSES, OptOut, OptOutStatus
from consent.optouts.rules import overdue_condition
from consent.reports.sql import (
    day_number,
    district_date,
    percentile_cont_native,
    percentile_cont_portable,
    school_calendar,
)
from consent.roster.models import School, Student

#: Agreements listed when they expire within this many days.
AGREEMENT_WARNING_DAYS = 90
#: Time to confirmation covers requests confirmed within this many days before today.
TIMING_PERIOD_DAYS = 365
MEDIAN, P90 = (1, 2), (9, 10)


@dataclass(frozen=True)
class ReportScope:
    """What a report covers: one school, or the whole district when `school` is None."""

    school: School | None
    today: date
    form_id: int | None = None  # the consent form, for the coverage tables

    @property
    def school_id(self) -> int | None:
        return self.school.id if self.school else None

    def students(self) -> list:
        """Conditions on Student that keep a query inside the scope."""
        return [Student.school_id == self.school.id] if self.school else []

    @cached_property
    def form_students(self):
        """Conditions on Student: in the form's scope (its schools and grades, read once per
        scope) and inside this scope."""
        return and_(form_in_scope(self.form_id), *self.students())

    def optouts(self) -> list:
        """Conditions on OptOut that keep a query inside the scope, with no join to Student
        for the whole district."""
        if not self.school:
            return []
        return [OptOut.student_id.in_(select(Student.id).where(*self.students()))]


@dataclass(frozen=True)
class ReportTable:
    """One table of a report page, and of its CSV export."""

    name: str
    title: object
    headers: Sequence[object]
    statement: Callable[[ReportScope], Select]
    cells: Callable[[object], list[str]]
    #: Rows name students: the page view and every export are written to the audit log.
    names_students: bool = False
    needs_form: bool = False  # a consent-form table: the scope names the form
    numeric: Sequence[int] = ()  # columns right-aligned on the page


def rows_of(table: ReportTable, scope: ReportScope) -> list:
    return list(db.session.execute(table.statement(scope)))


def _count(value) -> str:
    return str(int(value or 0))


def _decimal(value) -> str:
    return "" if value is None else f"{float(value):.1f}"


def _district_day(moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(current_app.config["DISTRICT_TIMEZONE"])).date()


def _overdue_sum(today: date):
    return func.coalesce(func.sum(case((overdue_condition(today), 1), else_=0)), 0)


# --- open requests -------------------------------------------------------------------------


def open_by_status(scope: ReportScope) -> Select:
    """Every open status, with zeros, in workflow order."""
    statuses = union_all(
        *[
            select(
                cast(literal(status.value), String).label("status"),
                cast(literal(position), Integer).label("position"),
            )
            for position, status in enumerate(OPEN_STATUSES)
        ]
    ).cte("open_status")
    counts = (
        select(
            OptOut.status.label("status"),
            func.count(OptOut.id).label("open"),
            _overdue_sum(scope.today).label("overdue"),
        )
        .where(OptOut.status.in_(OPEN_STATUSES), *scope.optouts())
        .group_by(OptOut.status)
        .subquery("counts")
    )
    return (
        select(
            statuses.c.status,
            func.coalesce(counts.c.open, 0).label("open"),
            func.coalesce(counts.c.overdue, 0).label("overdue"),
        )
        .select_from(statuses)
        .outerjoin(counts, cast(counts.c.status, String) == statuses.c.status)
        .order_by(statuses.c.position)
    )


def _open_by(scope: ReportScope, name_column, group_columns, joins) -> Select:
    query = select(
        name_column.label("name"),
        func.count(OptOut.id).label("open"),
        _overdue_sum(scope.today).label("overdue"),
    ).select_from(OptOut)
    for target, onclause in joins:
        query = query.join(target, onclause)
    return (
        query.where(OptOut.status.in_(OPEN_STATUSES), *scope.optouts())
        .group_by(*group_columns)
        .order_by(func.count(OptOut.id).desc(), name_column)
    )


def open_by_school(scope: ReportScope) -> Select:
    return _open_by(
        scope,
        School.name,
        (School.id, School.name),
        [(Student, Student.id == OptOut.student_id), (School, School.id == Student.school_id)],
    )


def open_by_tool(scope: ReportScope) -> Select:
    return _open_by(scope, Tool.name, (Tool.id, Tool.name), [(Tool, Tool.id == OptOut.tool_id)])


# --- overdue requests (names students) ------------------------------------------------------


def _due_on():
    return case(
        (OptOut.status == OptOutStatus.PLANNED, OptOut.confirm_due_on), else_=OptOut.plan_due_on
    )


def overdue_requests(scope: ReportScope) -> Select:
    """Requests past their due date, longest overdue first."""
    return (
        select(
            OptOut.id.label("optout_id"),
            Student.id.label("student_id"),
            Student.given_name,
            Student.family_name,
            Student.district_identifier,
            School.name.label("school"),
            Tool.name.label("tool"),
            OptOut.status,
            OptOut.filed_at,
            _due_on().label("due_on"),
        )
        .join(Student, Student.id == OptOut.student_id)
        .join(School, School.id == Student.school_id)
        .join(Tool, Tool.id == OptOut.tool_id)
        .where(overdue_condition(scope.today), *scope.students())
        .order_by(_due_on(), OptOut.id)
    )


def overdue_count(scope: ReportScope) -> Select:
    return select(func.count(OptOut.id)).where(overdue_condition(scope.today), *scope.optouts())


# --- time from filing to confirmation --------------------------------------------------------


def time_to_confirmation(scope: ReportScope, *, native: bool | None = None) -> Select:
    """Median and 90th percentile of school days from filing to confirmation, per school,
    slowest first, for requests filed in the last 12 months and since confirmed.
    percentile_cont on PostgreSQL; the same interpolation with window functions elsewhere
    (SQLite has no percentile_cont)."""
    zone = current_app.config["DISTRICT_TIMEZONE"]
    first_day = scope.today - timedelta(days=TIMING_PERIOD_DAYS)
    since = datetime.combine(first_day, time(), ZoneInfo(zone))
    dialect = db.session.get_bind().dialect.name
    calendar = school_calendar(first_day, scope.today, dialect=dialect)
    filed_day, confirmed_day = calendar.alias("filed_day"), calendar.alias("confirmed_day")
    confirmed = (
        select(
            Student.school_id.label("school_id"),
            (confirmed_day.c.seq - filed_day.c.seq).label("value"),
        )
        .select_from(OptOut)
        .join(Student, Student.id == OptOut.student_id)
        .join(filed_day, filed_day.c.k == day_number(district_date(OptOut.filed_at, zone)))
        .join(
            confirmed_day,
            confirmed_day.c.k == day_number(district_date(OptOut.resolved_at, zone)),
        )
        .where(OptOut.resolved_at.is_not(None), OptOut.filed_at >= since, *scope.students())
        .cte("confirmed")
    )
    if native is None:
        native = dialect == "postgresql"
    if native:
        median = percentile_cont_native(confirmed.c.value, MEDIAN)
        p90 = percentile_cont_native(confirmed.c.value, P90)
        source = confirmed
    else:
        source = select(
            confirmed.c.school_id,
            confirmed.c.value,
            func.row_number()
            .over(partition_by=confirmed.c.school_id, order_by=confirmed.c.value)
            .label("rn"),
            func.count().over(partition_by=confirmed.c.school_id).label("n"),
        ).cte("ranked")
        median = percentile_cont_portable(source, MEDIAN)
        p90 = percentile_cont_portable(source, P90)
    return (
        select(
            School.name.label("name"),
            func.count().label("confirmed"),
            median.label("median"),
            p90.label("p90"),
        )
        .select_from(source)
        .join(School, School.id == source.c.school_id)
        .group_by(School.id, School.name)
        .order_by(literal_column("p90").desc(), School.name)
    )


# --- tools ------------------------------------------------------------------------------------


def optout_rate(scope: ReportScope) -> Select:
    """Per tool: students who use it today, students with an active opt-out of it, the rate.

    "Uses it" is `consent.catalog.reach`: every active student in scope for a district-wide
    use; the active students of a school with a school-wide use; the active students currently
    enrolled in a section that uses it (each counted once, and not again when their own school
    uses the tool school-wide). The opted out are those of them with a request in effect
    (submitted to confirmed)."""
    today = scope.today
    per_school = (
        select(Student.school_id, func.count(Student.id).label("n"))
        .where(Student.active.is_(True), *scope.students())
        .group_by(Student.school_id)
        .cte("students_per_school")
    )
    total = select(func.coalesce(func.sum(per_school.c.n), 0)).scalar_subquery()
    district_tools = select(ToolUse.tool_id).where(
        use_is_current(today), ToolUse.scope == UseScope.DISTRICT
    )
    school_uses = (
        select(ToolUse.tool_id, ToolUse.school_id)
        .where(
            use_is_current(today),
            ToolUse.scope == UseScope.SCHOOL,
            *([ToolUse.school_id == scope.school_id] if scope.school else []),
        )
        .distinct()
        .cte("school_uses")
    )
    school_users = (
        select(school_uses.c.tool_id, func.sum(per_school.c.n).label("n"))
        .join(per_school, per_school.c.school_id == school_uses.c.school_id)
        .group_by(school_uses.c.tool_id)
        .cte("school_users")
    )
    # Students a use in one of their classes reaches (`consent.catalog.reach`), counted once,
    # and not again when their own school uses the tool school-wide; and how many of them have
    # a request in effect, from the same rows. Read from `class_reach`, the section part of
    # `reach` stored with its dates (one index-only pass in tool and student order), rather
    # than joining every enrollment to the sections' uses and the students.
    in_class = (
        select(ClassReach.tool_id, ClassReach.student_id, ClassReach.school_id)
        .where(
            ClassReach.starts_on <= today,
            or_(ClassReach.ends_on.is_(None), ClassReach.ends_on >= today),
            *([ClassReach.school_id == scope.school_id] if scope.school else []),
        )
        .subquery("in_class")
    )
    school_wide = exists().where(
        school_uses.c.tool_id == in_class.c.tool_id,
        school_uses.c.school_id == in_class.c.school_id,
    )
    in_effect = (
        select(OptOut.student_id, OptOut.tool_id)
        .where(OptOut.status.in_(ACTIVE_STATUSES))
        .subquery("in_effect")
    )
    section_users = (
        select(
            in_class.c.tool_id,
            func.count(distinct(in_class.c.student_id)).label("n"),
            func.count(
                distinct(case((in_effect.c.student_id.is_not(None), in_class.c.student_id)))
            ).label("opted"),
        )
        .outerjoin(
            in_effect,
            and_(
                in_effect.c.student_id == in_class.c.student_id,
                in_effect.c.tool_id == in_class.c.tool_id,
            ),
        )
        .where(~school_wide)
        .group_by(in_class.c.tool_id)
        .cte("section_users")
    )
    # The opted out a district-wide use, or their own school's school-wide use, reaches. With
    # the section users above (none of whom their school reaches school-wide) these are the
    # students `consent.catalog.reach` gives, each once: the parts do not overlap.
    wide_tools = select(ToolUse.tool_id).where(
        use_is_current(today), ToolUse.scope.in_((UseScope.DISTRICT, UseScope.SCHOOL))
    )
    wide_opted = (
        select(OptOut.tool_id, func.count(distinct(OptOut.student_id)).label("n"))
        .join(Student, Student.id == OptOut.student_id)
        .where(
            OptOut.status.in_(ACTIVE_STATUSES),
            OptOut.tool_id.in_(wide_tools),
            Student.active.is_(True),
            *scope.students(),
            or_(
                OptOut.tool_id.in_(district_tools),
                exists().where(
                    school_uses.c.tool_id == OptOut.tool_id,
                    school_uses.c.school_id == Student.school_id,
                ),
            ),
        )
        .group_by(OptOut.tool_id)
        .cte("wide_opted")
    )
    users = case(
        (Tool.id.in_(district_tools), total),
        else_=func.coalesce(school_users.c.n, 0) + func.coalesce(section_users.c.n, 0),
    )
    opted_out = case(
        (Tool.id.in_(district_tools), func.coalesce(wide_opted.c.n, 0)),
        else_=func.coalesce(wide_opted.c.n, 0) + func.coalesce(section_users.c.opted, 0),
    )
    rate = func.round(literal_column("100.0") * opted_out / func.nullif(users, 0), 1)
    return (
        select(
            Tool.name.label("name"),
            users.label("users"),
            opted_out.label("opted_out"),
            rate.label("rate"),
        )
        .select_from(Tool)
        .outerjoin(school_users, school_users.c.tool_id == Tool.id)
        .outerjoin(section_users, section_users.c.tool_id == Tool.id)
        .outerjoin(wide_opted, wide_opted.c.tool_id == Tool.id)
        .where(users > 0)
        .order_by(rate.desc(), Tool.name)
    )


def expiring_agreements(scope: ReportScope) -> Select:
    """Signed agreements that end within 90 days; for one school, only tools in use there."""
    today = scope.today
    query = select(
        Tool.name.label("name"),
        Tool.vendor,
        Tool.agreement_expires_on.label("expires_on"),
    ).where(
        Tool.agreement_status == AgreementStatus.SIGNED,
        Tool.agreement_expires_on >= today,
        Tool.agreement_expires_on <= today + timedelta(days=AGREEMENT_WARNING_DAYS),
    )
    if scope.school:
        query = query.where(
            exists().where(
                ToolUse.tool_id == Tool.id,
                used_at_school(today, school_id=scope.school.id),
            )
        )
    return query.order_by(Tool.agreement_expires_on, Tool.name)


# --- consent forms -----------------------------------------------------------------------------


def _coverage_counts(answer_id, answer):
    answered = func.count(answer_id)
    in_scope = func.count(Student.id)
    return (
        in_scope.label("in_scope"),
        answered.label("answered"),
        func.round(literal_column("100.0") * answered / func.nullif(in_scope, 0), 1).label(
            "coverage"
        ),
        func.count(case((answer == Answer.GRANTED, 1))).label("granted"),
        func.count(case((answer == Answer.REFUSED, 1))).label("refused"),
    )


def _students_of_form(scope: ReportScope):
    """Students the form is for (its schools and grades, active only), inside the scope."""
    return scope.form_students


def coverage_by_school(scope: ReportScope) -> Select:
    """Per school: students the form is for, how many answered (any answer), granted, refused;
    the lowest coverage first, where the follow-up is needed."""
    coverage = literal_column("coverage")
    return (
        select(
            School.name.label("name"),
            *_coverage_counts(ConsentAnswer.id, ConsentAnswer.answer),
        )
        .select_from(Student)
        .join(School, School.id == Student.school_id)
        .outerjoin(
            ConsentAnswer,
            and_(ConsentAnswer.student_id == Student.id, ConsentAnswer.form_id == scope.form_id),
        )
        .where(_students_of_form(scope))
        .group_by(School.id, School.name)
        .order_by(coverage, School.name)
    )


def coverage_by_language(scope: ReportScope) -> Select:
    """The coverage counts per home language: the language kept on each student
    (consent.roster.home_language keeps it equal to consent.consentforms.queries.home_language),
    so one pass over the form's students, like coverage by school."""
    language = func.coalesce(Student.home_language, "").label("language")
    students = (
        select(
            Student.id.label("student_id"),
            language,
            ConsentAnswer.id.label("answer_id"),
            ConsentAnswer.answer.label("answer"),
        )  # fmt: skip
        .select_from(Student)
        .outerjoin(
            ConsentAnswer,
            and_(ConsentAnswer.student_id == Student.id, ConsentAnswer.form_id == scope.form_id),
        )
        .where(_students_of_form(scope))
        .subquery("form_students")
    )
    answered = func.count(students.c.answer_id)
    in_scope = func.count(students.c.student_id)
    return (
        select(
            students.c.language,
            in_scope.label("in_scope"),
            answered.label("answered"),
            func.round(literal_column("100.0") * answered / func.nullif(in_scope, 0), 1).label(
                "coverage"
            ),
            func.count(case((students.c.answer == Answer.GRANTED.value, 1))).label("granted"),
            func.count(case((students.c.answer == Answer.REFUSED.value, 1))).label("refused"),
        )
        .group_by(students.c.language)
        .order_by(literal_column("coverage"), students.c.language)
    )


def _no_answer(scope: ReportScope):
    return ~exists().where(
        ConsentAnswer.form_id == scope.form_id, ConsentAnswer.student_id == Student.id
    )


def non_responders(scope: ReportScope) -> Select:
    """Students the form is for whose guardians have not answered, by school and name, with
    the home language kept on each student."""
    return (
        select(
            Student.id.label("student_id"),
            Student.given_name,
            Student.family_name,
            Student.district_identifier,
            Student.grade,
            School.name.label("school"),
            func.coalesce(Student.home_language, "").label("language"),
        )
        .join(School, School.id == Student.school_id)
        .where(_students_of_form(scope), _no_answer(scope))
        .order_by(School.name, Student.family_name, Student.given_name, Student.id)
    )


def non_responder_count(scope: ReportScope) -> Select:
    return select(func.count(Student.id)).where(_students_of_form(scope), _no_answer(scope))


def non_responders_in(by_school: list) -> int:
    """How many students have no answer, from the rows of `coverage_by_school`: in scope less
    answered in each school (a student answers a form at most once), the same number
    `non_responder_count` counts (a test compares them)."""
    return sum(int(row.in_scope or 0) - int(row.answered or 0) for row in by_school)


def published_forms() -> Select:
    return (
        select(ConsentForm.id, ConsentForm.title, ConsentForm.school_year)
        .where(ConsentForm.status == FormStatus.PUBLISHED)
        .order_by(ConsentForm.opens_on.desc(), ConsentForm.id.desc())
    )


# --- the tables -------------------------------------------------------------------------------


def status_label(value: str) -> str:
    return str(LABELS[OptOutStatus][OptOutStatus(value)])


_SCHOOL, _TOOL, _OPEN, _OVERDUE = _l("School"), _l("Tool"), _l("Open"), _l("Overdue")


def _COVERAGE_HEADERS(first):  # noqa: N802 - a constant with its first column
    return (
        first,
        _l("Students"),
        _l("Answered"),
        _l("Answered (%)"),
        _l("Gave consent"),
        _l("Refused"),
    )


def _coverage_cells(r) -> list[str]:
    return [
        _count(r.in_scope),
        _count(r.answered),
        _decimal(r.coverage),
        _count(r.granted),
        _count(r.refused),
    ]


TABLES: dict[str, ReportTable] = {
    table.name: table
    for table in (
        ReportTable(
            name="open-by-status",
            title=_l("Open requests by status"),
            headers=(_l("Status"), _OPEN, _OVERDUE),
            statement=open_by_status,
            cells=lambda r: [status_label(r.status), _count(r.open), _count(r.overdue)],
            numeric=(1, 2),
        ),
        ReportTable(
            name="open-by-school",
            title=_l("Open requests by school"),
            headers=(_SCHOOL, _OPEN, _OVERDUE),
            statement=open_by_school,
            cells=lambda r: [r.name, _count(r.open), _count(r.overdue)],
            numeric=(1, 2),
        ),
        ReportTable(
            name="open-by-tool",
            title=_l("Open requests by tool"),
            headers=(_TOOL, _OPEN, _OVERDUE),
            statement=open_by_tool,
            cells=lambda r: [r.name, _count(r.open), _count(r.overdue)],
            numeric=(1, 2),
        ),
        ReportTable(
            name="time-to-confirmation",
            title=_l("School days from filing to confirmation"),
            headers=(
                _SCHOOL,
                _l("Confirmed"),
                _l("Median (school days)"),
                _l("90th percentile (school days)"),
            ),
            statement=time_to_confirmation,
            cells=lambda r: [r.name, _count(r.confirmed), _decimal(r.median), _decimal(r.p90)],
            numeric=(1, 2, 3),
        ),
        ReportTable(
            name="overdue",
            title=_l("Overdue requests"),
            headers=(
                _l("Student"),
                _l("District ID"),
                _SCHOOL,
                _TOOL,
                _l("Status"),
                _l("Filed"),
                _l("Was due"),
            ),
            statement=overdue_requests,
            cells=lambda r: [
                f"{r.given_name} {r.family_name}",
                r.district_identifier,
                r.school,
                r.tool,
                status_label(r.status),
                _district_day(r.filed_at),
                r.due_on,
            ],
            names_students=True,
        ),
        ReportTable(
            name="optout-rate",
            title=_l("Opt-out rate by tool"),
            headers=(_TOOL, _l("Students using it"), _l("Opted out"), _l("Opt-out rate (%)")),
            statement=optout_rate,
            cells=lambda r: [r.name, _count(r.users), _count(r.opted_out), _decimal(r.rate)],
            numeric=(1, 2, 3),
        ),
        ReportTable(
            name="coverage-by-school",
            title=_l("Answers by school"),
            headers=_COVERAGE_HEADERS(_SCHOOL),
            statement=coverage_by_school,
            cells=lambda r: [r.name, *_coverage_cells(r)],
            numeric=(1, 2, 3, 4, 5),
            needs_form=True,
        ),
        ReportTable(
            name="coverage-by-language",
            title=_l("Answers by home language"),
            headers=_COVERAGE_HEADERS(_l("Home language")),
            statement=coverage_by_language,
            cells=lambda r: [language_name(r.language), *_coverage_cells(r)],
            numeric=(1, 2, 3, 4, 5),
            needs_form=True,
        ),
        ReportTable(
            name="non-responders",
            title=_l("Students with no answer yet"),
            headers=(
                _l("Student"),
                _l("District ID"),
                _SCHOOL,
                _l("Grade"),
                _l("Home language"),
            ),
            statement=non_responders,
            cells=lambda r: [
                f"{r.given_name} {r.family_name}",
                r.district_identifier,
                r.school,
                r.grade,
                language_name(r.language),
            ],
            names_students=True,
            needs_form=True,
        ),
        ReportTable(
            name="expiring-agreements",
            title=_l("Data agreements ending within 90 days"),
            headers=(_TOOL, _l("Vendor"), _l("Agreement ends")),
            statement=expiring_agreements,
            cells=lambda r: [r.name, r.vendor, r.expires_on],
        ),
    )
}
