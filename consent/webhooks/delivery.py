"""Sending queued deliveries after commit: the worker's part (`flask webhooks deliver`).

A batch is claimed in a short transaction (on PostgreSQL with FOR UPDATE SKIP LOCKED, so two
workers never take the same row) by moving its next attempt a lease ahead; the claim is
committed before any HTTP is sent, so no transaction and no lock is held while an endpoint is
slow or down, and the app's writes never wait for it. Each answer is then recorded in a
transaction of its own: 2xx delivers; anything else (a refusal, a timeout, a 500, a redirect)
is an attempt that failed, retried with exponential backoff up to a cap, until
WEBHOOK_MAX_ATTEMPTS, after which the delivery is failed for good (the office may retry it). A
worker that dies mid-send leaves its claim to expire, and the delivery is sent again with the
same `Webhook-Id`: receivers drop the repeat."""

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from flask import current_app
from sqlalchemy import select, update

from consent.core import clock
from consent.core.transaction import immediate_transactions
from consent.extensions import db
from consent.webhooks import signing
from consent.webhooks.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

log = logging.getLogger(__name__)

BATCH = 20
USER_AGENT = "consent-webhooks/1"


@dataclass
class DeliveryReport:
    delivered: int = 0
    failed: int = 0
    given_up: int = 0

    @property
    def handled(self) -> int:
        return self.delivered + self.failed


@dataclass(frozen=True)
class _Claimed:
    id: int
    uuid: str
    url: str
    secret: str
    body: str


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: doubling from WEBHOOK_BACKOFF_SECONDS, capped."""
    base = current_app.config["WEBHOOK_BACKOFF_SECONDS"]
    ceiling = current_app.config["WEBHOOK_BACKOFF_MAX_SECONDS"]
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), ceiling))


def _claim(now: datetime, size: int) -> list[_Claimed]:
    """Take up to `size` due deliveries for this worker: each is leased (its next attempt moved
    ahead) for as long as sending the whole batch one after another can take, so another
    worker never takes the tail of a batch that is still being sent."""
    config = current_app.config
    per_item = config["WEBHOOK_CONNECT_TIMEOUT_SECONDS"] + config["WEBHOOK_READ_TIMEOUT_SECONDS"]
    lease = timedelta(seconds=max(config["WEBHOOK_LEASE_SECONDS"], size * per_item + 30))
    with immediate_transactions():
        rows = db.session.execute(
            select(
                WebhookDelivery.id,
                WebhookDelivery.uuid,
                WebhookDelivery.body,
                WebhookEndpoint.url,
                WebhookEndpoint.secret,
            )
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(
                WebhookDelivery.status == DeliveryStatus.PENDING,
                WebhookDelivery.next_attempt_at <= now,
                WebhookEndpoint.active.is_(True),
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(size)
            .with_for_update(of=WebhookDelivery, skip_locked=True)
        ).all()
        if rows:
            db.session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id.in_([row.id for row in rows]))
                .values(next_attempt_at=now + lease)
                .execution_options(synchronize_session=False)
            )
        db.session.commit()
    return [_Claimed(r.id, r.uuid, r.url, r.secret, r.body) for r in rows]


def _post(claimed: _Claimed) -> tuple[int | None, str, int]:
    """(status code or None, error text, milliseconds) of one signed POST."""
    body = claimed.body.encode()
    timestamp = int(clock.now().timestamp())
    headers = signing.headers(claimed.secret, claimed.uuid, timestamp, body)
    headers["User-Agent"] = USER_AGENT
    timeout = (
        current_app.config["WEBHOOK_CONNECT_TIMEOUT_SECONDS"],
        current_app.config["WEBHOOK_READ_TIMEOUT_SECONDS"],
    )
    started = time.monotonic()
    try:
        with requests.post(
            claimed.url,
            data=body,
            headers=headers,
            timeout=timeout,
            allow_redirects=False,
            stream=True,  # the answer's body is never read: only its status matters
        ) as answer:
            status, error = answer.status_code, ""
    except requests.Timeout:
        status, error = None, "timed out"
    except requests.ConnectionError as failure:
        status, error = None, _short(failure, "could not connect")
    except requests.RequestException as failure:
        status, error = None, _short(failure, "request failed")
    return status, error, int((time.monotonic() - started) * 1000)


def _short(failure: Exception, fallback: str) -> str:
    """The kind of failure, never the URL (it may carry a receiver's key in its query)."""
    name = type(failure).__name__
    return f"{fallback} ({name})"[:255]


def _record(claimed: _Claimed, status: int | None, error: str, duration_ms: int) -> str:
    """Keep the attempt and move the delivery on; returns 'delivered', 'failed' or 'given_up'."""
    now = clock.now()
    ok = status is not None and 200 <= status < 300
    with immediate_transactions():
        delivery = db.session.scalar(
            select(WebhookDelivery).where(WebhookDelivery.id == claimed.id).with_for_update()
        )
        db.session.add(
            WebhookAttempt(
                delivery_id=claimed.id,
                at=now,
                status_code=status,
                error=error if not ok else "",
                duration_ms=duration_ms,
            )
        )
        outcome = "failed"
        if delivery.status is DeliveryStatus.PENDING:
            delivery.attempts += 1
            if ok:
                delivery.status = DeliveryStatus.DELIVERED
                delivery.delivered_at = now
                outcome = "delivered"
            elif delivery.attempts >= current_app.config["WEBHOOK_MAX_ATTEMPTS"]:
                delivery.status = DeliveryStatus.FAILED
                outcome = "given_up"
            else:
                delivery.next_attempt_at = now + backoff(delivery.attempts)
        db.session.commit()
    log.info(
        "webhook delivery %s attempt: %s %s in %s ms",
        claimed.id,
        status if status is not None else "-",
        outcome,
        duration_ms,
    )
    return outcome


def deliver_due(limit: int = BATCH, now: datetime | None = None) -> DeliveryReport:
    """Send up to `limit` deliveries that are due, outside any transaction, and record each."""
    report = DeliveryReport()
    claimed = _claim(now or clock.now(), limit)
    for one in claimed:
        outcome = _record(one, *_post(one))
        if outcome == "delivered":
            report.delivered += 1
        else:
            report.failed += 1
            report.given_up += outcome == "given_up"
    return report
