from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext, refresh
from flask_login import current_user, login_required, login_user, logout_user

from consent.access import reads_are_audited
from consent.accounts import invitations, operations, sessions, sso, totp
from consent.accounts.forms import (
    ChangePasswordForm,
    CodeForm,
    EmptyForm,
    EnrolForm,
    ForgotPasswordForm,
    LanguageForm,
    RenewRecoveryCodesForm,
    ResetPasswordForm,
    ResetSecondFactorForm,
    SignInForm,
    TurnOffForm,
)
from consent.accounts.models import Account, Role
from consent.audit.operations import record
from consent.core import clock
from consent.core.downloads import stream_download
from consent.core.gates import roles_required
from consent.core.i18n import available_locales
from consent.core.transaction import need_write_lock, remember_reads_write, run
from consent.core.urls import safe_next
from consent.extensions import limiter

bp = Blueprint("accounts", __name__)


def _signin_limit() -> str:
    return current_app.config["SIGNIN_RATE_LIMIT"]


def _user_agent() -> str:
    return request.user_agent.string


def _begin_session(account: Account) -> None:
    """A fresh cookie for the server-side session the operation started (and `run` committed):
    nothing from before sign-in carries over."""
    session.clear()
    login_user(account, remember=False)
    session.permanent = True
    remember_reads_write(reads_are_audited(account))


@bp.route("/signin", methods=["GET", "POST"])
@limiter.limit(_signin_limit, methods=["POST"])
def signin():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = SignInForm()
    if form.validate_on_submit():
        # Committed whatever the outcome: a refused sign-in must be counted.
        result = run(
            operations.sign_in_browser,
            email=form.email.data,
            password=form.password.data,
            user_agent=_user_agent(),
        ).value
        if result.outcome is operations.Outcome.SIGNED_IN:
            _begin_session(result.account)
            return redirect(safe_next(request.args.get("next"), url_for("core.home")))
        if result.outcome in (operations.Outcome.SECOND_FACTOR, operations.Outcome.ENROL):
            _await_second_step(result.account)
            if result.outcome is operations.Outcome.ENROL:
                return redirect(url_for("accounts.signin_enrol"))
            return redirect(url_for("accounts.signin_code"))
        if result.outcome is operations.Outcome.LOCKED:
            form.password.errors.append(
                _(
                    "Too many failed sign-ins for this email address: sign-in is paused for up "
                    "to an hour. Resetting your password lets you in at once."
                )
            )
        else:
            form.password.errors.append(_("That email and password do not match an account."))
    return render_template(
        "accounts/signin.html",
        form=form,
        sso_provider=sso.provider_name(),
        staff_passwords=current_app.config["STAFF_PASSWORD_SIGNIN"],
    )


def _sso_problem(problem: str, status: int):
    return (
        render_template("accounts/sso_problem.html", problem=problem, provider=sso.provider_name()),
        status,
    )


@bp.get("/signin/sso")
@limiter.limit(_signin_limit)
def signin_sso():
    """Off to the district's provider; it sends the browser back to `signin_sso_callback`."""
    if not sso.configured():
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    try:
        return sso.authorize_redirect()
    except sso.ProviderDown:
        return _sso_problem("down", 503)


@bp.get("/signin/sso/callback")
@limiter.limit(_signin_limit)
def signin_sso_callback():
    """Back from the provider: check its answer, match the person to the roster, sign in."""
    if not sso.configured():
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    need_write_lock()  # a GET that signs in: audit rows and a session are written
    try:
        claims = sso.verified_claims()
    except sso.ProviderDown:
        return _sso_problem("down", 503)
    except sso.ProviderAnswerRefused as error:
        run(sso.record_failure, reason=str(error))
        return _sso_problem("refused", 400)
    result = run(sso.sign_in_with_claims, claims=claims, user_agent=_user_agent()).value
    if result.outcome is not sso.Outcome.SIGNED_IN:
        return _sso_problem(result.outcome.value, 403)
    _begin_session(result.account)
    session[sso.SIGNED_IN_WITH_SSO] = True
    return redirect(url_for("core.home"))


