"""The home page sends each person to their own start, and the health check for balancers."""

from flask import Blueprint, redirect, url_for
from flask_login import current_user, login_required
from sqlalchemy import text

from consent.accounts.models import Role
from consent.extensions import db

bp = Blueprint("core", __name__)

START_PAGES = {
    Role.GUARDIAN: "roster.children",
    Role.TEACHER: "optouts.tasks",
    Role.PRINCIPAL: "optouts.requests",
    Role.PRIVACY_OFFICER: "optouts.requests",
}


@bp.get("/")
@login_required
def home():
    return redirect(url_for(START_PAGES[current_user.role]))


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return {"status": "database unavailable"}, 503
    return {"status": "ok"}
