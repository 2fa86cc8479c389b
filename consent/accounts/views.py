from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from consent.accounts import operations
from consent.accounts.forms import EmptyForm, ForgotPasswordForm, ResetPasswordForm, SignInForm
from consent.core.urls import safe_next
from consent.extensions import db, limiter

bp = Blueprint("accounts", __name__)


def _signin_limit() -> str:
    return current_app.config["SIGNIN_RATE_LIMIT"]


@bp.route("/signin", methods=["GET", "POST"])
@limiter.limit(_signin_limit, methods=["POST"])
def signin():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = SignInForm()
    if form.validate_on_submit():
        account = operations.authenticate(form.email.data, form.password.data)
        if account is None:
            db.session.commit()
            form.password.errors.append(_("That email and password do not match an account."))
        else:
            session.clear()
            login_user(account, remember=False)
            session.permanent = True
            db.session.commit()
            return redirect(safe_next(request.args.get("next"), url_for("core.home")))
    return render_template("accounts/signin.html", form=form)


@bp.post("/signout")
@login_required
def signout():
    form = EmptyForm()
    if form.validate_on_submit():
        logout_user()
        session.clear()
        flash(_("You are signed out."), "info")
    return redirect(url_for("accounts.signin"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_signin_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        operations.request_password_reset(form.email.data)
        db.session.commit()
        flash(
            _(
                "If that email belongs to an account, a reset link is on its way. "
                "It works for an hour."
            ),
            "info",
        )
        return redirect(url_for("accounts.signin"))
    return render_template("accounts/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    account = operations.account_for_reset_token(token)
    if account is None:
        return render_template("accounts/reset_invalid.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        operations.set_password(account, form.password.data)
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("Your password is changed. Sign in with the new one."), "info")
        return redirect(url_for("accounts.signin"))
    return render_template("accounts/reset.html", form=form)
