from pathlib import Path

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import defaultload, lazyload

from consent.access import (
    allowed_or_404,
    can_file_for,
    deciding_guardians,
    files_for_self,
    may_import_roster,
    may_see_release_answers,
    roster_import_or_404,
    student_or_404,
    visible_sections,
    visible_students,
)
from consent.accounts.models import Role
from consent.catalog.models import Tool
from consent.catalog.queries import current_sections_by_student, tool_counts, tools_by_student
from consent.consentforms.queries import staff_answers
from consent.core import clock
from consent.core.gates import STAFF, roles_required
from consent.core.transaction import run
from consent.core.urls import bounded_int
from consent.extensions import db
from consent.optouts.models import OptOut
from consent.roster.forms import RetryImportForm, RosterUploadForm
from consent.roster.jobs import (
    IMPORT_STEPS,
    discard_upload,
    may_retry,
    queue_import,
    retry_import,
    state,
    store_upload,
)
from consent.roster.models import RosterImport, Section, Student
from consent.roster.queries import open_request_counts
from consent.texts.lookup import preload

bp = Blueprint("roster", __name__)


@bp.get("/children")
@roles_required(Role.GUARDIAN)
def children():
    """A guardian's start page: each child with their tools and open requests."""
    today = clock.today()
    students = list(
        db.session.scalars(
            visible_students(current_user).order_by(Student.given_name, Student.id)
        ).unique()
    )
    ids = [s.id for s in students]
    return render_template(
        "roster/children.html",
        # An eligible student (99.5) signs in to the same pages, for themselves.
        own_records=current_user.guardian.student_id is not None,
        students=students,
        tool_counts=tool_counts(ids, today),
        open_counts=open_request_counts(ids),
    )


@bp.get("/students/<int:student_id>")
@roles_required(Role.GUARDIAN, *STAFF)
def student(student_id: int):
    """A child's page: every tool the child uses, what it collects, and the requests filed."""
    student = student_or_404(current_user, student_id)
    today = clock.today()
    sections = current_sections_by_student([student.id], today).get(student.id, [])
    # The page shows what each tool collects, not the ways to opt out (the request form does).
    tools = tools_by_student([student], {student.id: sections}, today, without=("optout_options",))[
        student.id
    ]
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
                # Each request's tool is one of the child's tools, loaded above with its features.
                defaultload(OptOut.tool).lazyload(Tool.features),
            )
        ).unique()
    )
    # Every tool text on the page in the reader's language, in one query.
    preload([entry.tool for entry in tools] + [o.tool for o in optouts])
    # A relative sees the child's tools but decides nothing: the page names who can.
    may_decide = can_file_for(current_user, student.id)
    is_relative = files_for_self(current_user) and not may_decide
    return render_template(
        "roster/student.html",
        student=student,
        sections=sections,
        tools=tools,
        optouts=optouts,
        today=today,
        may_decide=may_decide,
        deciders=deciding_guardians(student.id) if is_relative else [],
        is_relative=is_relative,
        releases=staff_answers([student.id], today)[student.id]
        if may_see_release_answers(current_user)
        else [],
    )


@bp.get("/sections")
@roles_required(*STAFF)
def sections():
    page = db.paginate(
        visible_sections(current_user).order_by(Section.title, Section.id),
        page=request.args.get("page", 1, type=bounded_int),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template("roster/sections.html", page=page)


@bp.route("/roster/imports", methods=["GET", "POST"])
@roles_required(*STAFF)
def imports():
    """Upload the SIS export; the roster worker imports it while the import's page shows
    progress (roster/jobs.py)."""
    allowed_or_404(current_user, may_import_roster, target="roster:imports")
    form = RosterUploadForm()
    if form.validate_on_submit():
        upload = store_upload(form.archive.data)
        queued = run(
            queue_import,
            source_name=Path(form.archive.data.filename or "roster.zip").name,
            dry_run=form.dry_run.data,
            upload=upload,
        )
        if queued:
            return redirect(url_for("roster.import_detail", import_id=queued.value))
        discard_upload(upload)
    page = db.paginate(
        select(RosterImport).order_by(RosterImport.id.desc()),
        page=request.args.get("page", 1, type=bounded_int),
        per_page=10,
        error_out=False,
    )
    return render_template("roster/imports.html", form=form, page=page, state=state)


@bp.get("/roster/imports/<int:import_id>")
@roles_required(*STAFF)
def import_detail(import_id: int):
    import_run = roster_import_or_404(current_user, import_id)
    return render_template(
        "roster/import.html",
        run=import_run,
        state=state(import_run),
        steps=IMPORT_STEPS,
        problems=import_run.problems.splitlines() if import_run.problems else [],
        retry_form=RetryImportForm() if may_retry(import_run) else None,
        words=_progress_words(import_run, state(import_run)),
    )


def _progress_words(import_run, current: str) -> str:
    if current == "queued":
        return _("Queued: waiting for the roster worker to start it.")
    if current == "running":
        return _(
            "Importing. Step: %(step)s. Rows read: %(rows)s.",
            step=import_run.step or "reading",
            rows=f"{import_run.rows_read:,}",
        )
    return ""


@bp.get("/roster/imports/<int:import_id>/progress")
@roles_required(*STAFF)
def import_progress(import_id: int):
    """The import's progress as the page's script polls it, from the database, so any web
    process answers the same."""
    import_run = roster_import_or_404(current_user, import_id)
    current = state(import_run)
    step = import_run.step
    return jsonify(
        state=current,
        done=current not in ("queued", "running"),
        step=step,
        step_number=IMPORT_STEPS.index(step) if step in IMPORT_STEPS else 0,
        steps=len(IMPORT_STEPS),
        rows_read=import_run.rows_read,
        words=_progress_words(import_run, current),
    )


@bp.post("/roster/imports/<int:import_id>/retry")
@roles_required(*STAFF)
def retry(import_id: int):
    """Queue a failed or interrupted import again, from the upload it kept."""
    import_run = roster_import_or_404(current_user, import_id)
    form = RetryImportForm()
    if form.validate_on_submit() and run(retry_import, run=import_run):
        flash(_("The import is queued again."), "success")
    return redirect(url_for("roster.import_detail", import_id=import_run.id))
