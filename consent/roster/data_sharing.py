"""'Who has my child's data' (in the spirit of FERPA 99.32): the companies that received the
child's data, which kinds, on what basis and since when, and which staff looked at the record.

The companies come from the tool uses that reached the child over time (district-wide, at a
school the child attended, in a section the child was enrolled in, while both ran) and from the
catalog. The staff come from the audit log's reads of this student."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import Blueprint, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import defaultload

from consent.access import data_sharing_student_or_404, may_see_data_sharing
from consent.accounts.models import Role
from consent.audit.queries import staff_views_page
from consent.catalog.models import Tool, ToolUse, UseScope
from consent.catalog.reach import reach
from consent.core import clock
from consent.core.urls import bounded_int
from consent.extensions import db
from consent.records.queries import disclosures_family_sees
from consent.roster.models import Enrollment, Section, Student
from consent.texts.lookup import preload

bp = Blueprint("data_sharing", __name__)

ROLE_LABELS = {
    Role.TEACHER.value: _l("Teacher"),
    Role.PRINCIPAL.value: _l("Principal"),
    Role.PRIVACY_OFFICER.value: _l("District privacy office"),
}
# What a staff read looked at, by the audit action's first word, in a parent's words.
VIEWED = {
    "student": _l("Your child's page"),
    "optout": _l("Your opt-out requests"),
    "task": _l("A teacher's task for your request"),
    "section": _l("A class list of opt-outs"),
    "audit": _l("The district's record of who viewed your child's data"),
}


@bp.app_template_global()
def data_sharing_allowed(student_id: int) -> bool:
    """The child page links here only for the guardians who may open it."""
    return may_see_data_sharing(current_user, student_id)


def viewed_what(action: str) -> str:
    return VIEWED.get(action.split(".", 1)[0], _l("Your child's record"))


@dataclass
class Period:
    """Dates a tool reached the child; `until` None means it still does."""

    since: date
    until: date | None


@dataclass
class Disclosure:
    """One company's tool and what it received about the child."""

    tool: Tool
    periods: list[Period] = field(default_factory=list)
    district: bool = False
    school: bool = False
    sections: list[str] = field(default_factory=list)

    @property
    def since(self) -> date:
        return min(p.since for p in self.periods)

    @property
    def current(self) -> bool:
        return any(p.until is None for p in self.periods)

    @property
    def until(self) -> date | None:
        return None if self.current else max(p.until for p in self.periods)


def _overlap(a_start, a_end, b_start, b_end) -> Period | None:
    start = max(a_start, b_start)
    ends = [d for d in (a_end, b_end) if d is not None]
    end = min(ends) if ends else None
    if end is not None and end < start:
        return None
    return Period(start, end)


