from flask import Blueprint, current_app, render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import defaultload, lazyload

from consent.access import student_or_404, visible_sections, visible_students
from consent.accounts.models import Role
from consent.catalog.models import Tool
from consent.catalog.queries import current_sections_by_student, tools_by_student
from consent.core.gates import STAFF, roles_required
from consent.extensions import db
from consent.optouts.models import OptOut
from consent.roster.models import Section, Student
from consent.roster.queries import open_request_counts
from consent.schoolcalendar.operations import district_today

bp = Blueprint("roster", __name__)


@bp.get("/children")
@roles_required(Role.GUARDIAN)
def children():
    """A guardian's start page: each child with their tools and open requests."""
    today = district_today()
    students = list(
        db.session.scalars(
            visible_students(current_user).order_by(Student.given_name, Student.id)
        ).unique()
    )
    ids = [s.id for s in students]
    tools = tools_by_student(students, current_sections_by_student(ids, today), today)
    return render_template(
        "roster/children.html",
        students=students,
        tools=tools,
        open_counts=open_request_counts(ids),
    )


@bp.get("/students/<int:student_id>")
@roles_required(Role.GUARDIAN, *STAFF)
def student(student_id: int):
    """A child's page: every tool the child uses, what it collects, and the requests filed."""
    student = student_or_404(current_user, student_id)
    today = district_today()
    sections = current_sections_by_student([student.id], today).get(student.id, [])
    tools = tools_by_student([student], {student.id: sections}, today)[student.id]
    optouts = list(
        db.session.scalars(
            select(OptOut)
            .where(OptOut.student_id == student.id)
            .order_by(OptOut.filed_at.desc())
            # The list shows each request's tool and part of it, not its tasks.
            .options(
                lazyload(OptOut.tasks),
                defaultload(OptOut.tool).lazyload(Tool.data_categories),
                defaultload(OptOut.tool).lazyload(Tool.optout_options),
            )
        ).unique()
    )
    page = render_template(
        "roster/student.html",
        student=student,
        sections=sections,
        tools=tools,
        optouts=optouts,
        today=today,
    )
    # Commit the audit row after rendering: a commit expires the loaded rows, which the
    # template would then reload one query at a time.
    db.session.commit()
    return page


@bp.get("/sections")
@roles_required(*STAFF)
def sections():
    page = db.paginate(
        visible_sections(current_user).order_by(Section.title, Section.id),
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template("roster/sections.html", page=page)
