"""The signature a receiver checks: HMAC-SHA256 over "{timestamp}.{body}" with the endpoint's
secret, refused with another secret, outside the replay window, or over a changed body."""

import hashlib
import hmac

from consent.webhooks import signing

SECRET = "whsec_test-secret"
BODY = b'{"id":"e1","type":"optout.confirmed"}'
NOW = 1_800_000_000


def _headers(secret=SECRET, at=NOW, body=BODY):
    return signing.headers(secret, "d-1", at, body)


def test_the_signature_is_the_documented_hmac():
    expected = hmac.new(SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert signing.sign(SECRET, NOW, BODY) == f"v1={expected}"
    headers = _headers()
    assert headers["Webhook-Id"] == "d-1"
    assert headers["Webhook-Timestamp"] == str(NOW)
    assert headers["Webhook-Signature"] == f"v1={expected}"


def test_a_fresh_signature_verifies_whatever_the_header_case():
    assert signing.verify(SECRET, _headers(), BODY, NOW)
    lowered = {k.lower(): v for k, v in _headers().items()}
    assert signing.verify(SECRET, lowered, BODY, NOW + 299)


def test_a_wrong_secret_is_refused():
    assert not signing.verify("whsec_other", _headers(), BODY, NOW)


def test_an_old_or_future_timestamp_is_refused():
    assert signing.verify(SECRET, _headers(), BODY, NOW + 300)
    assert not signing.verify(SECRET, _headers(), BODY, NOW + 301)
    assert not signing.verify(SECRET, _headers(), BODY, NOW - 301)
    assert signing.verify(SECRET, _headers(), BODY, NOW + 3000, window=3600)


def test_a_tampered_body_or_timestamp_is_refused():
    assert not signing.verify(SECRET, _headers(), BODY.replace(b"confirmed", b"withdrawn"), NOW)
    moved = dict(_headers(), **{"Webhook-Timestamp": str(NOW + 1)})
    assert not signing.verify(SECRET, moved, BODY, NOW)


def test_a_missing_or_malformed_header_is_refused():
    for broken in (
        {},
        {"Webhook-Timestamp": "soon", "Webhook-Signature": signing.sign(SECRET, NOW, BODY)},
        {"Webhook-Timestamp": str(NOW)},
        {"Webhook-Timestamp": str(NOW), "Webhook-Signature": "v0=" + "0" * 64},
    ):
        assert not signing.verify(SECRET, broken, BODY, NOW)


def test_one_matching_signature_among_several_is_enough():
    both = dict(_headers())
    both["Webhook-Signature"] = f"v1={'0' * 64} {signing.sign(SECRET, NOW, BODY)}"
    assert signing.verify(SECRET, both, BODY, NOW)
