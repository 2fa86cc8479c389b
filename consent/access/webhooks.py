"""Who manages the webhooks that tell district systems of changes: the privacy office alone,
as with integration tokens. Anyone else meets a missing page, and the refusal is audited."""

from sqlalchemy import select

from consent.access.integrations import may_manage_integrations
from consent.access.policy import deny
from consent.accounts.models import Account
from consent.extensions import db
from consent.webhooks.models import WebhookDelivery, WebhookEndpoint


def may_manage_webhooks(actor: Account) -> bool:
    """The office that hands out integration tokens also registers the endpoints."""
    return may_manage_integrations(actor)


def webhook_endpoint_or_404(actor: Account, endpoint_id: int) -> WebhookEndpoint:
    if not may_manage_webhooks(actor):
        deny(actor, f"webhook:{endpoint_id}")
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        deny(actor, f"webhook:{endpoint_id}")
    return endpoint


def webhook_delivery_or_404(
    actor: Account, endpoint: WebhookEndpoint, delivery_id: int
) -> WebhookDelivery:
    """One delivery of `endpoint` (another endpoint's id is answered like a missing one)."""
    if not may_manage_webhooks(actor):
        deny(actor, f"webhook_delivery:{delivery_id}")
    delivery = db.session.scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == endpoint.id
        )
    )
    if delivery is None:
        deny(actor, f"webhook_delivery:{delivery_id}")
    return delivery
