"""Vetting requests (any staff member asks, the privacy office decides) and tool-use
declarations (teachers for their classes, the privacy office for schools and the district).
Each view: gate, load through a loader, validate, one operation, one commit, redirect."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from consent.access import (
    allowed_or_404,
    deny,
    may_decide_vetting,
    may_declare_for_section,
    may_declare_wide_use,
    section_or_404,
    tool_use_or_404,
    vetting_request_or_404,
)
from consent.catalog.models import LegalBasis, Tool
from consent.core import clock
from consent.core.gates import STAFF, roles_required
from consent.core.transaction import run
from consent.core.urls import bounded_int
from consent.extensions import db
from consent.roster.models import School
from consent.vetting import operations, queries, review, review_context, review_queries
from consent.vetting.forms import DecisionForm, EndUseForm, UseForm, VettingRequestForm, WideUseForm
from consent.vetting.models import RequestStatus

bp = Blueprint("vetting", __name__)


def _page(query):
    return db.paginate(
        query,
        page=request.args.get("page", 1, type=bounded_int),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )


# --- vetting requests ------------------------------------------------------------------------


@bp.route("/vetting/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def new():
    form = VettingRequestForm()
    if form.validate_on_submit():
        sent = run(
            operations.submit_request,
            show_on=form.name,
            name=form.name.data,
            website=form.website.data,
            vendor=form.vendor.data or "",
            privacy_policy_url=form.privacy_policy_url.data or "",
            purpose=form.purpose.data,
            grades=form.grades.data,
            student_use=form.student_use.data,
            student_data=form.student_data.data,
        )
        if sent:
            flash(
                _(
                    "Sent. The privacy office will review %(tool)s and tell you its decision.",
                    tool=sent.value.name,
                ),
                "success",
            )
            return redirect(url_for("vetting.detail", request_id=sent.value.id))
    return render_template("vetting/new.html", form=form)


@bp.get("/vetting")
@roles_required(*STAFF)
def mine():
    """My vetting requests: each with where its review stands."""
    page = _page(queries.my_requests(current_user))
    return render_template("vetting/mine.html", page=page)


@bp.get("/vetting/<int:request_id>")
@roles_required(*STAFF)
def detail(request_id: int):
    vetting_request = vetting_request_or_404(current_user, request_id)
    return render_template(
        "vetting/detail.html",
        vetting_request=vetting_request,
        **review_context.detail_context(vetting_request),
    )


@bp.get("/vetting/review")
@roles_required(*STAFF)
def queue():
    """The privacy office's review queue: waiting requests oldest first, or past decisions."""
    allowed_or_404(current_user, may_decide_vetting, target="vetting:review")
    decided = request.args.get("decided") == "1"
    page = _page(queries.review_queue(decided=decided))
    progress = review_queries.progress_of([r.id for r in page.items])
    return render_template("vetting/queue.html", page=page, decided=decided, progress=progress)


@bp.route("/vetting/<int:request_id>/decide", methods=["GET", "POST"])
@roles_required(*STAFF)
def decide(request_id: int):
    allowed_or_404(current_user, may_decide_vetting, target=f"vetting_request:{request_id}:decide")
    vetting_request = vetting_request_or_404(current_user, request_id)
    if vetting_request.decided:
        flash(_("This request has already been decided."), "error")
        return redirect(url_for("vetting.detail", request_id=vetting_request.id))
    form = DecisionForm()
    ready = review_context.ready_for_decision(vetting_request)
    if form.validate_on_submit():
        if form.decision.data == RequestStatus.MORE_INFORMATION.value:
            # The fourth answer: back to the requester, with the note as the question.
            if run(
                review.ask_for_information,
                show_on=form.note,
                request=vetting_request,
                question=form.note.data or "",
            ):
                flash(_("The request went back to its requester with your question."), "success")
                return redirect(url_for("vetting.queue"))
        else:
            decided = run(
                operations.decide,
                show_on=form.decision,
                request=vetting_request,
                decision=RequestStatus(form.decision.data),
                note=form.note.data or "",
                legal_basis=LegalBasis(form.legal_basis.data) if form.legal_basis.data else None,
            )
            if decided:
                tool = decided.value
                if tool is not None:
                    flash(
                        _(
                            "Decision recorded. %(tool)s is now in the catalog: complete its "
                            "entry (data collected, agreement, opt-out options).",
                            tool=tool.name,
                        ),
                        "success",
                    )
                else:
                    flash(_("Decision recorded. The requester has been told."), "success")
                return redirect(url_for("vetting.queue"))
    return render_template(
        "vetting/decide.html",
        vetting_request=vetting_request,
        form=form,
        ready=ready,
        reviews=review_queries.reviews_in_full(vetting_request),
        questions=review.questions_of(vetting_request),
    )


