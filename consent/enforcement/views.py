"""The privacy office's vendor roster checks: upload a vendor's export for a tool, read what
each check found (the students still in the vendor's roster, by school)."""

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from consent.access import (
    allowed_or_404,
    may_check_vendor_rosters,
    roster_check_or_404,
    tool_or_404,
)
from consent.accounts.models import Role
from consent.audit.operations import record_many
from consent.core import transaction
from consent.core.gates import roles_required
from consent.core.urls import bounded_int
from consent.enforcement.exports import saved_upload
from consent.enforcement.forms import RosterCheckForm
from consent.enforcement.operations import check_roster
from consent.enforcement.queries import (
    check_list,
    still_present,
    still_present_by_school,
    tool_choices,
)
from consent.extensions import db

bp = Blueprint("enforcement", __name__)

PAGE_SIZE = 25
STUDENTS_PAGE_SIZE = 50


@bp.route("/roster-checks", methods=["GET", "POST"])
@roles_required(Role.PRIVACY_OFFICER)
def checks():
    allowed_or_404(current_user, may_check_vendor_rosters, target="roster_checks")
    form = RosterCheckForm()
    form.tool.choices = [SelectChoice(tool_id, name) for tool_id, name in tool_choices()]
    if form.validate_on_submit():
        tool = tool_or_404(current_user, form.tool.data)
        upload = form.export.data
        path = saved_upload(upload)
        try:
            outcome = transaction.run(
                check_roster,
                show_on=form.export,
                tool=tool,
                path=path,
                source_name=upload.filename or "",
                vendor=form.vendor.data or "",
            )
        finally:
            path.unlink(missing_ok=True)
        if outcome:
            return redirect(url_for("enforcement.check", check_id=outcome.value.id))
    page = db.paginate(
        check_list(),
        page=request.args.get("page", 1, type=bounded_int),
        per_page=current_app.config.get("ROSTER_CHECKS_PAGE_SIZE", PAGE_SIZE),
        error_out=False,
    )
    return render_template("enforcement/checks.html", form=form, page=page)


@bp.get("/roster-checks/<int:check_id>")
@roles_required(Role.PRIVACY_OFFICER)
def check(check_id: int):
    found = roster_check_or_404(current_user, check_id)
    page = db.paginate(
        still_present(found.id),
        page=request.args.get("page", 1, type=bounded_int),
        per_page=current_app.config.get("ROSTER_CHECK_STUDENTS_PAGE_SIZE", STUDENTS_PAGE_SIZE),
        error_out=False,
    )
    if page.items:
        record_many(
            current_user,
            "enforcement.roster_check.view",
            [f.student_id for f in page.items],
            target=f"roster_check:{found.id}",
        )
    return render_template(
        "enforcement/check.html",
        check=found,
        page=page,
        by_school=still_present_by_school(found.id),
    )