# --- the second step of a password sign-in (consent.accounts.totp) -------------------------
#
# Between the password and the code the browser is signed in to nothing: no server-side session
# exists, so every page still sends it to /signin. The signed cookie only remembers whose
# password was accepted (and the first part of the account's session token, which a password
# change replaces), for SECOND_STEP_MINUTES.

PENDING = "second_step"
SECOND_STEP_MINUTES = 10


def _await_second_step(account: Account) -> None:
    session.clear()
    session[PENDING] = {
        "a": account.id,
        "t": account.session_token[:16],
        "at": clock.now().timestamp(),
        "next": safe_next(request.args.get("next"), url_for("core.home")),
    }


def _pending() -> Account | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    started = pending.get("at")
    if not isinstance(started, float | int) or (
        clock.now().timestamp() - started > SECOND_STEP_MINUTES * 60
    ):
        return None
    return operations.pending_account(pending.get("a"), pending.get("t"))


def _start_again():
    session.pop(PENDING, None)
    flash(_("Sign in again: the time for the second step ran out."), "info")
    return redirect(url_for("accounts.signin"))


def _second_step_refused(form, outcome) -> None:
    if outcome is operations.Outcome.LOCKED:
        form.code.errors.append(
            _(
                "Too many failed sign-ins for this email address: sign-in is paused for up "
                "to an hour. Resetting your password lets you in at once."
            )
        )
    else:
        form.code.errors.append(_("That code does not match. Codes change every 30 seconds."))


