"""Registering endpoints (the privacy office's writes), and `enqueue`, which every domain calls
in the transaction of its change so that a delivery exists exactly when the change does."""

import ipaddress
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from consent.access import may_manage_webhooks
from consent.accounts.models import Account
from consent.audit.operations import record
from consent.core import clock
from consent.core.errors import DomainError
from consent.extensions import db
from consent.roster.models import School
from consent.webhooks.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

#: What a secret starts with: recognisable in a receiver's configuration or a leak scanner.
SECRET_MARK = "whsec"  # noqa: S105 - a public marker, not a secret
LOOPBACK_NAMES = {"localhost"}


class WebhookError(DomainError):
    """An endpoint the rules refuse; the message (translatable) is shown on the form."""


@dataclass(frozen=True)
class Registered:
    """An endpoint and its secret: shown once, on the page that answers the change."""

    endpoint: WebhookEndpoint
    secret: str


def _new_secret() -> str:
    return f"{SECRET_MARK}_{secrets.token_urlsafe(32)}"


def _is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str:
    """HTTPS only (the body names students); plain HTTP only to this machine, and only where
    WEBHOOKS_ALLOW_LOOPBACK_HTTP is on (tests, the demo)."""
    url = (url or "").strip()
    if not url:
        raise WebhookError(_l("Give the address the events are sent to."))
    if len(url) > 2048 or any(c.isspace() for c in url):
        raise WebhookError(_l("This is not a web address."))
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise WebhookError(_l("This is not a web address.")) from None
    if not host:
        raise WebhookError(_l("This is not a web address."))
    if parts.username or parts.password:
        raise WebhookError(_l("Give the address without a user name or password in it."))
    if parts.scheme == "https":
        return url
    if (
        parts.scheme == "http"
        and _is_loopback(host)
        and current_app.config.get("WEBHOOKS_ALLOW_LOOPBACK_HTTP")
    ):
        return url
    raise WebhookError(_l("The address must start with https://."))


def _events(chosen) -> list[WebhookEvent]:
    picked = [kind for kind in WebhookEvent if kind.value in set(chosen or ())]
    if not picked:
        raise WebhookError(_l("Choose at least one event to send."))
    return picked


def register_endpoint(
    *, actor: Account, name: str, url: str, events: list[str], school_id: int | None
) -> Registered:
    if not may_manage_webhooks(actor):
        raise WebhookError(_l("Only the privacy office registers webhooks."))
    name = (name or "").strip()
    if not name:
        raise WebhookError(_l("Name the system that receives the events."))
    url = check_url(url)
    picked = _events(events)
    if school_id is not None and db.session.get(School, school_id) is None:
        raise WebhookError(_l("Choose a school of the district, or the whole district."))
    secret = _new_secret()
    endpoint = WebhookEndpoint(
        name=name[:120],
        url=url,
        events=" ".join(kind.value for kind in picked),
        secret=secret,
        school_id=school_id,
        active=True,
        created_by_account_id=actor.id,
    )
    db.session.add(endpoint)
    db.session.flush()
    _forget_endpoints()
    record(actor, "webhook.registered", target=endpoint.label)
    return Registered(endpoint=endpoint, secret=secret)


#: How long the page that shows a new secret can be loaded again (a reload, a second look).
SECRET_SHOWN_FOR = timedelta(minutes=10)


def secret_still_shown(endpoint: WebhookEndpoint) -> bool:
    """Registering or rotating redirects to the page that shows the secret, so reloading it
    never registers a second webhook or makes another secret; that page shows the secret for
    ten minutes after it was made, and never afterwards."""
    made = endpoint.secret_rotated_at or endpoint.created_at
    return endpoint.active and clock.now() - made <= SECRET_SHOWN_FOR


def rotate_secret(*, actor: Account, endpoint: WebhookEndpoint) -> Registered:
    """A new secret signs every attempt from now on, retries of older deliveries included."""
    if not may_manage_webhooks(actor):
        raise WebhookError(_l("Only the privacy office changes a webhook's secret."))
    if not endpoint.active:
        raise WebhookError(_l("This webhook was deactivated."))
    endpoint.secret = _new_secret()
    endpoint.secret_rotated_at = clock.now()
    db.session.flush()
    record(actor, "webhook.secret_rotated", target=endpoint.label)
    return Registered(endpoint=endpoint, secret=endpoint.secret)


