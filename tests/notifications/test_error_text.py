"""A failed send keeps the reason for the privacy office, never the recipient's address."""

from consent.notifications.operations import ADDRESS_RE


def test_addresses_are_removed_from_stored_smtp_errors():
    error = (
        "{'maria.garcia@demo.consent.example': "
        "(550, b'5.1.1 <maria.garcia@demo.consent.example>: no such user')}"
    )
    cleaned = ADDRESS_RE.sub("<address>", error)
    assert "maria" not in cleaned
    assert "550" in cleaned and "no such user" in cleaned
