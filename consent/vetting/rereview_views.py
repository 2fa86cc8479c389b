"""The office's list of approved tools due to return to the committee, with their dates."""

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user
from sqlalchemy import select

from consent.access import allowed_or_404, may_follow_rereviews
from consent.core import clock
from consent.core.gates import STAFF, roles_required
from consent.core.urls import bounded_int
from consent.extensions import db
from consent.vetting.models import OPEN_STATUSES, RequestKind, VettingRequest
from consent.vetting.rereview import due_soon, next_review_on

bp = Blueprint("rereview", __name__)


@bp.get("/vetting/rereviews")
@roles_required(*STAFF)
def due():
    """Approved tools whose next review is within the notice period, soonest first, each with
    the re-review waiting for the committee, if one is."""
    allowed_or_404(current_user, may_follow_rereviews, target="vetting:rereviews")
    today = clock.today()
    page = db.paginate(
        due_soon(today),
        page=request.args.get("page", 1, type=bounded_int),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    tools = list(page.items)
    waiting = dict(
        db.session.execute(
            select(VettingRequest.tool_id, VettingRequest.id).where(
                VettingRequest.tool_id.in_([t.id for t in tools]),
                VettingRequest.kind == RequestKind.RE_REVIEW,
                VettingRequest.status.in_(OPEN_STATUSES),
            )
        ).all()
    )
    return render_template(
        "vetting/rereviews.html",
        page=page,
        rows=[(tool, next_review_on(tool), waiting.get(tool.id)) for tool in tools],
        today=today,
        notice_days=current_app.config["REVIEW_NOTICE_DAYS"],
    )
