"""Consent-form pages: guardians answer per child; the privacy office writes and publishes
forms; principals and the privacy office follow answers and enter paper and phone ones.
Each view: gate, load through consent.access, validate, one operation, one commit, redirect."""

import csv
import io

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import exists, func, select
from wtforms import SelectChoice

from consent.access import (
    answerable_form_or_404,
    answers_on_the_web,
    answers_school_id,
    can_file_for,
    class_form_or_404,
    class_form_students,
    deciding_guardians,
    deciding_link,
    deny,
    form_student_or_404,
    may_choose_report_school,
    may_manage_forms,
    report_school_or_404,
    section_or_404,
    staff_form_or_404,
    student_or_404,
    visible_form_students,
    visible_forms,
    visible_students,
)
from consent.accounts.forms import EmptyForm
from consent.accounts.models import Role
from consent.audit.operations import record_many
from consent.catalog.models import Tool, VettingStatus
from consent.consentforms import operations, queries
from consent.consentforms.forms import (
    AnswerFilterForm,
    AnswerForm,
    ClassAnswersForm,
    EditFormForm,
    FormDetailsForm,
    ReleaseFilterForm,
    StaffEntryForm,
)
from consent.consentforms.models import (
    Answer,
    AnswerMethod,
    ConsentAnswer,
    ConsentForm,
    ConsentFormVersion,
    FormKind,
    FormMode,
    FormStatus,
)
from consent.core import clock
from consent.core.downloads import stream_download
from consent.core.gates import SCHOOL_LEADS, STAFF, roles_required
from consent.core.transaction import run
from consent.core.urls import bounded_int
from consent.extensions import db
from consent.receipts.codes import grouped
from consent.receipts.queries import answer_receipt
from consent.reports.operations import record_export
from consent.roster.models import Guardian, GuardianLink, School, Student
from consent.schoolcalendar.days import school_year_of
from consent.texts.lookup import preload

bp = Blueprint("consentforms", __name__)

STREAM_ROWS = 2000  # rows fetched at a time from the server-side cursor
FLUSH_BYTES = 64 * 1024


# --- guardians ------------------------------------------------------------------------------


@bp.get("/forms")
@roles_required(Role.GUARDIAN)
def waiting():
    """Every child's forms: waiting for an answer, answered (changeable until the window
    closes) and closed, in a fixed number of queries whatever the number of children."""
    today = clock.today()
    students = list(
        db.session.scalars(
            visible_students(current_user).order_by(Student.given_name, Student.id)
        ).unique()
    )
    ids = [s.id for s in students]
    forms = queries.forms_for_students(ids, today)
    answers = queries.answers_by_student(ids, {f.id for fs in forms.values() for f in fs})
    preload([f for fs in forms.values() for f in fs])
    return render_template(
        "consentforms/waiting.html", students=students, forms=forms, answers=answers, today=today
    )


@bp.route("/forms/<int:form_id>/students/<int:student_id>", methods=["GET", "POST"])
@roles_required(Role.GUARDIAN)
def answer(form_id: int, student_id: int):
    student = student_or_404(current_user, student_id)
    form = answerable_form_or_404(current_user, form_id, student)
    today = clock.today()
    may_answer = can_file_for(current_user, student.id)
    answer_form = AnswerForm()
    if request.method == "POST":
        if not may_answer:
            deny(current_user, f"consentform:{form.id}:answer", student.id)
        if answer_form.validate_on_submit() and (
            answered := run(
                operations.answer_form,
                show_on=answer_form.answer,
                form=form,
                student=student,
                answer=Answer(answer_form.answer.data),
            )
        ):
            _flash_outcome(answered.value, student)
            return redirect(url_for("consentforms.answer", form_id=form.id, student_id=student.id))
    version = operations.latest_version(form)
    preload([form, version])
    history = queries.history(form.id, student.id)
    mine = next((e for e in history if e.guardian_id == current_user.guardian_id), None)
    if request.method == "GET" and mine is not None:
        answer_form.answer.data = mine.answer.value
    return render_template(
        "consentforms/answer.html",
        form=form,
        student=student,
        version=version,
        in_force=queries.answers_for(form.id, [student.id]).get(student.id),
        mine=mine,
        history=history,
        answer_form=answer_form,
        may_answer=may_answer,
        is_open=form.is_open(today),
        not_yet=today < form.opens_on,
    )