@bp.route("/signin/code", methods=["GET", "POST"])
@limiter.limit(_signin_limit, methods=["POST"])
def signin_code():
    """After the password: the code from the app, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    account = _pending()
    if account is None:
        return _start_again()
    if not account.has_second_factor:
        return redirect(url_for("accounts.signin_enrol"))
    form = CodeForm()
    if form.validate_on_submit():
        result = run(
            operations.confirm_second_factor,
            account=account,
            code=form.code.data,
            user_agent=_user_agent(),
        ).value
        if result.outcome is operations.Outcome.SIGNED_IN:
            target = session[PENDING]["next"]
            _begin_session(result.account)
            return redirect(target)
        _second_step_refused(form, result.outcome)
    return render_template("accounts/signin_code.html", form=form)


@bp.route("/signin/enrol", methods=["GET", "POST"])
@limiter.limit(_signin_limit, methods=["POST"])
def signin_enrol():
    """After the password, for a role that must have a second factor and has none yet: set it
    up before anything else."""
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    account = _pending()
    if account is None or account.has_second_factor:
        return _start_again()
    pending = session[PENDING]
    if "secret" not in pending:
        pending["secret"] = totp.new_secret()
        session.modified = True
    form = EnrolForm()
    if form.validate_on_submit():
        result = run(
            operations.enrol_at_sign_in,
            account=account,
            secret=pending["secret"],
            code=form.code.data,
            user_agent=_user_agent(),
        ).value
        if result.outcome is operations.Outcome.SIGNED_IN:
            target = pending["next"]
            _begin_session(result.account)
            return render_template(
                "accounts/recovery_codes.html", codes=result.recovery_codes, next=target
            )
        _second_step_refused(form, result.outcome)
    return render_template(
        "accounts/enrol.html", form=form, required=True, **_enrolment(pending["secret"], account)
    )


def _enrolment(secret: str, account: Account) -> dict:
    uri = totp.provisioning_uri(secret, account.email)
    return {
        "qr": totp.qr_svg(uri, label=_("QR code for your authenticator app")),
        "key": totp.grouped(secret),
    }


@bp.route("/account/second-factor", methods=["GET", "POST"])
@login_required
def second_factor():
    """Turn on the second factor from the Account page (optional for most accounts)."""
    if current_user.has_second_factor:
        return redirect(url_for("accounts.account_page"))
    secret = session.get("enrol_secret")
    if not isinstance(secret, str):
        secret = session["enrol_secret"] = totp.new_secret()
    form = EnrolForm()
    if form.validate_on_submit() and (
        turned_on := run(
            operations.turn_on_second_factor, show_on=form.code, secret=secret, code=form.code.data
        )
    ):
        session.pop("enrol_secret", None)
        return render_template(
            "accounts/recovery_codes.html",
            codes=turned_on.value,
            next=url_for("accounts.account_page"),
        )
    return render_template(
        "accounts/enrol.html", form=form, required=False, **_enrolment(secret, current_user)
    )


@bp.post("/account/second-factor/off")
@login_required
def second_factor_off():
    form = TurnOffForm()
    if form.validate_on_submit() and run(operations.turn_off_second_factor, code=form.code.data):
        flash(_("The second factor is off. Sign-in asks for your password only."), "success")
        return redirect(url_for("accounts.account_page"))
    if not form.code.errors:
        form.code.errors.append(_("Type the code your app shows now."))
    return _account_page(off_form=form)


@bp.post("/account/second-factor/recovery-codes")
@login_required
def renew_recovery_codes():
    if not current_user.has_second_factor:
        return redirect(url_for("accounts.account_page"))
    form = RenewRecoveryCodesForm(prefix="renew")
    if form.validate_on_submit() and (
        renewed := run(operations.renew_recovery_codes, show_on=form.code, code=form.code.data)
    ):
        return render_template(
            "accounts/recovery_codes.html",
            codes=renewed.value,
            renewed=True,
            next=url_for("accounts.account_page"),
        )
    return _account_page(renew_form=form)


@bp.route("/accounts/second-factor-reset", methods=["GET", "POST"])
@roles_required(Role.PRIVACY_OFFICER)
def reset_second_factor():
    """The privacy office resets the second factor of a person who lost their phone."""
    form = ResetSecondFactorForm()
    if form.validate_on_submit() and run(
        operations.reset_second_factor, show_on=form.email, email=form.email.data
    ):
        flash(
            _(
                "Their second factor is reset, and they are emailed. Where it is required, "
                "they set it up again at their next sign-in."
            ),
            "success",
        )
        return redirect(url_for("accounts.reset_second_factor"))
    return render_template("accounts/reset_second_factor.html", form=form)


@bp.post("/signout")
@login_required
def signout():
    form = EmptyForm()
    if form.validate_on_submit() and run(operations.sign_out):
        with_provider = session.get(sso.SIGNED_IN_WITH_SSO)
        logout_user()
        session.clear()
        flash(_("You are signed out."), "info")
        # Signed in through the provider: end the provider's session too, where it offers to.
        signin_page = current_app.config["PUBLIC_URL"].rstrip("/") + url_for("accounts.signin")
        if with_provider and (provider_signout := sso.end_session_url(signin_page)):
            return redirect(provider_signout)
    return redirect(url_for("accounts.signin"))


@bp.get("/account")
@login_required
def account_page():
    """The person's own account: their signed-in browsers, and a way to end the others."""
    return _account_page()


def _account_page(*, language_form=None, off_form=None, renew_form=None):
    return render_template(
        "accounts/account.html",
        sessions=sessions.live_sessions(current_user),
        this_session=sessions.current(),
        form=EmptyForm(),
        language_form=language_form or _language_form(),
        second_factor_required=totp.required_for(current_user),
        recovery_codes_left=(
            totp.recovery_codes_left(current_user) if current_user.has_second_factor else 0
        ),
        off_form=off_form or TurnOffForm(formdata=None),
        renew_form=renew_form or RenewRecoveryCodesForm(formdata=None, prefix="renew"),
    )


def _language_form() -> LanguageForm | None:
    """Guardians choose their language; staff pages are in the district's language."""
    if current_user.guardian is None:
        return None
    form = LanguageForm(language=current_user.language).for_languages(available_locales())
    return form if len(form.language.choices) > 1 else None


