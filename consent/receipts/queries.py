"""Reads for receipts: a decision's receipt, and checking a code against the records."""

import enum
from dataclasses import dataclass, field

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consent.consentforms.models import Answer, ConsentAnswer, ConsentAnswerEvent, ConsentForm
from consent.core import clock
from consent.core.templating import LABELS
from consent.extensions import db
from consent.optouts.models import OptOut, OptOutRequester, OptOutStatus
from consent.receipts.codes import normalized, receipt_key, same_code, verification_code
from consent.receipts.models import Receipt, ReceiptKind
from consent.receipts.operations import decision_of, optout_subject


def optout_receipt(optout_id: int, guardian_id: int) -> Receipt | None:
    """The guardian's latest receipt for the request (a guardian who left and asked again has
    two; the later one is theirs now)."""
    return db.session.scalar(
        select(Receipt)
        .where(Receipt.optout_id == optout_id, Receipt.guardian_id == guardian_id)
        .order_by(Receipt.id.desc())
        .limit(1)
    )


def answer_receipt(answer_event_id: int) -> Receipt | None:
    return db.session.scalar(select(Receipt).where(Receipt.answer_event_id == answer_event_id))


class Verdict(enum.StrEnum):
    GENUINE = "genuine"  # the code is ours, and the decision stands as the receipt says
    CHANGED = "changed"  # the code is ours; the decision has changed since (withdrawn, ...)
    UNKNOWN = "unknown"  # no decision matches this code
    ALTERED = "altered"  # a receipt has this code, but the record no longer matches it


@dataclass
class Verification:
    """What checking a code found: the receipt, the decision as recorded now, what changed."""

    verdict: Verdict
    receipt: Receipt | None = None
    optout: OptOut | None = None
    still_asking: bool = False  # the receipt's guardian is still on the opt-out request
    form: ConsentForm | None = None
    given: ConsentAnswerEvent | None = None  # the answer the receipt is for
    latest: ConsentAnswerEvent | None = None  # the same guardian's latest answer now
    in_force: ConsentAnswer | None = None  # the child's answer in force now
    changes: list = field(default_factory=list)  # what changed, in plain words


def verify(typed: str) -> Verification:
    """Check a code as someone typed it: is it one the service issued, over a decision that is
    still recorded as the receipt says, and has the decision changed since?"""
    code = normalized(typed)
    receipt = None
    if code is not None:
        receipt = db.session.scalar(select(Receipt).where(Receipt.code == code))
    if receipt is None:
        return Verification(Verdict.UNKNOWN)
    # Recomputed with the key: a row edited behind the service's back no longer matches.
    ours = same_code(verification_code(decision_of(receipt), receipt_key()), code)
    if receipt.kind is ReceiptKind.OPTOUT:
        return _optout_now(receipt, ours)
    return _answer_now(receipt, ours)


def _optout_now(receipt: Receipt, ours: bool) -> Verification:
    optout = db.session.get(OptOut, receipt.optout_id)
    if not ours or (
        optout.student_id != receipt.student_id
        or optout_subject(optout) != receipt.subject
        or optout.accommodation != receipt.choice
    ):
        return Verification(Verdict.ALTERED, receipt=receipt)
    still_asking = (
        db.session.scalar(
            select(OptOutRequester.id).where(
                OptOutRequester.optout_id == optout.id,
                OptOutRequester.guardian_id == receipt.guardian_id,
            )
        )
        is not None
    )
    changes = []
    if optout.status in (OptOutStatus.WITHDRAWN, OptOutStatus.CLOSED):
        changes.append(
            _l(
                "The request has ended: %(status)s on %(day)s.",
                status=LABELS[OptOutStatus][optout.status],
                day=format_date(clock.today(optout.ended_at), "long"),
            )
        )
    elif not still_asking:
        changes.append(
            _l(
                "This parent or guardian withdrew from the request. It stays in place because "
                "another parent or guardian asked for it too."
            )
        )
    return Verification(
        Verdict.CHANGED if changes else Verdict.GENUINE,
        receipt=receipt,
        optout=optout,
        still_asking=still_asking,
        changes=changes,
    )


def _answer_now(receipt: Receipt, ours: bool) -> Verification:
    given = db.session.get(ConsentAnswerEvent, receipt.answer_event_id)
    if not ours or (
        given.guardian_id != receipt.guardian_id
        or given.student_id != receipt.student_id
        or f"form:{given.form_id}" != receipt.subject
        or given.answer.value != receipt.choice
        or str(given.version.number) != receipt.version
        or given.method.value != receipt.channel
    ):
        return Verification(Verdict.ALTERED, receipt=receipt)
    latest = db.session.scalar(
        select(ConsentAnswerEvent)
        .where(
            ConsentAnswerEvent.form_id == given.form_id,
            ConsentAnswerEvent.student_id == given.student_id,
            ConsentAnswerEvent.guardian_id == given.guardian_id,
        )
        .order_by(ConsentAnswerEvent.id.desc())
        .limit(1)
    )
    in_force = db.session.scalar(
        select(ConsentAnswer).where(
            ConsentAnswer.form_id == given.form_id, ConsentAnswer.student_id == given.student_id
        )
    )
    changes = []
    if latest.id != given.id:
        changes.append(
            _l(
                "The same parent or guardian answered again on %(day)s: %(answer)s.",
                day=format_date(clock.today(latest.at), "long"),
                answer=LABELS[Answer][latest.answer],
            )
        )
    return Verification(
        Verdict.CHANGED if changes else Verdict.GENUINE,
        receipt=receipt,
        form=db.session.get(ConsentForm, given.form_id),
        given=given,
        latest=latest,
        in_force=in_force,
        changes=changes,
    )
