"""Records request and disclosure pages. Each view: gate, load through consent.access,
validate, one operation through `run`, redirect with a message."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from wtforms import SelectChoice

from consent.access import (
    can_file_for,
    deny,
    disclosure_or_404,
    keeps_district_records,
    may_act_for_family,
    may_decide_requests,
    records_request_or_404,
    rights_holder_student_or_404,
    sees_every_school,
    student_or_404,
    visible_students,
)
from consent.accounts.models import Role
from consent.audit.operations import record_many
from consent.core import clock
from consent.core.gates import SCHOOL_LEADS, roles_required
from consent.core.templating import EVENT_LABELS, LABELS
from consent.core.transaction import run
from consent.core.urls import bounded_int
from consent.extensions import db
from consent.records import operations, queries
from consent.records.forms import (
    CloseForm,
    ConfirmForm,
    DecisionForm,
    DisclosureForm,
    HearingForm,
    MadeAvailableForm,
    OutcomeForm,
    RecordsRequestForm,
    RequestFilterForm,
    RestrictionForm,
    StatementForm,
)
from consent.records.models import (
    AvailableHow,
    DisclosureBasis,
    RecordsEventKind,
    RecordsStatus,
    RequestKind,
)
from consent.records.rules import is_overdue
from consent.roster.models import GuardianLink, School, Student

bp = Blueprint("records", __name__)

# The shared `label` and `event_label` filters read these (consent.core.templating).
LABELS[RecordsStatus] = {
    RecordsStatus.SUBMITTED: _l("Submitted"),
    RecordsStatus.MADE_AVAILABLE: _l("Records made available"),
    RecordsStatus.AMENDED: _l("Record corrected"),
    RecordsStatus.REFUSED: _l("Correction refused"),
    RecordsStatus.HEARING_REQUESTED: _l("Hearing requested"),
    RecordsStatus.REFUSAL_UPHELD: _l("Record kept after the hearing"),
    RecordsStatus.CLOSED: _l("Closed"),
}
LABELS[RequestKind] = {
    RequestKind.INSPECT: _l("See records"),
    RequestKind.AMEND: _l("Correct a record"),
}
LABELS[AvailableHow] = {
    AvailableHow.IN_PERSON: _l("In person"),
    AvailableHow.COPIES: _l("Copies"),
    AvailableHow.PORTAL: _l("On a portal"),
}
LABELS[DisclosureBasis] = {
    DisclosureBasis.TRANSFER: _l("Transfer to another school (FERPA 99.31(a)(2))"),
    DisclosureBasis.COURT_ORDER: _l("Subpoena or court order (FERPA 99.31(a)(9))"),
    DisclosureBasis.HEALTH_SAFETY: _l("Health or safety emergency (FERPA 99.31(a)(10))"),
    DisclosureBasis.STATE_AUDIT: _l("Audit or evaluation by the state (FERPA 99.31(a)(3))"),
}
# The records timeline's own kinds; the opt-out timeline's table stays as it is.
RECORDS_EVENT_LABELS = {
    RecordsEventKind.MADE_AVAILABLE: _l("Records made available"),
    RecordsEventKind.AMENDED: _l("Record corrected"),
    RecordsEventKind.REFUSED: _l("Correction refused"),
    RecordsEventKind.HEARING_REQUESTED: _l("The family asked for a hearing"),
    RecordsEventKind.HEARING_SCHEDULED: _l("Hearing date set"),
    RecordsEventKind.REFUSAL_UPHELD: _l("The hearing kept the record as it is"),
    RecordsEventKind.STATEMENT_ADDED: _l("The family's statement was added to the record"),
}


@bp.app_template_filter("records_event_label")
def records_event_label(kind: RecordsEventKind) -> str:
    return RECORDS_EVENT_LABELS.get(kind) or EVENT_LABELS.get(kind, kind)


# --- the family ------------------------------------------------------------------------------


@bp.get("/records")
@roles_required(Role.GUARDIAN)
def mine():
    """The family's requests, and where to start a new one for each child."""
    students = [
        s
        for s in db.session.scalars(visible_students(current_user).order_by(Student.given_name))
        .unique()
        .all()
        if can_file_for(current_user, s.id)
    ]
    return render_template(
        "records/mine.html",
        students=students,
        items=queries.family_requests(current_user),
        today=clock.today(),
        is_overdue=is_overdue,
    )


