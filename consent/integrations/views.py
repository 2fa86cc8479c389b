"""The privacy office's integration tokens: list, make (the secret shown once), revoke."""

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from consent.access import allowed_or_404, integration_or_404, may_manage_integrations
from consent.accounts.models import Role
from consent.core import clock, transaction
from consent.core.gates import roles_required
from consent.core.urls import bounded_int
from consent.extensions import db
from consent.integrations.forms import SCOPE_LABELS, NewTokenForm, RevokeForm
from consent.integrations.models import Scope
from consent.integrations.operations import create_token, revoke_token
from consent.integrations.queries import school_choices, token_list

bp = Blueprint("integrations", __name__)

PAGE_SIZE = 25
DISTRICT = "district"


def _gate() -> None:
    allowed_or_404(current_user, may_manage_integrations, target="integrations")


@bp.get("/integrations")
@roles_required(Role.PRIVACY_OFFICER)
def tokens():
    _gate()
    page = db.paginate(
        token_list(),
        page=request.args.get("page", 1, type=bounded_int),
        per_page=current_app.config.get("INTEGRATIONS_PAGE_SIZE", PAGE_SIZE),
        error_out=False,
    )
    return render_template("integrations/list.html", page=page, today=clock.today())


@bp.route("/integrations/new", methods=["GET", "POST"])
@roles_required(Role.PRIVACY_OFFICER)
def new():
    _gate()
    form = NewTokenForm()
    form.school.choices = [SelectChoice(DISTRICT, _("The whole district"))] + [
        SelectChoice(str(school_id), name) for school_id, name in school_choices()
    ]
    if form.validate_on_submit():
        school = form.school.data
        outcome = transaction.run(
            create_token,
            show_on=form,
            name=form.name.data,
            scopes=form.scopes.data,
            school_id=None if school in (DISTRICT, None, "") else int(school),
            expires_on=form.expires_on.data,
        )
        if outcome:
            made = outcome.value
            response = make_response(
                render_template(
                    "integrations/shown_once.html",
                    token=made.token,
                    secret=made.secret,
                    scope_labels=SCOPE_LABELS,
                    api_url=url_for("api.students", _external=True),
                )
            )
            # The secret exists only in this answer: never kept by a cache or the browser.
            response.headers["Cache-Control"] = "no-store"
            return response
    return render_template("integrations/new.html", form=form)


@bp.get("/integrations/<int:token_id>")
@roles_required(Role.PRIVACY_OFFICER)
def detail(token_id: int):
    token = integration_or_404(current_user, token_id)
    return render_template(
        "integrations/detail.html",
        token=token,
        scopes=[SCOPE_LABELS[scope] for scope in Scope if scope in token.scope_set],
        today=clock.today(),
    )


@bp.route("/integrations/<int:token_id>/revoke", methods=["GET", "POST"])
@roles_required(Role.PRIVACY_OFFICER)
def revoke(token_id: int):
    """A confirmation step, then the token stops working at once."""
    token = integration_or_404(current_user, token_id)
    form = RevokeForm()
    if form.validate_on_submit():
        if transaction.run(revoke_token, token=token):
            flash(_("The token is revoked: the system can no longer read anything with it."))
            return redirect(url_for("integrations.detail", token_id=token_id))
        return redirect(url_for("integrations.detail", token_id=token_id))
    return render_template("integrations/revoke.html", token=token, form=form)