@bp.get("/forms/<int:form_id>/students/<int:student_id>/receipt")
@roles_required(Role.GUARDIAN)
def receipt(form_id: int, student_id: int):
    """The receipt of this guardian's latest answer for the child, with its verification code;
    a guardian who has not answered (or a relative, who cannot) has none."""
    student = student_or_404(current_user, student_id)
    form = answerable_form_or_404(current_user, form_id, student)
    mine = queries.latest_answer_of(form.id, student.id, current_user.guardian_id)
    if mine is None:
        deny(current_user, f"consentform:{form.id}:receipt", student.id)
    receipt = answer_receipt(mine.id)  # None for an answer given before receipts had codes
    return render_template(
        "consentforms/receipt.html",
        form=form,
        student=student,
        given=mine,
        receipt=receipt,
        is_open=form.is_open(clock.today()),
    )


def _flash_outcome(outcome, student: Student) -> None:
    flash(
        _(
            "Your answer for %(name)s is saved. We emailed you a receipt with the verification "
            "code %(code)s.",
            name=student.given_name,
            code=grouped(outcome.receipt.code),
        ),
        "success",
    )
    if outcome.disagreement:
        flash(
            _(
                "Another parent or guardian gave a different answer. The answer that shares "
                "less stands, and you have both been told."
            ),
            "info",
        )
    if outcome.optout is not None:
        flash(
            _(
                "Because you said no, an opt-out request for %(tool)s was sent to %(name)s's "
                "teachers and principal.",
                tool=outcome.optout.tool.name,
                name=student.given_name,
            ),
            "info",
        )
    if outcome.withdrawn is not None:
        flash(
            _(
                "Because you said yes, the opt-out request for %(tool)s was withdrawn and "
                "%(name)s's teachers were told.",
                tool=outcome.withdrawn.tool.name,
                name=student.given_name,
            ),
            "info",
        )


# --- staff: the privacy office and principals ----------------------------------------------


