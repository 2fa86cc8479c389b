"""Accounts: sign-in, sign-out and password reset for guardians and staff."""

from flask import Flask
from sqlalchemy import select

from consent.accounts.models import Account
from consent.extensions import db, login_manager


def init_app(app: Flask) -> None:
    from consent.accounts.cli import cli
    from consent.accounts.views import bp

    app.register_blueprint(bp)
    app.cli.add_command(cli)
    login_manager.login_view = "accounts.signin"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_account(session_token: str) -> Account | None:
        return db.session.scalar(
            select(Account).where(Account.session_token == session_token, Account.active.is_(True))
        )