@bp.route("/students/<int:student_id>/records-requests/new", methods=["GET", "POST"])
@roles_required(Role.GUARDIAN)
def new(student_id: int):
    student = rights_holder_student_or_404(current_user, student_id)
    form = RecordsRequestForm()
    if form.validate_on_submit():
        filed = run(
            operations.file_records_request,
            show_on=form.kind,
            student=student,
            kind=form.kind.data,
            records_sought=form.records_sought.data,
            record_description=form.record_description.data,
            what_is_wrong=form.what_is_wrong.data,
            should_say=form.should_say.data,
        )
        if filed:
            flash(_("Your request was sent. We emailed you a receipt."), "success")
            return redirect(url_for("records.detail", records_request_id=filed.value.id))
    return render_template("records/new.html", student=student, form=form)


@bp.get("/records-requests/<int:records_request_id>")
@roles_required(Role.GUARDIAN, *SCHOOL_LEADS)
def detail(records_request_id: int):
    """Status, due date, the decision, the hearing, the statement and the timeline."""
    records_request = records_request_or_404(current_user, records_request_id)
    return render_template(
        "records/detail.html",
        rr=records_request,
        events=list(records_request.events),
        family=may_act_for_family(current_user, records_request),
        is_lead=may_decide_requests(current_user),
        overdue=is_overdue(records_request, clock.today()),
        statements=queries.statements_for(records_request.student_id),
        RecordsStatus=RecordsStatus,
        RequestKind=RequestKind,
    )