def disclosures_for(student: Student, today: date) -> list[Disclosure]:
    """Every tool that reached the child up to today, from two queries (plus the catalog's).

    Not `consent.catalog.reach` over past days, deliberately: reach knows only the child's
    school today, and this page answers who had the data at any time. The roster keeps no
    school history, so a class at a school is taken as the child having attended it then, and
    that school's school-wide tools are listed for those days: a family is told of a tool that
    may have had the data rather than left unaware of one that did. Today's answer is then
    made to agree with reach (`_agree_with_reach_today`)."""
    enrollments = db.session.execute(
        select(
            Enrollment.section_id,
            Enrollment.begin_date,
            Enrollment.end_date,
            Section.school_id,
            Section.title,
        )
        .join(Section, Section.id == Enrollment.section_id)
        .where(Enrollment.student_id == student.id, Enrollment.begin_date <= today)
    ).all()
    school_ids = {student.school_id} | {e.school_id for e in enrollments}
    section_ids = {e.section_id for e in enrollments}
    uses = (
        db.session.scalars(
            select(ToolUse)
            .where(
                ToolUse.starts_on <= today,
                or_(
                    ToolUse.scope == UseScope.DISTRICT,
                    and_(ToolUse.scope == UseScope.SCHOOL, ToolUse.school_id.in_(school_ids)),
                    and_(ToolUse.scope == UseScope.SECTION, ToolUse.section_id.in_(section_ids)),
                ),
            )
            .order_by(ToolUse.id)
            # The page shows what each tool collects, not its features or opt-out choices.
            .options(
                defaultload(ToolUse.tool).lazyload(Tool.features),
                defaultload(ToolUse.tool).lazyload(Tool.optout_options),
            )
        )
        .unique()
        .all()
    )
    first_day = min((e.begin_date for e in enrollments), default=None)
    by_tool: dict[int, Disclosure] = {}
    for use in uses:
        found: list[Period] = []
        if use.scope is UseScope.DISTRICT:
            period = _overlap(use.starts_on, use.ends_on, first_day or use.starts_on, None)
            found = [period] if period else []
        elif use.scope is UseScope.SCHOOL:
            at_school = [e for e in enrollments if e.school_id == use.school_id]
            found = [
                p
                for e in at_school
                if (p := _overlap(use.starts_on, use.ends_on, e.begin_date, e.end_date))
            ]
            if not at_school and use.school_id == student.school_id:
                found = [Period(use.starts_on, use.ends_on)]
        else:
            found = [
                p
                for e in enrollments
                if e.section_id == use.section_id
                and (p := _overlap(use.starts_on, use.ends_on, e.begin_date, e.end_date))
            ]
        # A use that ends after today still reaches the child today.
        found = [
            Period(p.since, p.until if p.until is None or p.until < today else None)
            for p in found
            if p.since <= today
        ]
        if not found:
            continue
        entry = by_tool.setdefault(use.tool_id, Disclosure(tool=use.tool))
        entry.periods.extend(found)
        if use.scope is UseScope.DISTRICT:
            entry.district = True
        elif use.scope is UseScope.SCHOOL:
            entry.school = True
        else:
            title = next(e.title for e in enrollments if e.section_id == use.section_id)
            if title not in entry.sections:
                entry.sections.append(title)
    _agree_with_reach_today(student, today, by_tool, uses)
    return sorted(by_tool.values(), key=lambda d: (d.tool.vendor.lower(), d.tool.name.lower()))


def _agree_with_reach_today(
    student: Student, today: date, by_tool: dict[int, Disclosure], uses: list[ToolUse]
) -> None:
    """Still in use means what the child's page means (`consent.catalog.reach`): a tool the
    history above shows as running on, but that no longer reaches the child (who left the
    district, say), ended yesterday; one that still reaches the child (at their own school
    between two terms) runs on from its last period, or from the use's start."""
    reaching = db.session.execute(reach(today, students=[student.id])).all()
    now = {row.tool_id for row in reaching}
    for row in reaching:
        if row.tool_id not in by_tool:
            use = next(u for u in uses if u.tool_id == row.tool_id and u.scope is row.scope)
            by_tool[row.tool_id] = Disclosure(
                tool=use.tool,
                periods=[Period(use.starts_on, None)],
                district=row.scope is UseScope.DISTRICT,
                school=row.scope is UseScope.SCHOOL,
            )
    for tool_id, entry in list(by_tool.items()):
        if tool_id in now and not entry.current:
            latest = max(entry.periods, key=lambda p: p.since)
            latest.until = None
        elif tool_id not in now and entry.current:
            yesterday = today - timedelta(days=1)
            entry.periods = [
                p if p.until is not None else Period(p.since, yesterday)
                for p in entry.periods
                if p.until is not None or p.since <= yesterday
            ]
            if not entry.periods:
                del by_tool[tool_id]


@bp.get("/students/<int:student_id>/data-sharing")
@login_required
def page(student_id: int):
    """For the child's guardians with FERPA rights only; staff have the audit log instead."""
    student = data_sharing_student_or_404(current_user, student_id)
    viewers = staff_views_page(
        student.id, request.args.get("page", 1, type=bounded_int), current_app.config["PAGE_SIZE"]
    )
    disclosures = disclosures_for(student, clock.today())
    preload([d.tool for d in disclosures])  # each tool's notes in the reader's language
    return render_template(
        "roster/data_sharing.html",
        student=student,
        disclosures=disclosures,
        recorded=disclosures_family_sees(student.id),
        viewers=viewers,
        show_names=current_app.config["SHOW_STAFF_NAMES_TO_GUARDIANS"],
        role_label=ROLE_LABELS,
        viewed_what=viewed_what,
    )
