"""The verification code printed on every receipt: a keyed digest (HMAC-SHA256) of what was
decided, short enough to read aloud over the phone.

Only the server holds the key (`RECEIPT_KEY`, see config.py), so nobody can make up a code
that matches a decision, and changing any part of a decision (who, child, what, choice,
version, channel, when) gives another code. Twelve characters of Crockford's base 32 (no I,
L, O or U; what is typed is read forgivingly) carry 60 bits: guessing one of a district's
million codes takes about a billion tries, and the verify page is rate-limited.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32
LENGTH = 12
GROUP = 4
#: What people type for a character that looks alike: O for zero, I and L for one.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
#: Mixed into the message, so a change to what the code covers can never reuse old codes.
_SCHEME = "consent-receipt-v1"


@dataclass(frozen=True)
class Decision:
    """What a receipt vouches for, as it was when the family decided."""

    kind: str  # "optout" or "form_answer"
    reference: str  # the record it lives in: "optout:12", "answer:345"
    guardian_id: int  # who decided
    student_id: int  # for which child
    subject: str  # what: "tool:3", "tool:3:video", "form:7"
    choice: str  # the accommodation asked for, or the answer ("granted", "refused")
    version: str  # the form text's version number; "" where there is no versioned text
    channel: str  # web, phone, paper, email, in_person
    decided_at: datetime  # when (aware; counted to the second)


def verification_code(decision: Decision, key: bytes) -> str:
    """The code for `decision` under `key`: LENGTH characters of ALPHABET, ungrouped."""
    when = decision.decided_at.astimezone(UTC).replace(microsecond=0).isoformat()
    message = json.dumps(
        [
            _SCHEME,
            decision.kind,
            decision.reference,
            decision.guardian_id,
            decision.student_id,
            decision.subject,
            decision.choice,
            decision.version,
            decision.channel,
            when,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    number = int.from_bytes(digest[:8]) >> (64 - 5 * LENGTH)
    return "".join(ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(LENGTH)))


def grouped(code: str) -> str:
    """For reading aloud and printing: "7K2M-QX9D-4HPB"."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalized(typed: str) -> str | None:
    """A code as someone typed it (spaces, dashes, lower case, O for 0) in its stored form, or
    None when it cannot be a code at all."""
    code = "".join(ch for ch in (typed or "").upper() if ch.isalnum()).translate(_READ_AS)
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def same_code(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def receipt_key() -> bytes:
    """RECEIPT_KEY when the district sets one; otherwise a key derived from SECRET_KEY (never
    SECRET_KEY itself, which signs sessions)."""
    configured = current_app.config.get("RECEIPT_KEY")
    if configured:
        return configured.encode() if isinstance(configured, str) else configured
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret, b"consent receipt verification codes", hashlib.sha256).digest()
