"""Issuing receipts, in the transaction of the decision they record: the opt-out and form
operations call these, so a decision and its receipt commit (or roll back) together."""

from datetime import datetime

from consent.consentforms.models import ConsentAnswerEvent, ConsentForm, ConsentFormVersion
from consent.extensions import db
from consent.optouts.models import OptOut
from consent.receipts.codes import Decision, receipt_key, verification_code
from consent.receipts.models import Receipt, ReceiptKind


def decision_of(receipt: Receipt) -> Decision:
    """The decision a receipt vouches for, from what the receipt kept."""
    return Decision(
        kind=receipt.kind.value,
        reference=receipt.reference,
        guardian_id=receipt.guardian_id,
        student_id=receipt.student_id,
        subject=receipt.subject,
        choice=receipt.choice,
        version=receipt.version,
        channel=receipt.channel,
        decided_at=receipt.decided_at,
    )


def _issue(receipt: Receipt) -> Receipt:
    receipt.code = verification_code(decision_of(receipt), receipt_key())
    db.session.add(receipt)
    db.session.flush()
    return receipt


def optout_subject(optout: OptOut) -> str:
    return f"tool:{optout.tool_id}" + (f":{optout.feature}" if optout.feature else "")


def issue_for_optout(
    optout: OptOut, *, guardian_id: int, channel: str, decided_at: datetime
) -> Receipt:
    """The receipt of one guardian asking for `optout` (filing it, or joining it)."""
    return _issue(
        Receipt(
            kind=ReceiptKind.OPTOUT,
            optout_id=optout.id,
            guardian_id=guardian_id,
            student_id=optout.student_id,
            subject=optout_subject(optout),
            choice=optout.accommodation,
            version="",
            channel=str(channel),
            decided_at=decided_at,
            issued_at=decided_at,
        )
    )


def issue_for_answer(
    given: ConsentAnswerEvent, *, form: ConsentForm, version: ConsentFormVersion
) -> Receipt:
    """The receipt of one answer given (or entered by staff) on a consent form."""
    return _issue(
        Receipt(
            kind=ReceiptKind.FORM_ANSWER,
            answer_event_id=given.id,
            guardian_id=given.guardian_id,
            student_id=given.student_id,
            subject=f"form:{form.id}",
            choice=given.answer.value,
            version=str(version.number),
            channel=given.method.value,
            decided_at=given.at,
            issued_at=given.at,
        )
    )