# --- tool uses: classes ----------------------------------------------------------------------


@bp.get("/classes/tools")
@roles_required(*STAFF)
def classes():
    """Every class the person may see, with the tools it uses now or will use."""
    today = clock.today()
    page = _page(queries.my_sections(current_user))
    sections = list(page.items)
    uses = queries.uses_by_section([s.id for s in sections], today)
    return render_template(
        "vetting/classes.html", page=page, sections=sections, uses=uses, today=today
    )


@bp.route("/sections/<int:section_id>/tools", methods=["GET", "POST"])
@roles_required(*STAFF)
def section_tools(section_id: int):
    """One class's tools: declared for the class, and those the district or school uses."""
    section = section_or_404(current_user, section_id)
    may_declare = may_declare_for_section(current_user, section)
    today = clock.today()
    tools = queries.usable_tools()
    form = UseForm().for_tools(tools)
    if request.method == "POST":
        if not may_declare:
            deny(current_user, f"section:{section.id}:tools")
        if form.validate_on_submit():
            tool = _declared(form, tools, today, section=section)
            if tool is not None:
                flash(
                    _("%(tool)s added to %(section)s.", tool=tool.name, section=section.title),
                    "success",
                )
                return redirect(url_for("vetting.section_tools", section_id=section.id))
    return render_template(
        "vetting/section.html",
        section=section,
        uses=queries.section_uses(section.id),
        wide=queries.wide_uses_reaching(section, today),
        form=form if may_declare else None,
        today=today,
    )


@bp.route("/tool-uses/<int:use_id>/end", methods=["GET", "POST"])
@roles_required(*STAFF)
def end_use(use_id: int):
    """Confirm, with the day it takes effect, before a tool stops being used."""
    use = tool_use_or_404(current_user, use_id)
    today = clock.today()
    form = EndUseForm()
    if request.method == "GET":
        form.stop_from.data = today
    back = (
        url_for("vetting.section_tools", section_id=use.section_id)
        if use.section_id
        else url_for("vetting.wide")
    )
    if form.validate_on_submit():
        name = use.tool.name
        if run(
            operations.end_use,
            show_on=form.stop_from,
            use=use,
            stop_from=form.stop_from.data,
            today=today,
        ):
            flash(_("%(tool)s is no longer in use there from that day.", tool=name), "success")
            return redirect(back)
    return render_template("vetting/end_use.html", use=use, form=form, back=back)


# --- tool uses: the privacy office ------------------------------------------------------------


@bp.route("/tool-uses", methods=["GET", "POST"])
@roles_required(*STAFF)
def wide():
    """District-wide and school-wide uses, and the form to add one."""
    allowed_or_404(current_user, may_declare_wide_use, target="tool_uses")
    today = clock.today()
    tools = queries.usable_tools()
    schools = list(db.session.scalars(select(School).order_by(School.name)))
    form = WideUseForm().for_tools(tools).for_schools(schools)
    if form.validate_on_submit():
        school = next((s for s in schools if str(s.id) == form.school.data), None)
        tool = _declared(form, tools, today, school=school)
        if tool is not None:
            flash(_("%(tool)s is now in use.", tool=tool.name), "success")
            return redirect(url_for("vetting.wide"))
    ended = request.args.get("ended") == "1"
    page = _page(queries.wide_uses(today, ended=ended))
    return render_template("vetting/wide.html", page=page, form=form, ended=ended, today=today)


@bp.get("/tool-uses/needs-action")
@roles_required(*STAFF)
def needs_action():
    """Tools still in use whose vetting status is no longer approved."""
    allowed_or_404(current_user, may_declare_wide_use, target="tool_uses:needs-action")
    today = clock.today()
    page = _page(queries.needs_action(today))
    return render_template(
        "vetting/needs_action.html",
        page=page,
        today=today,
        without_consent_form=queries.needs_consent_form(today),
    )


def _declared(form, tools: list[Tool], today, **where) -> Tool | None:
    """Put the chosen tool in use in a class, a school or the district (`where`) and commit;
    on a refusal nothing is saved, the message goes on the form, and None is returned."""
    tool = _chosen_tool(tools, form.tool.data)
    if tool is None:
        form.tool.errors = [*form.tool.errors, _("Choose one of the tools listed.")]
        return None
    declared = run(
        operations.declare_use,
        show_on=form.tool,
        tool=tool,
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        today=today,
        **where,
    )
    return tool if declared else None


def _chosen_tool(tools: list[Tool], value: str) -> Tool | None:
    """The tool picked in the form: one of those offered, else whatever tool the id names (a tool
    no longer approved is then refused by declare_use with its own message), else None."""
    tool = next((t for t in tools if str(t.id) == value), None)
    if tool is None and value.isdigit():
        tool = db.session.get(Tool, int(value))
    return tool
