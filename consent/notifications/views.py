from flask import Blueprint, current_app, render_template, request
from flask_login import current_user, login_required

from consent.extensions import db
from consent.notifications.queries import inbox as inbox_query

bp = Blueprint("notifications", __name__)


@bp.get("/inbox")
@login_required
def inbox():
    page = db.paginate(
        inbox_query(current_user),
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template("notifications/inbox.html", page=page)
