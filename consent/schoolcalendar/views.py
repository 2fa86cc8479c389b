"""The privacy office keeps the district calendar: the closures every deadline skips."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from consent.access import allowed_or_404, closure_or_404, may_keep_calendar
from consent.core import clock
from consent.core.transaction import run
from consent.core.urls import bounded_int
from consent.extensions import db
from consent.schoolcalendar.days import school_year_start
from consent.schoolcalendar.forms import ClosureForm, ConfirmForm
from consent.schoolcalendar.models import Closure
from consent.schoolcalendar.operations import add_closures, remove_closure

bp = Blueprint("schoolcalendar", __name__)


@bp.route("/calendar", methods=["GET", "POST"])
@login_required
def closures():
    """The closures of this school year (or all), and the form to add more."""
    allowed_or_404(current_user, may_keep_calendar, target="calendar")
    form = ClosureForm()
    if form.validate_on_submit():
        added = run(
            add_closures,
            show_on=form.first_day,
            first_day=form.first_day.data,
            last_day=form.last_day.data,
            reason=form.reason.data,
        )
        if added:
            flash(
                ngettext(
                    "%(num)s school day closed.",
                    "%(num)s school days closed.",
                    len(added.value.closures),
                ),
                "success",
            )
            _flash_moved(added.value.moved)
            return redirect(url_for("schoolcalendar.closures"))
    show_all = request.args.get("all") == "1"
    query = select(Closure).order_by(Closure.day, Closure.id)
    if not show_all:
        query = query.where(Closure.day >= school_year_start(clock.today()))
    page = db.paginate(
        query,
        page=request.args.get("page", 1, type=bounded_int),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template("schoolcalendar/closures.html", form=form, page=page, show_all=show_all)


@bp.route("/calendar/closures/<int:closure_id>/remove", methods=["GET", "POST"])
@login_required
def remove(closure_id: int):
    """Ask first, then make the day a school day again."""
    closure = closure_or_404(current_user, closure_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        day = closure.day
        removed = run(remove_closure, closure=closure)
        if removed:
            flash(_("%(day)s is a school day again.", day=format_date(day, "full")), "success")
            _flash_moved(removed.value)
        return redirect(url_for("schoolcalendar.closures"))
    return render_template("schoolcalendar/remove.html", closure=closure, form=form)


def _flash_moved(moved: int) -> None:
    if moved:
        flash(
            ngettext(
                "The due dates of %(num)s open request moved; its timeline says so.",
                "The due dates of %(num)s open requests moved; each timeline says so.",
                moved,
            ),
            "info",
        )