@bp.route("/records-requests/<int:records_request_id>/hearing-request", methods=["GET", "POST"])
@roles_required(Role.GUARDIAN)
def hearing_request(records_request_id: int):
    records_request = _family_request_or_404(records_request_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        _unchanged_since_shown(records_request, form)
        if run(operations.request_hearing, records_request=records_request):
            flash(_("You asked for a hearing. The district will tell you its date."), "success")
            return _to_detail(records_request)
    return render_template("records/hearing_request.html", rr=records_request, form=form)


@bp.route("/records-requests/<int:records_request_id>/statement", methods=["GET", "POST"])
@roles_required(Role.GUARDIAN)
def statement(records_request_id: int):
    records_request = _family_request_or_404(records_request_id)
    form = StatementForm()
    if form.validate_on_submit() and run(
        operations.add_statement,
        show_on=form.text,
        records_request=records_request,
        text=form.text.data,
    ):
        flash(_("Your statement is kept with the record."), "success")
        return _to_detail(records_request)
    return render_template("records/statement.html", rr=records_request, form=form)


# --- the privacy office and principals --------------------------------------------------------


@bp.get("/records-requests")
@roles_required(*SCHOOL_LEADS)
def requests():
    today = clock.today()
    form = RequestFilterForm(request.args).with_statuses(LABELS[RecordsStatus])
    is_office = sees_every_school(current_user)
    form.school.choices = [SelectChoice("", _("Any school"))]
    if is_office:
        form.school.choices += [
            SelectChoice(str(s.id), s.name)
            for s in db.session.execute(select(School.id, School.name).order_by(School.name))
        ]
    filters = form.data if form.validate() else {}
    query = queries.request_list(
        current_user,
        today=today,
        status=filters.get("status") or "",
        kind=filters.get("kind") or "",
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
    record_many(current_user, "records_request.list", [r.student_id for r in items])
    return render_template(
        "records/requests.html",
        page=page,
        items=items,
        form=form,
        is_office=is_office,
        today=today,
        is_overdue=is_overdue,
    )


@bp.route("/records-requests/<int:records_request_id>/made-available", methods=["GET", "POST"])
@roles_required(*SCHOOL_LEADS)
def made_available(records_request_id: int):
    records_request = records_request_or_404(
        current_user, records_request_id, action=_read_action()
    )
    form = MadeAvailableForm()
    if request.method == "GET":
        form.available_on.data = clock.today()
    if form.validate_on_submit():
        _unchanged_since_shown(records_request, form)
        if run(
            operations.make_available,
            show_on=form.available_on,
            records_request=records_request,
            how=form.how.data,
            on=form.available_on.data,
        ):
            flash(_("Recorded. The family has been told."), "success")
            return _to_detail(records_request)
    return _step_page(records_request, form, _("Records made available"))


@bp.route("/records-requests/<int:records_request_id>/decision", methods=["GET", "POST"])
@roles_required(*SCHOOL_LEADS)
def decision(records_request_id: int):
    records_request = records_request_or_404(
        current_user, records_request_id, action=_read_action()
    )
    form = DecisionForm()
    if form.validate_on_submit():
        _unchanged_since_shown(records_request, form)
        if form.decision.data == "grant":
            done = run(
                operations.grant_amendment,
                show_on=form.change_made,
                records_request=records_request,
                change_made=form.change_made.data,
            )
        else:
            done = run(
                operations.refuse_amendment,
                show_on=form.reason,
                records_request=records_request,
                reason=form.reason.data,
            )
        if done:
            flash(_("Decision recorded. The family has been told."), "success")
            return _to_detail(records_request)
    return _step_page(records_request, form, _("Decide on the correction"))


@bp.route("/records-requests/<int:records_request_id>/hearing", methods=["GET", "POST"])
@roles_required(*SCHOOL_LEADS)
def hearing(records_request_id: int):
    records_request = records_request_or_404(
        current_user, records_request_id, action=_read_action()
    )
    form = HearingForm()
    if form.validate_on_submit():
        _unchanged_since_shown(records_request, form)
        if run(
            operations.schedule_hearing,
            show_on=form.hearing_on,
            records_request=records_request,
            hearing_on=form.hearing_on.data,
            officer=form.officer.data,
        ):
            flash(_("The hearing is set. The family has been told."), "success")
            return _to_detail(records_request)
    return _step_page(records_request, form, _("Set the hearing"))


@bp.route("/records-requests/<int:records_request_id>/hearing-outcome", methods=["GET", "POST"])
@roles_required(*SCHOOL_LEADS)
def hearing_outcome(records_request_id: int):
    records_request = records_request_or_404(
        current_user, records_request_id, action=_read_action()
    )
    form = OutcomeForm()
    if form.validate_on_submit():
        _unchanged_since_shown(records_request, form)
        if run(
            operations.decide_hearing,
            show_on=form.outcome,
            records_request=records_request,
            amend=form.outcome.data == "amend",
            outcome=form.note.data,
        ):
            flash(_("The outcome is recorded. The family has been told."), "success")
            return _to_detail(records_request)
    return _step_page(records_request, form, _("Record the hearing's outcome"))


@bp.route("/records-requests/<int:records_request_id>/close", methods=["GET", "POST"])
@roles_required(*SCHOOL_LEADS)
def close(records_request_id: int):
    records_request = records_request_or_404(
        current_user, records_request_id, action=_read_action()
    )
    form = CloseForm()
    if form.validate_on_submit():
        _unchanged_since_shown(records_request, form)
        if run(
            operations.close,
            show_on=form.reason,
            records_request=records_request,
            reason=form.reason.data,
        ):
            flash(_("The request is closed. The family has been told."), "success")
            return _to_detail(records_request)
    return _step_page(records_request, form, _("Close this request"))


# --- disclosures ------------------------------------------------------------------------------


@bp.get("/disclosures")
@roles_required(*SCHOOL_LEADS)
def disclosures():
    page = db.paginate(
        queries.disclosure_list(current_user),
        page=request.args.get("page", 1, type=bounded_int),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    items = list(page.items)
    record_many(current_user, "disclosure.list", [d.student_id for d in items])
    return render_template("records/disclosures.html", page=page, items=items)


@bp.route("/students/<int:student_id>/disclosures/new", methods=["GET", "POST"])
@roles_required(Role.PRIVACY_OFFICER)
def new_disclosure(student_id: int):
    student = student_or_404(current_user, student_id, action=_read_action("student.view"))
    form = DisclosureForm()
    if request.method == "GET":
        form.disclosed_on.data = clock.today()
    if form.validate_on_submit():
        done = run(
            operations.record_disclosure,
            show_on=form.hidden_from_family if form.hidden_from_family.data else form.disclosed_on,
            student=student,
            recipient=form.recipient.data,
            basis=form.basis.data,
            interest=form.interest.data,
            records=form.records.data,
            disclosed_on=form.disclosed_on.data,
            family_may_see=not form.hidden_from_family.data,
        )
        if done:
            flash(_("The disclosure is recorded."), "success")
            return redirect(url_for("records.disclosure", disclosure_id=done.value.id))
    return render_template(
        "records/disclosure_new.html",
        student=student,
        form=form,
        statements=queries.statements_for(student.id),
    )


@bp.get("/disclosures/<int:disclosure_id>")
@roles_required(*SCHOOL_LEADS)
def disclosure(disclosure_id: int):
    found = disclosure_or_404(current_user, disclosure_id)
    return render_template(
        "records/disclosure.html",
        disclosure=found,
        statements=queries.statements_for(found.student_id),
    )


# --- court orders (99.4) ---------------------------------------------------------------------


@bp.route(
    "/students/<int:student_id>/guardian-links/<int:guardian_link_id>/restrict",
    methods=["GET", "POST"],
)
@roles_required(Role.PRIVACY_OFFICER)
def restrict(student_id: int, guardian_link_id: int):
    """The office records a court order restricting one parent's rights for the child."""
    student = student_or_404(current_user, student_id, action=_read_action("student.view"))
    link = db.session.scalar(
        select(GuardianLink).where(
            GuardianLink.id == guardian_link_id, GuardianLink.student_id == student.id
        )
    )
    if link is None:
        deny(current_user, f"guardian_link:{guardian_link_id}", student.id)
    form = RestrictionForm()
    if form.validate_on_submit() and run(
        operations.restrict_link,
        show_on=form.reference,
        link=link,
        reference=form.reference.data,
        ordered_on=form.ordered_on.data,
        removes=form.removes.data,
        tell_other_guardians=form.tell_other_guardians.data,
    ):
        flash(_("The order is recorded. The parent's access changed at once."), "success")
        return redirect(url_for("roster.student", student_id=student.id))
    return render_template("records/restrict.html", student=student, link=link, form=form)


@bp.app_template_global()
def guardian_links_of(student_id: int) -> list:
    """For the office on the student page: each parent's link and any order restricting it."""
    if not keeps_district_records(current_user):
        return []
    return queries.links_with_restrictions(student_id)


@bp.app_template_global()
def disagreement_statements(student_id: int) -> list:
    """Statements of disagreement, shown with the child's record to staff and family alike."""
    return queries.statements_for(student_id)


# --- helpers -----------------------------------------------------------------------------------


def _family_request_or_404(records_request_id: int):
    """The family's own request, for a rights holder of the child only."""
    records_request = records_request_or_404(current_user, records_request_id)
    if not may_act_for_family(current_user, records_request):
        deny(current_user, f"records_request:{records_request.id}", records_request.student_id)
    return records_request


def _step_page(records_request, form, title: str):
    return render_template("records/step.html", rr=records_request, form=form, title=title)


def _to_detail(records_request):
    return redirect(url_for("records.detail", records_request_id=records_request.id))


def _unchanged_since_shown(records_request, form) -> None:
    """A decision is about the request as the page showed it; if someone acted on it since,
    nothing is saved and the "this request changed" page (409) says so."""
    try:
        seen = bounded_int(form.version.data or "")
    except ValueError:
        seen = None  # no version (or not a number) sent: the decision stands on its own
    if seen is not None and seen != records_request.version:
        raise StaleDataError(
            f"records request {records_request.id} is at version {records_request.version}"
        )


def _read_action(action: str = "records_request.view") -> str | None:
    """A POST is audited by its operation; only the GET that shows the record is a read."""
    return None if request.method == "POST" else action
