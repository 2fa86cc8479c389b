"""Consent-form pages: guardians answer per child; the privacy office writes and publishes
forms; principals and the privacy office follow answers and enter paper and phone ones.
Each view: gate, load through consent.access, validate, one operation, one commit, redirect."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import exists, func, select
from wtforms import SelectChoice

from consent.access import (
    answerable_form_or_404,
    answers_on_the_web,
    answers_school_id,
    can_file_for,
    deciding_link,
    deny,
    form_student_or_404,
    may_manage_forms,
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
    EditFormForm,
    FormDetailsForm,
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
)
from consent.consentforms.rules import school_year_of
from consent.core import clock
from consent.core.gates import SCHOOL_LEADS, roles_required
from consent.core.transaction import run
from consent.core.urls import bounded_int
from consent.extensions import db
from consent.roster.models import Guardian, GuardianLink, School, Student

bp = Blueprint("consentforms", __name__)


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


def _flash_outcome(outcome, student: Student) -> None:
    flash(_("Your answer for %(name)s is saved.", name=student.given_name), "success")
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
    guardians = operations.rights_holders(student.id)
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
            guardian=db.session.get(Guardian, entering.guardian.data),
            note=entering.note.data or "",
            received_on=entering.received_on.data,
        )
    ):
        flash(
            _(
                "Recorded. %(name)s will get an email saying what was recorded.",
                name=recorded.value.given.guardian.full_name,
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


def forms_waiting(student: Student) -> list[ConsentForm]:
    """For the child page: open forms nobody has answered yet for the child (one statement)."""
    if not answers_on_the_web(current_user):
        return []
    return queries.unanswered_open_forms(student.id, clock.today())