@bp.get("/consent-forms")
@roles_required(*SCHOOL_LEADS)
def index():
    page = db.paginate(
        queries.form_list(visible_forms(current_user)),
        page=request.args.get("page", 1, type=bounded_int),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template(
        "consentforms/index.html",
        page=page,
        is_office=may_manage_forms(current_user),
        today=clock.today(),
    )


def _details_choices(form: FormDetailsForm) -> None:
    form.tool.choices = [SelectChoice("", _("No tool"))] + [
        SelectChoice(str(tool_id), name)
        for tool_id, name in db.session.execute(
            select(Tool.id, Tool.name)
            .where(
                Tool.vetting_status.in_(
                    [VettingStatus.APPROVED, VettingStatus.APPROVED_WITH_CONDITIONS]
                )
            )
            .order_by(Tool.name)
        )
    ]
    form.schools.choices = [
        SelectChoice(school_id, name)
        for school_id, name in db.session.execute(
            select(School.id, School.name).where(School.active.is_(True)).order_by(School.name)
        )
    ]


@bp.route("/consent-forms/new", methods=["GET", "POST"])
@roles_required(Role.PRIVACY_OFFICER)
def new():
    details = FormDetailsForm()
    _details_choices(details)
    if request.method == "GET":
        details.school_year.data = school_year_of(clock.today())
        details.mode.data = FormMode.OPT_IN.value
        details.staff_must_see.data = True  # the first kind offered is directory information
    if details.validate_on_submit() and (
        created := run(
            operations.create_form,
            show_on=details,
            school_year=(details.school_year.data or "").strip() or school_year_of(clock.today()),
            kind=FormKind(details.kind.data),
            mode=FormMode(details.mode.data),
            title=details.title.data,
            text=details.text.data,
            opens_on=details.opens_on.data,
            closes_on=details.closes_on.data,
            school_ids=details.schools.data or [],
            grades=details.grades.data or [],
            tool_id=int(details.tool.data) if details.tool.data else None,
            staff_must_see=details.staff_must_see.data,
        )
    ):
        flash(_("The form is saved as a draft. Families see it once you publish it."), "success")
        return redirect(url_for("consentforms.detail", form_id=created.value.id))
    return render_template("consentforms/new.html", details=details)


@bp.get("/consent-forms/<int:form_id>")
@roles_required(*SCHOOL_LEADS)
def detail(form_id: int):
    form = staff_form_or_404(current_user, form_id)
    school_id = answers_school_id(current_user)
    versions = list(
        db.session.scalars(
            select(ConsentFormVersion)
            .where(ConsentFormVersion.form_id == form.id)
            .order_by(ConsentFormVersion.number.desc())
        )
    )
    return render_template(
        "consentforms/detail.html",
        form=form,
        versions=versions,
        by_school=queries.coverage_by_school(form.id, school_id),
        by_language=queries.coverage_by_language(form.id, school_id),
        is_office=may_manage_forms(current_user),
        action_form=EmptyForm(),
        today=clock.today(),
    )


@bp.route("/consent-forms/<int:form_id>/edit", methods=["GET", "POST"])
@roles_required(Role.PRIVACY_OFFICER)
def edit(form_id: int):
    form = staff_form_or_404(current_user, form_id)
    editing = EditFormForm(obj=None if request.method == "POST" else form)
    if request.method == "GET":
        editing.text.data = operations.latest_version(form).text
    if editing.validate_on_submit() and (
        edited := run(
            operations.edit_form,
            show_on=editing,
            form=form,
            title=editing.title.data,
            text=editing.text.data,
            opens_on=editing.opens_on.data,
            closes_on=editing.closes_on.data,
            staff_must_see=editing.staff_must_see.data,
        )
    ):
        if edited.value is not None:
            flash(_("Saved as version %(n)s of the text.", n=edited.value.number), "success")
        else:
            flash(_("Saved."), "success")
        return redirect(url_for("consentforms.detail", form_id=form.id))
    return render_template("consentforms/edit.html", form=form, editing=editing)


@bp.route("/consent-forms/<int:form_id>/publish", methods=["GET", "POST"])
@roles_required(Role.PRIVACY_OFFICER)
def publish(form_id: int):
    """Confirm first: publishing emails every family in scope."""
    form = staff_form_or_404(current_user, form_id)
    confirm = EmptyForm()
    if confirm.validate_on_submit():
        if published := run(operations.publish_form, form=form):
            flash(
                _("Published. %(n)s parents and guardians were told.", n=published.value),
                "success",
            )
        return redirect(url_for("consentforms.detail", form_id=form.id))
    families = db.session.scalar(
        select(func.count(func.distinct(GuardianLink.guardian_id)))
        .join(Student, Student.id == GuardianLink.student_id)
        .where(
            deciding_link(),
            queries.in_scope(form.id),
        )
    )
    return render_template(
        "consentforms/publish.html", form=form, confirm=confirm, families=families
    )


@bp.get("/consent-forms/<int:form_id>/students")
@roles_required(*SCHOOL_LEADS)
def students(form_id: int):
    """Students in scope with their answer in force; a principal sees their own school."""
    form = staff_form_or_404(current_user, form_id)
    filters = AnswerFilterForm(request.args)
    show = filters.show.data if filters.validate() else ""
    query = visible_form_students(current_user, form)
    answered = exists().where(
        ConsentAnswer.form_id == form.id, ConsentAnswer.student_id == Student.id
    )
    if show == "none":
        query = query.where(~answered)
    elif show in (Answer.GRANTED.value, Answer.REFUSED.value):
        query = query.where(answered.where(ConsentAnswer.answer == Answer(show)))
    page = db.paginate(
        query.order_by(Student.family_name, Student.given_name, Student.id),
        page=request.args.get("page", 1, type=bounded_int),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    items = list(page.items)
    record_many(
        current_user,
        "consentform.students.list",
        [s.id for s in items],
        target=f"consentform:{form.id}",
    )
    return render_template(
        "consentforms/students.html",
        form=form,
        page=page,
        items=items,
        answers=queries.answers_for(form.id, [s.id for s in items]),
        filters=filters,
    )


@bp.route("/consent-forms/<int:form_id>/students/<int:student_id>/entry", methods=["GET", "POST"])
@roles_required(*SCHOOL_LEADS)
def entry(form_id: int, student_id: int):
    """Staff record an answer that came on paper or by phone; the guardian is emailed it."""
    form = staff_form_or_404(current_user, form_id)
    student = form_student_or_404(
        current_user,
        form,
        student_id,
        action=None if request.method == "POST" else "consentform.answer.view",
    )
    guardians = deciding_guardians(student.id)
    entering = StaffEntryForm()
    entering.guardian.choices = [SelectChoice(g.id, g.full_name) for g in guardians]
    if entering.validate_on_submit() and (
        recorded := run(
            operations.answer_form,
            show_on=entering,
            form=form,
            student=student,
            answer=Answer(entering.answer.data),
            method=AnswerMethod(entering.method.data),
            on_behalf_of=db.session.get(Guardian, entering.guardian.data),
            note=entering.note.data or "",
            received_on=entering.received_on.data,
        )
    ):
        flash(
            _(
                "Recorded. %(name)s will get an email saying what was recorded, with the "
                "verification code %(code)s.",
                name=recorded.value.given.guardian.full_name,
                code=grouped(recorded.value.receipt.code),
            ),
            "success",
        )
        _flash_staff_outcome(recorded.value, student)
        return redirect(url_for("consentforms.entry", form_id=form.id, student_id=student.id))
    return render_template(
        "consentforms/entry.html",
        form=form,
        student=student,
        entering=entering,
        guardians=guardians,
        in_force=queries.answers_for(form.id, [student.id]).get(student.id),
        history=queries.history(form.id, student.id),
        today=clock.today(),
    )


def _flash_staff_outcome(outcome, student: Student) -> None:
    if outcome.optout is not None:
        flash(
            _(
                "An opt-out request for %(tool)s was sent to %(name)s's teachers and principal.",
                tool=outcome.optout.tool.name,
                name=student.given_name,
            ),
            "info",
        )
    if outcome.withdrawn is not None:
        flash(
            _(
                "The opt-out request for %(tool)s was withdrawn and %(name)s's teachers were told.",
                tool=outcome.withdrawn.tool.name,
                name=student.given_name,
            ),
            "info",
        )


# --- staff: a class's batch of paper answers ------------------------------------------------


@bp.get("/sections/<int:section_id>/forms")
@roles_required(*STAFF)
def class_forms(section_id: int):
    """The published forms that ask about students of this class, to enter its paper answers."""
    section = section_or_404(current_user, section_id)
    asked = class_form_students(current_user, section, ConsentForm.id, clock.today())
    page = db.paginate(
        queries.form_list(
            select(ConsentForm).where(ConsentForm.status == FormStatus.PUBLISHED, asked.exists())
        ),
        page=request.args.get("page", 1, type=bounded_int),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template(
        "consentforms/class_forms.html", section=section, page=page, today=clock.today()
    )


@bp.route("/sections/<int:section_id>/forms/<int:form_id>/answers", methods=["GET", "POST"])
@roles_required(*STAFF)
def class_answers(section_id: int, form_id: int):
    """A teacher of the class, its principal or the privacy office enter a batch of paper
    answers: one row per student. Each goes through the single staff entry; one refusal and
    nothing is saved, and the page says whose answer and why."""
    section = section_or_404(current_user, section_id)
    form = class_form_or_404(current_user, form_id)
    today = clock.today()
    students = list(
        db.session.scalars(
            class_form_students(current_user, section, form.id, today).order_by(
                Student.family_name, Student.given_name, Student.id
            )
        ).unique()
    )
    by_id = {s.id: s for s in students}
    holders = queries.rights_holders_by_student(list(by_id))
    entering = ClassAnswersForm()
    if request.method == "GET":
        for student in students:
            only = holders[student.id][0].id if len(holders[student.id]) == 1 else ""
            entering.rows.append_entry(
                {"student": str(student.id), "guardian": str(only), "received_on": today}
            )
    rows = []
    for row in entering.rows:
        student_id = _row_student(row.student.data)
        student = by_id.get(student_id)
        if student is None:  # not a student of this class the form asks about
            deny(current_user, f"consentform:{form.id}:student:{student_id}")
        row.guardian.choices = [SelectChoice("", _("Choose who answered"))] + [
            SelectChoice(str(g.id), g.full_name) for g in holders[student.id]
        ]
        rows.append((row, student))
    problem = None

    def show(error):
        nonlocal problem
        problem = error

    if entering.validate_on_submit():
        entries = _class_entries(rows, holders)
        recorded = None
        if entries is not None:
            recorded = run(operations.enter_class_answers, show_on=show, form=form, entries=entries)
        if recorded:
            flash(
                ngettext(
                    "%(num)s answer recorded. The parent or guardian will get an email saying "
                    "what was recorded.",
                    "%(num)s answers recorded. Each parent or guardian will get an email saying "
                    "what was recorded.",
                    len(recorded.value),
                ),
                "success",
            )
            for outcome in recorded.value:
                _flash_staff_outcome(outcome, outcome.answer.student)
            return redirect(
                url_for("consentforms.class_answers", section_id=section.id, form_id=form.id)
            )
    record_many(
        current_user,
        "consentform.class.view",
        list(by_id),
        target=f"consentform:{form.id}:section:{section.id}",
    )
    return render_template(
        "consentforms/class_answers.html",
        section=section,
        form=form,
        entering=entering,
        rows=rows,
        holders=holders,
        answers=queries.answers_for(form.id, list(by_id)),
        problem=problem,
        today=today,
    )


def _row_student(value) -> int | None:
    try:
        return bounded_int(value or "")
    except ValueError:
        return None


def _class_entries(rows, holders) -> list[operations.ClassAnswer] | None:
    """The rows with an answer, as the operation takes them; None when a row needs fixing
    (its message is on the row)."""
    entries, fine = [], True
    for row, student in rows:
        answer = row.answer.data or ""
        if not answer:
            continue
        if answer not in (Answer.GRANTED.value, Answer.REFUSED.value):
            row.answer.errors = [*row.answer.errors, _("Choose yes, no, or no answer yet.")]
            fine = False
            continue
        guardian = next((g for g in holders[student.id] if str(g.id) == row.guardian.data), None)
        if guardian is None:
            row.guardian.errors = [
                *row.guardian.errors,
                _("Choose who answered for %(name)s.", name=student.full_name),
            ]
            fine = False
            continue
        entries.append(
            operations.ClassAnswer(
                student=student,
                answer=Answer(answer),
                guardian=guardian,
                received_on=row.received_on.data,
            )
        )
    return entries if fine else None


def forms_of_child(student: Student) -> queries.ChildForms:
    """For the child page: the forms waiting for an answer and each tool's consent, for a
    guardian (one statement); staff pages show neither."""
    if not answers_on_the_web(current_user):
        return queries.ChildForms(waiting=[], tools={})
    return queries.child_forms(student, clock.today())


# --- the do-not-release list ---------------------------------------------------------------


def _release_scope():
    """The school (a principal's own; the privacy office's pick, or None for the district) and
    the day the list is as of; a bad day is refused with the form's message."""
    form = ReleaseFilterForm(request.args)
    school = report_school_or_404(current_user, request.args.get("school", type=bounded_int))
    is_office = may_choose_report_school(current_user)
    if is_office:
        form.school.choices = [SelectChoice("", _("Whole district"))] + [
            SelectChoice(str(s.id), s.name)
            for s in db.session.execute(select(School.id, School.name).order_by(School.name))
        ]
        form.school.data = str(school.id) if school else ""
    else:
        del form.school
    valid = form.validate()
    day = (form.day.data if valid else None) or clock.today()
    return form, valid, school, day


@bp.get("/do-not-release")
@roles_required(*SCHOOL_LEADS)
def do_not_release():
    """Students whose directory information, photos or recruiter data must not be released,
    as of a chosen day, a page at a time, with the forms the list follows and what no answer
    means on each; a staff read of each student shown, so each is audited."""
    form, valid, school, day = _release_scope()
    school_id = school.id if school else None
    page, withheld = None, {}
    if valid:
        page = db.paginate(
            queries.do_not_release(school_id, day),
            page=request.args.get("page", 1, type=bounded_int),
            per_page=current_app.config["PAGE_SIZE"],
            error_out=False,
        )
        ids = [student.id for student in page.items]
        if ids:
            for row in db.session.execute(queries.withheld_rows(school_id, day, ids)):
                withheld.setdefault(row.student_id, []).append(row)
        record_many(current_user, "release.list.view", ids)
    args = {"day": day.isoformat()}
    if school and may_choose_report_school(current_user):
        args["school"] = school.id
    return render_template(
        "consentforms/do_not_release.html",
        form=form,
        page=page,
        withheld=withheld,
        forms=queries.release_forms(school_id, day) if valid else [],
        school=school,
        day=day,
        valid=valid,
        csv_url=url_for("consentforms.do_not_release_csv", **args),
    )


@bp.get("/do-not-release.csv")
@roles_required(*SCHOOL_LEADS)
def do_not_release_csv():
    """The whole list as CSV, streamed from one statement; every student in it is audited, set
    based, in the request's transaction, committed before the first row leaves."""
    form, valid, school, day = _release_scope()
    if not valid:
        return do_not_release()
    school_id = school.id if school else None
    statement = queries.withheld_rows(school_id, day)
    record_export(current_user, statement, action="release.export", target="do-not-release")
    # Translated now, while the signed-in account is loaded: after the request's commit it is
    # expired, and the language must not be looked up again halfway through the download.
    headers = [_("Student"), _("Student number"), _("School"), _("Grade"), _("Do not release")]
    reasons = (_("refused"), _("no answer on an opt-in form"))
    where = f"school-{school.id}" if school else "district"
    return Response(
        stream_download(_csv_lines(headers, statement, reasons)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="do-not-release-{where}-{day}.csv"',
            "Cache-Control": "no-store",
        },
    )


def _csv_lines(headers: list[str], statement, reasons: tuple[str, str]):
    """One line per student, gathering the rows of their forms (they come in a row), straight
    from a server-side cursor, about 64 KB at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # spreadsheets then read the names as UTF-8
    writer.writerow(headers)
    yield _drain(buffer)  # the download starts before the query has finished
    line, student_id = None, None
    for row in db.session.execute(statement.execution_options(yield_per=STREAM_ROWS)):
        if row.student_id != student_id:
            if line is not None:
                writer.writerow([_cell(v) for v in line])
            student_id = row.student_id
            line = [
                f"{row.given_name} {row.family_name}",
                row.district_identifier,
                row.school_name,
                row.grade,
                "",
            ]
        reason = reasons[0] if row.refused else reasons[1]  # a no, or no answer on opt-in
        line[4] = "; ".join(filter(None, [line[4], f"{row.form_title}: {reason}"]))
        if buffer.tell() > FLUSH_BYTES:
            yield _drain(buffer)
    if line is not None:
        writer.writerow([_cell(v) for v in line])
    yield _drain(buffer)


def _cell(value) -> str:
    """A cell a spreadsheet could run as a formula is kept as text."""
    value = "" if value is None else str(value)
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
