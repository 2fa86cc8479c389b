"""The webhook list and an endpoint's deliveries (with their attempts) answer from the same
statements whatever their size."""

from consent.core import clock
from consent.extensions import db
from consent.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from tests import support
from tests.support import PERSONAS


def _count(app, client, url) -> int:
    with support.count_queries(app) as statements:
        answer = client.get(url)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return len(list(statements))


def _deliveries(app, endpoint_id: int, *, start: int, number: int) -> None:
    """`number` deliveries, each with two attempts (a 500 or no answer, then a 200)."""
    with app.app_context():
        for n in range(start, start + number):
            delivery = WebhookDelivery(
                uuid=f"00000000-0000-4000-8000-{n:012d}",
                endpoint_id=endpoint_id,
                event="optout.confirmed",
                event_id=f"e-{n}",
                body="{}",
                status=DeliveryStatus.DELIVERED if n % 2 else DeliveryStatus.FAILED,
                attempts=2,
            )
            db.session.add(delivery)
            db.session.flush()
            for code in (500, 200 if n % 2 else None):
                db.session.add(
                    WebhookAttempt(
                        delivery_id=delivery.id,
                        at=clock.now(),
                        status_code=code,
                        error="" if code else "timed out",
                        duration_ms=12,
                    )
                )
        db.session.commit()


def test_the_pages_cost_the_same_for_one_row_and_for_many(app, demo, endpoint):
    first = endpoint(school_id=demo.schools["oakwood"])
    _deliveries(app, first, start=0, number=1)
    client = app.test_client()
    support.sign_in_client(client, PERSONAS["lee"])
    detail = f"/integrations/webhooks/{first}"
    one_list = _count(app, client, "/integrations/webhooks")
    one_detail = _count(app, client, detail)
    for n in range(19):
        endpoint(name=f"System {n}", school_id=demo.schools["riverside"] if n % 2 else None)
    _deliveries(app, first, start=1, number=24)
    assert _count(app, client, "/integrations/webhooks") == one_list <= 12
    assert _count(app, client, detail) == one_detail <= 12
    page = client.get(detail).get_data(as_text=True)
    assert page.count("answered 500") == 25 and page.count("Retry now") == 13
