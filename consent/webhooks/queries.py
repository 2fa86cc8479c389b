"""Reads for the privacy office's webhook pages."""

from sqlalchemy import Select, select

from consent.extensions import db
from consent.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def endpoint_list() -> Select:
    """Every endpoint, newest first (paginate it)."""
    return select(WebhookEndpoint).order_by(WebhookEndpoint.id.desc())


def delivery_list(endpoint_id: int) -> Select:
    """An endpoint's deliveries, newest first (paginate it)."""
    return (
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .order_by(WebhookDelivery.id.desc())
    )


def attempts_of(delivery_ids: list[int]) -> dict[int, list[WebhookAttempt]]:
    """The attempts of one page of deliveries, oldest first, in one query."""
    found: dict[int, list[WebhookAttempt]] = {delivery_id: [] for delivery_id in delivery_ids}
    if not delivery_ids:
        return found
    for attempt in db.session.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_(delivery_ids))
        .order_by(WebhookAttempt.id)
    ):
        found[attempt.delivery_id].append(attempt)
    return found
