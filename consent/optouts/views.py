"""Opt-out pages for every role. Each view: gate, load through consent.access, validate, one
operation, one commit, redirect with a message."""

from collections import defaultdict

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from wtforms import SelectChoice

from consent.access import (
    allowed_or_404,
    can_file_for,
    deciding_guardians,
    deciding_students,
    deny,
    may_close_requests_of_retired_tool,
    may_decide_requests,
    optout_or_404,
    optouts_or_404,
    recording_student_or_404,
    section_or_404,
    sees_every_school,
    student_or_404,
    task_or_404,
    tool_or_404,
    visible_students,
)
from consent.accounts.forms import EmptyForm
from consent.accounts.models import Account, Role
from consent.audit.operations import record_many
from consent.catalog.models import Tool, VettingStatus
from consent.catalog.queries import current_sections, tools_for_student, where_tool_reaches
from consent.consentforms.queries import (
    answers_by_form,
    consent_tools_without_form,
    staff_answers,
)
from consent.core import clock
from consent.core.gates import SCHOOL_LEADS, STAFF, roles_required
from consent.core.templating import LABELS
from consent.core.transaction import run
from consent.core.urls import bounded_int
from consent.extensions import db
from consent.notifications.operations import absolute_url
from consent.optouts import operations
from consent.optouts.forms import (
    CloseForm,
    CloseToolRequestsForm,
    ConfirmManyForm,
    OptOutForm,
    PlanForm,
    RecordOptOutForm,
    RequestFilterForm,
    ReturnForm,
    long_choices,
)
from consent.optouts.models import ACTIVE_STATUSES, Channel, OptOutStatus, TaskStatus
from consent.optouts.queries import (
    active_counts_of_tool,
    request_list,
    return_notes,
    routed_to,
    section_optouts,
    section_students,
    teacher_tasks,
)
from consent.optouts.rules import is_overdue
from consent.receipts.queries import optout_receipt
from consent.roster.models import Guardian, School, Student
from consent.texts.lookup import preload

bp = Blueprint("optouts", __name__)


# --- guardians: file, read, withdraw -------------------------------------------------------


@bp.get("/optouts/new")
@roles_required(Role.GUARDIAN)
def choose_child():
    """Only the children this guardian may file for; a relative is told who can decide."""
    students = list(
        db.session.scalars(deciding_students(current_user).order_by(Student.given_name)).unique()
    )
    deciding = {s.id for s in students}
    others = [
        s
        for s in db.session.scalars(
            visible_students(current_user).order_by(Student.given_name)
        ).unique()
        if s.id not in deciding
    ]
    return render_template("optouts/choose_child.html", students=students, others=others)


@bp.route("/students/<int:student_id>/optouts/new", methods=["GET", "POST"])
@roles_required(Role.GUARDIAN)
def new(student_id: int):
    """Pick a tool, fill in the request, review exactly what will be sent, then send it."""
    student = student_or_404(current_user, student_id)
    if not can_file_for(current_user, student.id):
        deny(current_user, f"student:{student.id}:file", student.id)
    today = clock.today()
    tools = tools_for_student(student, current_sections(student.id, today), today)
    tool_id = request.args.get("tool", type=bounded_int)
    if tool_id is None:
        preload([entry.tool for entry in tools])
        return render_template("optouts/choose_tool.html", student=student, tools=tools)
    tool = next((entry.tool for entry in tools if entry.tool.id == tool_id), None)
    if tool is None:
        deny(current_user, f"tool:{tool_id}", student.id)

    preload([tool])
    form = OptOutForm().for_tool(tool)
    if form.validate_on_submit() and not form.edit.data:
        if form.send.data:
            filed = run(
                operations.file_optout,
                show_on=form.accommodation,
                student=student,
                tool=tool,
                feature=form.feature.data,
                accommodation=form.accommodation.data,
                reason=form.reason.data or "",
            )
            if filed:
                if filed.value.joined:
                    flash(_("A request like this was already open. Yours has joined it."), "info")
                return redirect(url_for("optouts.receipt", optout_id=filed.value.optout.id))
        else:
            return render_template("optouts/review.html", student=student, tool=tool, form=form)
    return render_template("optouts/new.html", student=student, tool=tool, form=form)


