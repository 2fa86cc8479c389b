"""Accounts: sign-in, sign-out, sessions and passwords for guardians and staff."""

import logging

from flask import Flask
from flask_login import current_user

from consent.accounts.models import Account, AccountSession, SignInFailure
from consent.extensions import login_manager

log = logging.getLogger(__name__)

__all__ = ["Account", "AccountSession", "SignInFailure", "init_app"]


def init_app(app: Flask) -> None:
    # Imported here, not at the top: sessions reads through the access gate, which reads
    # accounts.models, so importing the package must not import sessions (see test_layers).
    from consent.accounts import sessions
    from consent.accounts.cli import cli
    from consent.accounts.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(cli)
    login_manager.login_view = "accounts.signin"
    login_manager.login_message = None
    login_manager.session_protection = "basic"
    _name_the_session_cookie(app)

    # Flask-Login hands over what the cookie holds (a session key, also from a remember-me
    # cookie, which we never set): only a live server-side session signs anyone in.
    login_manager.user_loader(sessions.load)
    app.add_template_filter(sessions.device_label, "device")

    @app.before_request
    def _keep_session_alive():
        if current_user.is_authenticated:
            sessions.touch()


def _name_the_session_cookie(app: Flask) -> None:
    """`__Host-` binds the cookie to this exact host over HTTPS (no subdomain can set or read
    it). Browsers refuse such a cookie without Secure, so plain-HTTP development drops it."""
    name = app.config["SESSION_COOKIE_NAME"]
    if name.startswith("__Host-") and not app.config["SESSION_COOKIE_SECURE"]:
        app.config["SESSION_COOKIE_NAME"] = name.removeprefix("__Host-")
    elif name.startswith("__Host-"):
        app.config["SESSION_COOKIE_PATH"] = "/"
        app.config["SESSION_COOKIE_DOMAIN"] = None
