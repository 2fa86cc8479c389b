"""The verification code, computed by one plain function: the same decision and key always
give the same code, changing any part of the decision or the key gives another, and what a
person types (dashes, spaces, lower case, O for zero) is read as the code it means."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from consent.receipts.codes import (
    ALPHABET,
    LENGTH,
    Decision,
    grouped,
    normalized,
    receipt_key,
    verification_code,
)

KEY = b"k" * 32
DECISION = Decision(
    kind="form_answer",
    reference="answer:41",
    guardian_id=7,
    student_id=12,
    subject="form:3",
    choice="refused",
    version="2",
    channel="web",
    decided_at=datetime(2026, 9, 14, 18, 30, 5, 123456, tzinfo=UTC),
)

CHANGES = {
    "kind": "optout",
    "reference": "answer:42",
    "guardian_id": 8,
    "student_id": 13,
    "subject": "form:4",
    "choice": "granted",
    "version": "3",
    "channel": "paper",
    "decided_at": DECISION.decided_at + timedelta(seconds=1),
}


def test_a_code_is_twelve_unambiguous_characters_and_stable():
    code = verification_code(DECISION, KEY)
    assert len(code) == LENGTH == 12
    assert set(code) <= set(ALPHABET)
    assert not set(code) & set("ILOU")
    assert verification_code(DECISION, KEY) == code
    assert verification_code(replace(DECISION), KEY) == code


def test_the_code_counts_time_to_the_second_in_any_time_zone():
    same_moment = DECISION.decided_at.astimezone(timezone(timedelta(hours=-5)))
    assert verification_code(replace(DECISION, decided_at=same_moment), KEY) == (
        verification_code(DECISION, KEY)
    )
    # What a database keeps of the microseconds does not change the code.
    truncated = DECISION.decided_at.replace(microsecond=0)
    assert verification_code(replace(DECISION, decided_at=truncated), KEY) == (
        verification_code(DECISION, KEY)
    )


@pytest.mark.parametrize("field", sorted(CHANGES))
def test_changing_any_part_of_the_decision_changes_the_code(field):
    changed = replace(DECISION, **{field: CHANGES[field]})
    assert verification_code(changed, KEY) != verification_code(DECISION, KEY)


def test_the_code_depends_on_the_key():
    assert verification_code(DECISION, b"another key") != verification_code(DECISION, KEY)


def test_fields_cannot_be_shifted_into_each_other():
    """ "form:3" + "refused" and "form:3r" + "efused" are different decisions."""
    shifted = replace(DECISION, subject="form:3r", choice="efused")
    assert verification_code(shifted, KEY) != verification_code(DECISION, KEY)


def test_codes_are_grouped_for_reading_and_typed_forgivingly():
    code = verification_code(DECISION, KEY)
    shown = grouped(code)
    assert shown == f"{code[:4]}-{code[4:8]}-{code[8:]}"
    assert normalized(shown) == code
    assert normalized(f"  {shown.lower().replace('-', ' ')} ") == code
    assert normalized("0000-1111-AAAA") == "00001111AAAA"
    assert normalized("OOOO-IIII-AAAA") == "00001111AAAA"  # O read as zero, I as one
    assert normalized("oooo-llll-aaaa") == "00001111AAAA"
    assert normalized("UUUU-UUUU-UUUU") is None  # U is not in the alphabet
    assert normalized("ABCD-EFGH") is None
    assert normalized("") is None
    assert normalized(None) is None


def test_the_key_is_receipt_key_or_else_derived_from_secret_key(app):
    with app.app_context():
        app.config["RECEIPT_KEY"] = None
        derived = receipt_key()
        assert derived != app.config["SECRET_KEY"].encode()
        app.config["SECRET_KEY"] = "another-secret"
        assert receipt_key() != derived  # derived from SECRET_KEY, so it follows it
        app.config["RECEIPT_KEY"] = "a dedicated receipt key"
        assert receipt_key() == b"a dedicated receipt key"