@bp.get("/requests/<int:optout_id>/receipt")
@roles_required(Role.GUARDIAN)
def receipt(optout_id: int):
    """What was sent, to whom, and the verification code of this guardian's receipt."""
    optout = optout_or_404(current_user, optout_id)
    return render_template(
        "optouts/receipt.html",
        optout=optout,
        receipt=optout_receipt(optout.id, current_user.guardian_id),
        routed=routed_to(optout),
    )


@bp.get("/requests/<int:optout_id>")
@roles_required(Role.GUARDIAN, *STAFF)
def detail(optout_id: int):
    """Status, due dates, the plan and the full timeline, with the actions this person has."""
    optout = optout_or_404(current_user, optout_id)
    today = clock.today()
    events = list(optout.events)
    my_task = next((t for t in optout.tasks if t.teacher_id == current_user.staff_id), None)
    may_withdraw = optout.status in ACTIVE_STATUSES and can_file_for(
        current_user, optout.student_id
    )
    return render_template(
        "optouts/detail.html",
        optout=optout,
        events=events,
        my_task=my_task,
        teacher_may_act=bool(my_task) and operations.awaits_teacher(optout, my_task),
        may_withdraw=may_withdraw,
        is_lead=may_decide_requests(current_user),
        overdue=is_overdue(optout, today),
        used=where_tool_reaches(optout.student_id, optout.tool_id, today),
        action_form=EmptyForm(),
        TaskStatus=TaskStatus,
        OptOutStatus=OptOutStatus,
    )


@bp.route("/requests/<int:optout_id>/withdraw", methods=["GET", "POST"])
@roles_required(Role.GUARDIAN)
def withdraw(optout_id: int):
    optout = optout_or_404(current_user, optout_id)
    if not can_file_for(current_user, optout.student_id):
        deny(current_user, f"optout:{optout.id}:withdraw", optout.student_id)
    form = EmptyForm()
    if form.validate_on_submit():
        _unchanged_since_shown(optout)
        withdrawn = run(operations.withdraw, optout=optout)
        if withdrawn:
            if withdrawn.value:
                flash(_("Your request is withdrawn. The teachers have been told."), "success")
            else:
                flash(
                    _(
                        "Another parent or guardian asked for this opt-out too, so it stays in "
                        "place. You have both been told."
                    ),
                    "info",
                )
        return redirect(url_for("optouts.detail", optout_id=optout.id))
    return render_template("optouts/withdraw.html", optout=optout, form=form)


# --- teachers: tasks, plans, sections ------------------------------------------------------


