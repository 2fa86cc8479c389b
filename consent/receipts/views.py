"""The privacy office checks a receipt's verification code: genuine and unchanged, genuine but
the decision changed since, or no decision matches. Every check is audited, and the form is
rate-limited: codes are short enough to read aloud, so they must not be guessable by trying."""

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from consent.access import allowed_or_404, may_verify_receipts
from consent.audit.operations import record
from consent.core.gates import STAFF, roles_required
from consent.extensions import limiter
from consent.receipts.forms import VerifyForm
from consent.receipts.queries import verify

bp = Blueprint("receipts", __name__)


def _verify_limit() -> str:
    return current_app.config["RECEIPT_VERIFY_RATE_LIMIT"]


@bp.route("/receipts/verify", methods=["GET", "POST"])
@limiter.limit(_verify_limit, methods=["POST"])
@roles_required(*STAFF)
def check():
    """Enter a code; see whether it is genuine and the decision as recorded now."""
    allowed_or_404(current_user, may_verify_receipts, target="receipts.verify")
    form = VerifyForm()
    result = None
    if form.validate_on_submit():
        result = verify(form.code.data)
        receipt = result.receipt
        record(
            current_user,
            "receipt.verify",
            student_id=receipt.student_id if receipt is not None else None,
            target=f"receipt:{receipt.id if receipt is not None else 'none'}:{result.verdict}",
        )
    return render_template("receipts/verify.html", form=form, result=result)
