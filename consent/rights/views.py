from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from consent.access import student_or_404
from consent.accounts.forms import EmptyForm
from consent.accounts.models import Role
from consent.core.gates import roles_required
from consent.core.i18n import available_locales
from consent.core.transaction import run
from consent.notice.queries import for_reader
from consent.rights import operations

bp = Blueprint("rights", __name__)


@bp.get("/rights")
def rights():
    """Public: the annual notice of rights (34 CFR 99.7) must reach every family, in the
    district's words (the privacy office's current version) and in the reader's language."""
    notice = for_reader(str(get_locale()), available_locales(), current_app.config)
    return render_template("rights/rights.html", notice=notice)


@bp.post("/students/<int:student_id>/tax-dependent")
@roles_required(Role.PRIVACY_OFFICER)
def tax_dependent(student_id: int):
    """The office marks a student a dependent for tax purposes (99.31(a)(8)), or removes the
    mark: after 18 the parents may then still see the student's records, but not decide."""
    student = student_or_404(current_user, student_id)
    if EmptyForm().validate_on_submit() and run(
        operations.mark_tax_dependent, student=student, dependent=not student.tax_dependent
    ):
        if student.tax_dependent:
            flash(_("Marked a dependent for tax purposes."), "success")
        else:
            flash(_("No longer marked a dependent for tax purposes."), "success")
    return redirect(url_for("roster.student", student_id=student.id))
