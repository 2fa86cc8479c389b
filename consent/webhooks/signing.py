"""How a delivery is signed, and how a receiver checks it (as Stripe and GitHub do).

Each delivery carries three headers:

- `Webhook-Id`: the delivery's id, the same on every retry (drop a repeat you have seen);
- `Webhook-Timestamp`: when this attempt was signed, in Unix seconds;
- `Webhook-Signature`: `v1=<hex HMAC-SHA256 of "{timestamp}.{body}" under the endpoint's secret>`.

A receiver recomputes the HMAC over the raw body it received, compares it in constant time, and
refuses a timestamp older (or newer) than its window, so a recorded delivery cannot be replayed
later. `verify` does all of it; it needs nothing but the standard library, so a receiver may copy
it."""

import hashlib
import hmac
from collections.abc import Mapping

SCHEME = "v1"
ID_HEADER = "Webhook-Id"
TIMESTAMP_HEADER = "Webhook-Timestamp"
SIGNATURE_HEADER = "Webhook-Signature"
#: Seconds either side of the receiver's clock within which a signature is accepted.
WINDOW = 300


def _digest(secret: str, timestamp: int | str, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `Webhook-Signature` value for `body` sent at `timestamp` (Unix seconds)."""
    return f"{SCHEME}={_digest(secret, timestamp, body)}"


def headers(secret: str, delivery_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Every header of one attempt."""
    return {
        ID_HEADER: delivery_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
        "Content-Type": "application/json",
    }


def _get(headers: Mapping[str, str], name: str) -> str:
    """A header by name, whatever its case (a plain dict or an HTTP library's headers)."""
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value or ""


def verify(
    secret: str, headers: Mapping[str, str], body: bytes, now: float, window: int = WINDOW
) -> bool:
    """True when `body` was signed with `secret` within `window` seconds of `now` (Unix
    seconds). Several signatures may be sent space-separated (during a secret's rotation);
    one that matches is enough."""
    stamp = _get(headers, TIMESTAMP_HEADER)
    if not stamp.isdigit() or abs(now - int(stamp)) > window:
        return False
    expected = _digest(secret, stamp, body)
    for part in _get(headers, SIGNATURE_HEADER).split():
        scheme, _, value = part.partition("=")
        if scheme == SCHEME and hmac.compare_digest(value, expected):
            return True
    return False
