from flask import Blueprint, current_app, render_template, request
from flask_login import current_user, login_required

from consent.access import allowed_or_404, may_watch_outbox, message_or_404, unread_count
from consent.core.gates import STAFF, roles_required
from consent.core.transaction import run
from consent.core.urls import bounded_int
from consent.extensions import db
from consent.notifications import operations
from consent.notifications.models import DeliveryStatus
from consent.notifications.queries import failed_messages, oldest_pending, outbox_counts
from consent.notifications.queries import inbox as inbox_query

bp = Blueprint("notifications", __name__)


@bp.get("/inbox")
@login_required
def inbox():
    page = db.paginate(
        inbox_query(current_user),
        page=request.args.get("page", 1, type=bounded_int),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template("notifications/inbox.html", page=page)


@bp.get("/inbox/<int:message_id>")
@login_required
def message(message_id: int):
    """One message whole, as it was emailed; opening it marks it read."""
    found = message_or_404(current_user, message_id)
    opened = run(operations.mark_read, message=found)
    if opened.value:
        current_user.unread_messages = unread_count(current_user)
    return render_template("notifications/message.html", message=found)


@bp.get("/outbox")
@roles_required(*STAFF)
def outbox():
    """Is email getting out? Messages waiting, sent, and those the worker gave up on."""
    allowed_or_404(current_user, may_watch_outbox, target="outbox")
    page = db.paginate(
        failed_messages(),
        page=request.args.get("page", 1, type=bounded_int),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template(
        "notifications/outbox.html",
        counts=outbox_counts(),
        oldest_pending=oldest_pending(),
        page=page,
        DeliveryStatus=DeliveryStatus,
        give_up_hours=current_app.config["NOTIFICATION_GIVE_UP_AFTER_HOURS"],
    )