def deactivate_endpoint(*, actor: Account, endpoint: WebhookEndpoint) -> int:
    """No more events are queued for it, and what still waits is given up (returns how many)."""
    if not may_manage_webhooks(actor):
        raise WebhookError(_l("Only the privacy office deactivates webhooks."))
    if not endpoint.active:
        raise WebhookError(_l("This webhook was already deactivated."))
    endpoint.active = False
    endpoint.deactivated_at = clock.now()
    endpoint.deactivated_by_account_id = actor.id
    dropped = db.session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint.id,
            WebhookDelivery.status == DeliveryStatus.PENDING,
        )
        .values(status=DeliveryStatus.FAILED)
        .execution_options(synchronize_session=False, preserve_rowcount=True)
    ).rowcount
    db.session.flush()
    _forget_endpoints()
    record(actor, "webhook.deactivated", target=endpoint.label)
    return max(dropped or 0, 0)


def retry_now(*, actor: Account, delivery: WebhookDelivery) -> None:
    """A delivery given up for good gets another round of attempts, the first at once."""
    if not may_manage_webhooks(actor):
        raise WebhookError(_l("Only the privacy office retries a delivery."))
    endpoint = db.session.get(WebhookEndpoint, delivery.endpoint_id)
    if not endpoint.active:
        raise WebhookError(_l("This webhook was deactivated: nothing is sent to it any more."))
    if delivery.status is not DeliveryStatus.FAILED:
        raise WebhookError(_l("Only a delivery that failed can be retried."))
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = clock.now()
    db.session.flush()
    record(actor, "webhook.retried", target=f"webhook_delivery:{delivery.id}")


# --- the outbox --------------------------------------------------------------------------------

_CACHE = "webhook_endpoints"


def _forget_endpoints() -> None:
    db.session.info.pop(_CACHE, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_at_transaction_end(session, transaction):
    """The active endpoints are read once per transaction: a bulk change (the year's end closes
    thousands of requests) asks the database once, not once per request."""
    if transaction.parent is None:
        session.info.pop(_CACHE, None)


def _active_endpoints() -> list[tuple[int, frozenset[str], int | None]]:
    cached = db.session.info.get(_CACHE)
    if cached is None:
        rows = db.session.execute(
            select(WebhookEndpoint.id, WebhookEndpoint.events, WebhookEndpoint.school_id)
            .where(WebhookEndpoint.active.is_(True))
            .order_by(WebhookEndpoint.id)
        )
        cached = [(row.id, frozenset(row.events.split()), row.school_id) for row in rows]
        db.session.info[_CACHE] = cached
    return cached


def subscribed(kind: WebhookEvent) -> bool:
    """Whether any active endpoint listens for `kind`: a bulk change (a roster import) works
    out its events only when someone will receive them."""
    return any(WebhookEvent(kind).value in events for _id, events, _school in _active_endpoints())


def stamp(moment: datetime | None) -> str | None:
    """A moment as the bodies write it: ISO 8601 in UTC, to the second."""
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None


def enqueue(kind: WebhookEvent, payload: dict, *, school_id: int | None = None) -> int:
    """Queue `kind` for every active endpoint subscribed to it (and whose school, if it has
    one, is `school_id`), in the caller's transaction; returns how many deliveries were queued.

    `payload` carries ids and states only (sourced ids, tool and request ids, statuses, times),
    never names or free text: it leaves the district."""
    kind = WebhookEvent(kind)
    targets = [
        endpoint_id
        for endpoint_id, events, endpoint_school in _active_endpoints()
        if kind.value in events and endpoint_school in (None, school_id)
    ]
    if not targets:
        return 0
    now = clock.now()
    event_id = str(uuid.uuid4())
    body = json.dumps(
        {"id": event_id, "type": kind.value, "created_at": stamp(now), "data": payload},
        sort_keys=True,
        separators=(",", ":"),
    )
    for endpoint_id in targets:
        db.session.add(
            WebhookDelivery(
                uuid=str(uuid.uuid4()),
                endpoint_id=endpoint_id,
                event=kind.value,
                event_id=event_id,
                body=body,
                status=DeliveryStatus.PENDING,
                attempts=0,
                created_at=now,
                next_attempt_at=now,
            )
        )
    return len(targets)
