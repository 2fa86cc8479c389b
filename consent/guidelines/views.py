"""The General Use Guidelines: the office edits the checklist; a class's teacher answers it to
use a tool pending review; teachers, principals and the office list those uses. Each view:
gate, load through a loader, validate, one operation, one commit, redirect."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consent.access import (
    allowed_or_404,
    deny,
    may_keep_guidelines,
    may_list_guideline_uses,
    may_use_under_guidelines,
    section_or_404,
    visible_guideline_uses,
)
from consent.core.gates import STAFF, roles_required
from consent.core.transaction import run
from consent.core.urls import bounded_int
from consent.extensions import db
from consent.guidelines import operations, queries
from consent.guidelines.forms import ChecklistForm, GuidelineUseForm
from consent.guidelines.models import GuidelineStatus

bp = Blueprint("guidelines", __name__)
# The class's tools page offers the checklist to the class's own teachers.
bp.add_app_template_global(may_use_under_guidelines)


@bp.app_template_global()
def guideline_confirmed(sections, tools) -> dict[int, list[str]]:
    """For the child's page: tool id -> what the class's teacher confirmed, for each tool the
    child uses while it is being reviewed."""
    pending = [e.tool.id for e in tools if e.tool.vetting_status.value == "pending"]
    if not pending:
        return {}
    return queries.confirmed_for_child([s.id for s in sections], pending)


@bp.route("/guidelines", methods=["GET", "POST"])
@roles_required(*STAFF)
def edit():
    """The office's checklist, one statement a line."""
    allowed_or_404(current_user, may_keep_guidelines, target="guidelines")
    items = operations.current_items()
    form = ChecklistForm()
    if request.method == "GET":
        form.items.data = "\n".join(item.text for item in items)
    if form.validate_on_submit() and run(
        operations.save_checklist, show_on=form.items, lines=form.items.data.splitlines()
    ):
        flash(_("Saved. Teachers answer the new guidelines from now on."), "success")
        return redirect(url_for("guidelines.edit"))
    return render_template("guidelines/edit.html", form=form, items=items)


@bp.route("/sections/<int:section_id>/guideline-use", methods=["GET", "POST"])
@roles_required(*STAFF)
def start(section_id: int):
    """A class's teacher answers the checklist to use a tool that waits for review."""
    section = section_or_404(current_user, section_id)
    if not may_use_under_guidelines(current_user, section):
        deny(current_user, f"section:{section.id}:guideline-use")
    pending = queries.pending_requests()
    items = operations.current_items()
    form = GuidelineUseForm().for_requests(pending).for_items(items)
    if form.validate_on_submit():
        chosen = next((r for r in pending if str(r.id) == form.request.data), None)
        if chosen is None:
            form.request.errors = [*form.request.errors, _("Choose one of the tools listed.")]
        else:
            name = chosen.name
            started = run(
                operations.start_use,
                show_on=form.items,
                section=section,
                request=chosen,
                confirmed=form.confirmed(),
            )
            if started:
                flash(
                    _(
                        "%(tool)s is in use in %(section)s under the guidelines, pending review.",
                        tool=name,
                        section=section.title,
                    ),
                    "success",
                )
                return redirect(url_for("vetting.section_tools", section_id=section.id))
    return render_template(
        "guidelines/start.html", section=section, form=form, items=items, pending=pending
    )


@bp.get("/guideline-uses")
@roles_required(*STAFF)
def uses():
    """Class uses under the guidelines: a teacher's own, a principal's school's, every one for
    the office; pending review, or settled by the committee's decision."""
    allowed_or_404(current_user, may_list_guideline_uses, target="guideline_uses")
    settled = request.args.get("settled") == "1"
    page = db.paginate(
        queries.listed(visible_guideline_uses(current_user), settled=settled),
        page=request.args.get("page", 1, type=bounded_int),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template(
        "guidelines/uses.html", page=page, settled=settled, Status=GuidelineStatus
    )