@bp.get("/tasks")
@roles_required(Role.TEACHER)
def tasks():
    today = clock.today()
    page = db.paginate(
        teacher_tasks(current_user, today=today),
        page=request.args.get("page", 1, type=bounded_int),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    items = list(page.items)
    _audit_list(items and [t.optout.student_id for t in items], "task.list")
    return render_template(
        "optouts/tasks.html",
        page=page,
        items=items,
        today=today,
        is_overdue=is_overdue,
        return_notes=return_notes(items),
    )


@bp.get("/tasks/<int:task_id>")
@roles_required(Role.TEACHER)
def task(task_id: int):
    task = task_or_404(current_user, task_id)
    return redirect(url_for("optouts.detail", optout_id=task.optout_id, _anchor=f"task-{task.id}"))


@bp.post("/tasks/<int:task_id>/acknowledge")
@roles_required(Role.TEACHER)
def acknowledge(task_id: int):
    task = task_or_404(current_user, task_id, action=None)
    if EmptyForm().validate_on_submit() and run(operations.acknowledge_task, task=task):
        flash(_("Acknowledged. The family has been told work started."), "success")
    return redirect(url_for("optouts.detail", optout_id=task.optout_id))


@bp.route("/tasks/<int:task_id>/plan", methods=["GET", "POST"])
@roles_required(Role.TEACHER)
def plan(task_id: int):
    task = task_or_404(current_user, task_id, action=_read_action("task.view"))
    form = PlanForm().for_request(task.optout)
    if request.method == "GET" and task.plan_option:
        form.option.data = task.plan_option
        form.note.data = task.plan_note
    if form.validate_on_submit() and run(
        operations.record_plan,
        show_on=form.option,
        task=task,
        option=form.option.data,
        note=form.note.data or "",
    ):
        flash(_("Plan saved."), "success")
        return redirect(url_for("optouts.detail", optout_id=task.optout_id))
    return render_template("optouts/plan.html", task=task, optout=task.optout, form=form)


@bp.get("/sections/<int:section_id>")
@roles_required(*STAFF)
def section(section_id: int):
    """The list a teacher checks before a live lesson: who opted out of what, by tool."""
    section = section_or_404(current_user, section_id)
    today = clock.today()
    optouts = section_optouts(section, today=today)
    by_tool = defaultdict(list)
    for optout in optouts:
        by_tool[optout.tool].append(optout)
    _audit_list([o.student_id for o in optouts], "section.optouts.view", f"section:{section.id}")
    groups = sorted(by_tool.items(), key=lambda item: item[0].name.lower())
    students = section_students(section, today=today)
    answers = staff_answers([s.id for s in students], today, section_id=section.id)
    releases = answers_by_form(students, answers)
    if releases:
        _audit_list([s.id for s in students], "section.answers.view", f"section:{section.id}")
    return render_template(
        "optouts/section.html",
        section=section,
        groups=groups,
        releases=releases,
        unasked=consent_tools_without_form(section.id, section.school_id, today),
    )


# --- principals and the privacy office -----------------------------------------------------


@bp.get("/requests")
@roles_required(*STAFF)
def requests():
    today = clock.today()
    form = RequestFilterForm(request.args)
    form.status.choices = [SelectChoice("", _("Any status"))] + [
        SelectChoice(s.value, str(LABELS[OptOutStatus][s])) for s in OptOutStatus
    ]
    form.tool.choices = long_choices(
        _("Any tool"), db.session.execute(select(Tool.id, Tool.name).order_by(Tool.name))
    )
    is_office = sees_every_school(current_user)
    schools = []
    if is_office:
        schools = db.session.execute(select(School.id, School.name).order_by(School.name))
    form.school.choices = long_choices(_("Any school"), schools)
    filters = form.data if form.validate() else {}
    query = request_list(
        current_user,
        today=today,
        status=filters.get("status") or "",
        tool_id=int(filters["tool"]) if filters.get("tool") else None,
        school_id=int(filters["school"]) if is_office and filters.get("school") else None,
        overdue=filters.get("overdue") == "1",
    )
    page = db.paginate(
        query,
        page=request.args.get("page", 1, type=bounded_int),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    items = list(page.items)
    _audit_list([o.student_id for o in items], "optout.list")
    return render_template(
        "optouts/requests.html",
        page=page,
        items=items,
        form=form,
        is_office=is_office,
        may_confirm=may_decide_requests(current_user),
        today=today,
        is_overdue=is_overdue,
    )


@bp.post("/requests/<int:optout_id>/confirm")
@roles_required(*SCHOOL_LEADS)
def confirm(optout_id: int):
    optout = optout_or_404(current_user, optout_id, action=None)
    if EmptyForm().validate_on_submit():
        _unchanged_since_shown(optout)
        if run(operations.confirm, optout=optout):
            flash(_("Confirmed. The family and teachers have been told."), "success")
    return redirect(url_for("optouts.detail", optout_id=optout.id))


@bp.route("/requests/<int:optout_id>/return", methods=["GET", "POST"])
@roles_required(*SCHOOL_LEADS)
def return_plan(optout_id: int):
    optout = optout_or_404(current_user, optout_id, action=_read_action())
    form = ReturnForm()
    if form.validate_on_submit():
        _unchanged_since_shown(optout)
        if run(operations.return_plan, show_on=form.note, optout=optout, note=form.note.data):
            flash(_("Returned to the teacher with your note."), "success")
            return redirect(url_for("optouts.detail", optout_id=optout.id))
    return render_template("optouts/return.html", optout=optout, form=form)


@bp.route("/requests/<int:optout_id>/close", methods=["GET", "POST"])
@roles_required(*SCHOOL_LEADS)
def close(optout_id: int):
    optout = optout_or_404(current_user, optout_id, action=_read_action())
    form = CloseForm()
    if form.validate_on_submit():
        _unchanged_since_shown(optout)
        if run(operations.close, show_on=form.reason, optout=optout, reason=form.reason.data):
            flash(_("The request is closed. The family and teachers have been told."), "success")
            return redirect(url_for("optouts.detail", optout_id=optout.id))
    return render_template("optouts/close.html", optout=optout, form=form)


# --- bulk actions: each item through the operation for one, all or nothing ----------------


@bp.route("/requests/confirm-many", methods=["GET", "POST"])
@roles_required(*SCHOOL_LEADS)
def confirm_many():
    """Confirm several planned requests at once: tick them on the list, review exactly what
    will be confirmed, then confirm. One refusal and nothing is saved; the page says which."""
    today = clock.today()
    form = ConfirmManyForm()
    problem = None

    def show(error):
        nonlocal problem
        problem = error

    if form.validate_on_submit() and not form.edit.data:
        chosen = optouts_or_404(current_user, form.optouts.data, action=None)
        if form.confirm.data:
            seen = {o.id: request.form.get(f"version-{o.id}", type=bounded_int) for o in chosen}
            done = run(
                operations.confirm_many,
                show_on=show,
                optouts=chosen,
                seen={k: v for k, v in seen.items() if v is not None},
            )
            if done:
                flash(
                    ngettext(
                        "%(num)s request confirmed. Each family and its teachers have been told.",
                        "%(num)s requests confirmed. Each family and its teachers have been told.",
                        len(done.value),
                    ),
                    "success",
                )
                return redirect(url_for("optouts.confirm_many"))
        _audit_list([o.student_id for o in chosen], "optout.view", "optouts:bulk")
        return render_template(
            "optouts/confirm_many_review.html",
            form=form,
            chosen=chosen,
            problem=problem,
            today=today,
            is_overdue=is_overdue,
        )
    page = db.paginate(
        request_list(current_user, today=today, status=OptOutStatus.PLANNED.value),
        page=request.args.get("page", 1, type=bounded_int),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    items = list(page.items)
    _audit_list([o.student_id for o in items], "optout.list")
    return render_template(
        "optouts/confirm_many.html",
        form=form,
        page=page,
        items=items,
        ticked=set(form.optouts.data or []),
        today=today,
        is_overdue=is_overdue,
    )


@bp.route("/tools/<int:tool_id>/close-requests", methods=["GET", "POST"])
@login_required
def close_tool_requests(tool_id: int):
    """The privacy office closes every request of a retired tool with one reason: the count
    and the reason on a review step, then every request through `close`, all or nothing."""
    allowed_or_404(
        current_user, may_close_requests_of_retired_tool, target=f"tool:{tool_id}:close-requests"
    )
    tool = tool_or_404(current_user, tool_id)
    form = CloseToolRequestsForm()
    problem = None

    def show(error):
        nonlocal problem
        problem = error

    reviewing = False
    if form.validate_on_submit() and not form.edit.data:
        try:
            expected = bounded_int(form.expected.data or "")
        except ValueError:
            expected = None  # not reviewed yet: the review step comes first
        if form.close.data and expected is not None:
            done = run(
                operations.close_requests_of_retired_tool,
                show_on=show,
                tool=tool,
                reason=form.reason.data,
                expected=expected,
            )
            if done:
                flash(
                    ngettext(
                        "%(num)s request closed. Each family and its teachers have been told.",
                        "%(num)s requests closed. Each family and its teachers have been told.",
                        len(done.value),
                    ),
                    "success",
                )
                return redirect(url_for("catalog.tool", tool_id=tool.id))
        reviewing = True
    counts = active_counts_of_tool(tool.id)
    total = sum(counts.values())
    if reviewing:
        form.expected.data = str(total)
    return render_template(
        "optouts/close_tool_requests.html",
        tool=tool,
        form=form,
        counts=counts,
        total=total,
        reviewing=reviewing,
        problem=problem,
        retired=tool.vetting_status is VettingStatus.RETIRED,
    )


# --- staff record a family's request --------------------------------------------------------


@bp.route("/students/<int:student_id>/optouts/record", methods=["GET", "POST"])
@roles_required(*STAFF)
def record(student_id: int):
    """A teacher, the principal or the privacy office records an opt-out a guardian asked for
    by phone, on paper, by email or in person: pick the tool, then who asked and how."""
    student = recording_student_or_404(
        current_user, student_id, action=_read_action("student.view")
    )
    today = clock.today()
    tools = tools_for_student(student, current_sections(student.id, today), today)
    tool_id = request.args.get("tool", type=bounded_int)
    if tool_id is None:
        return render_template("optouts/record_tool.html", student=student, tools=tools)
    tool = next((entry.tool for entry in tools if entry.tool.id == tool_id), None)
    if tool is None:
        deny(current_user, f"tool:{tool_id}", student.id)
    guardians = deciding_guardians(student.id)
    form = RecordOptOutForm().for_family(tool, guardians)
    if request.method == "GET":
        form.received_on.data = today
    if guardians and form.validate_on_submit():
        guardian = next(g for g in guardians if str(g.id) == form.guardian.data)
        filed = run(
            operations.file_optout,
            show_on=form.guardian,
            student=student,
            tool=tool,
            feature=form.feature.data,
            accommodation=form.accommodation.data,
            on_behalf_of=guardian,
            channel=Channel(form.channel.data),
            received_on=form.received_on.data,
            note=form.note.data or "",
        )
        if filed:
            optout = filed.value.optout
            if filed.value.joined:
                flash(
                    _("A request like this was already open. The guardian has joined it."), "info"
                )
            else:
                flash(
                    _("The opt-out is recorded and sent to the teachers and principal."), "success"
                )
            if not _reached_online(guardian):
                return redirect(url_for("optouts.printable", optout_id=optout.id))
            return redirect(url_for("optouts.detail", optout_id=optout.id))
    return render_template(
        "optouts/record.html", student=student, tool=tool, form=form, guardians=guardians
    )


@bp.get("/requests/<int:optout_id>/printable")
@roles_required(*STAFF)
def printable(optout_id: int):
    """A receipt to print and send home, for a guardian with no email address or no account."""
    optout = optout_or_404(current_user, optout_id)
    requesters = operations.requesting_guardians(optout)
    return render_template(
        "optouts/printable.html",
        optout=optout,
        requesters=requesters,
        receipts=[r for g in requesters if (r := optout_receipt(optout.id, g.id))],
        routed=routed_to(optout),
        recorded_by=db.session.get(Account, optout.recorded_by_account_id)
        if optout.recorded_by_account_id
        else None,
        link=absolute_url(f"/requests/{optout.id}"),
    )


def _reached_online(guardian: Guardian) -> bool:
    """Told at once only by email and the inbox: without both, staff print the receipt."""
    has_account = db.session.scalar(select(Account.id).where(Account.guardian_id == guardian.id))
    return bool(guardian.email) and has_account is not None


# --- helpers -------------------------------------------------------------------------------


def _unchanged_since_shown(optout) -> None:
    """A decision is about the request as the page showed it (its version travels with the
    form). If someone acted on it since, nothing is saved and the "this request changed" page
    (409) says so, instead of applying the decision to a request the person has not seen."""
    seen = request.values.get("version", type=bounded_int)
    if seen is not None and seen != optout.version:
        raise StaleDataError(f"optout {optout.id} is at version {optout.version}, not {seen}")


def _read_action(action: str = "optout.view") -> str | None:
    """A POST is audited by its operation; only the GET that shows the record is a read."""
    return None if request.method == "POST" else action


def _audit_list(student_ids, action: str, target: str = "") -> None:
    """A staff list that shows students' requests is a view of each of those students."""
    record_many(current_user, action, student_ids or [], target=target)