@bp.post("/account/language")
@login_required
def change_language():
    form = _language_form()
    if form is None:
        return redirect(url_for("accounts.account_page"))
    language = form.language.data
    if form.validate_on_submit() and run(operations.set_language, language=language).value:
        refresh()  # the message below is said in the language just chosen
        flash(_("Your language is saved."), "success")
        return redirect(url_for("accounts.account_page"))
    return _account_page(language_form=form)


@bp.post("/account/sessions/end-others")
@login_required
def end_other_sessions():
    form = EmptyForm()
    if form.validate_on_submit() and (signed_out := run(operations.sign_out_other_sessions)):
        ended = signed_out.value
        flash(
            ngettext(
                "%(num)s other session is signed out.",
                "%(num)s other sessions are signed out.",
                ended,
            )
            if ended
            else _("No other session was signed in."),
            "success",
        )
    return redirect(url_for("accounts.account_page"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.limit(_signin_limit, methods=["POST"])
def change_password():
    form = ChangePasswordForm(account_email=current_user.email)
    if form.validate_on_submit():
        account = current_user._get_current_object()
        # Committed either way: a refused attempt is audited.
        changed = run(
            operations.change_password,
            current_password=form.current.data,
            new_password=form.password.data,
            user_agent=_user_agent(),
        )
        if changed.value:
            # This browser gets the cookie of the new session the change started.
            _begin_session(account)
            flash(_("Your password is changed. Your other sessions are signed out."), "success")
            return redirect(url_for("accounts.account_page"))
        form.current.errors.append(_("That is not your current password."))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_signin_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit() and run(operations.request_password_reset, email=form.email.data):
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
    form = ResetPasswordForm(account_email=account.email)
    if form.validate_on_submit() and run(
        operations.reset_password, account=account, password=form.password.data
    ):
        logout_user()
        session.clear()
        flash(_("Your password is changed. Sign in with the new one."), "info")
        return redirect(url_for("accounts.signin"))
    return render_template("accounts/reset.html", form=form)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """A person invited from the roster chooses a password; the account is theirs at once."""
    person = invitations.person_for_token(token)
    if person is None:
        return render_template("accounts/invitation_invalid.html"), 404
    form = ResetPasswordForm(account_email=person.email)
    if form.validate_on_submit() and (
        accepted := run(
            invitations.accept, person=person, password=form.password.data, user_agent=_user_agent()
        )
    ):
        if totp.required_for(accepted.value):
            _await_second_step(accepted.value)
            return redirect(url_for("accounts.signin_enrol"))
        _begin_session(accepted.value)
        flash(_("Welcome. Your account is ready."), "success")
        return redirect(url_for("core.home"))
    return render_template("accounts/invitation.html", form=form, person=person)


@bp.route("/accounts/invitations", methods=["GET", "POST"])
@roles_required(Role.PRIVACY_OFFICER)
def invitations_page():
    """The privacy office invites everyone on the roster who has no account yet."""
    form = EmptyForm()
    if form.validate_on_submit() and (sent := run(invitations.send_invitations)):
        report = sent.value
        flash(
            _(
                "%(sent)s invitations are on their way. %(missing)s guardians have no email "
                "address: download the list to reach them on paper.",
                sent=report.sent,
                missing=len(report.without_email),
            ),
            "success",
        )
        return redirect(url_for("accounts.invitations_page"))
    return render_template("accounts/invitations.html", form=form, **invitations.counts())


@bp.get("/accounts/invitations/no-email.csv")
@roles_required(Role.PRIVACY_OFFICER)
def guardians_without_email_csv():
    """Guardians the schools must reach on paper, streamed so a district-sized list fits. The
    export's audit row is committed with the request (commit_request) before the list leaves."""
    record(current_user, "export.guardians_without_email")
    return Response(
        stream_download(invitations.without_email_csv_rows()),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=guardians-without-email.csv"},
    )
