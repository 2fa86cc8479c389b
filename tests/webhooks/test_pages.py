"""The privacy office's webhook pages: register (clear errors, nothing saved on a mistake, https
only), the secret shown once, rotated after a confirmation, deactivated after a confirmation,
deliveries listed a page at a time with their attempts and answers, a failed one retried; only
the office reaches any of it (every persona probed), a refusal is a 404, audited."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from consent.audit.models import AuditEvent
from consent.core import clock
from consent.extensions import db
from consent.webhooks import signing
from consent.webhooks.delivery import deliver_due
from consent.webhooks.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from tests.rollover.helpers import confirm
from tests.support import PERSONAS
from tests.webhooks.conftest import deliveries

NEW = "/integrations/webhooks/new"


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(WebhookEndpoint))


def _form(**changes) -> dict:
    data = {
        "name": "Student information system",
        "url": "https://sis.example.org/hooks/consent",
        "events": ["optout.confirmed", "optout.withdrawn"],
        "school": "district",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "Name the system that receives the events."),
        ({"url": ""}, "Give the address the events are sent to."),
        ({"events": []}, "Choose at least one event to send."),
        ({"url": "http://sis.example.org/hooks"}, "The address must start with https://."),
        ({"url": "ftp://sis.example.org/hooks"}, "The address must start with https://."),
        ({"url": "https://"}, "This is not a web address."),
        ({"url": "https://a b.example.org/"}, "This is not a web address."),
        ({"url": "https://me:pw@sis.example.org/"}, "without a user name or password"),
        ({"school": "987654"}, "Not a valid choice"),
    ],
)
def test_a_mistake_is_shown_on_the_form_and_nothing_is_saved(app, as_, changes, message):
    answer = as_("lee").post(NEW, _form(**changes))
    assert answer.status_code == 200
    assert message in answer.get_data(as_text=True)
    assert _count(app) == 0


def test_plain_http_reaches_only_this_machine_and_only_when_allowed(app, as_):
    lee = as_("lee")
    app.config["WEBHOOKS_ALLOW_LOOPBACK_HTTP"] = False
    refused = lee.post(NEW, _form(url="http://127.0.0.1:9/hooks"))
    assert "must start with https://" in refused.get_data(as_text=True)
    app.config["WEBHOOKS_ALLOW_LOOPBACK_HTTP"] = True
    for url in ("http://10.0.0.5/hooks", "http://sis.example.org/hooks"):
        answer = lee.post(NEW, _form(url=url))
        assert "must start with https://" in answer.get_data(as_text=True), url
    assert _count(app) == 0
    for url in ("http://127.0.0.1:8080/hooks", "http://localhost/hooks", "http://[::1]/h"):
        assert lee.post(NEW, _form(url=url)).status_code == 302  # to the secret's page
    assert _count(app) == 3


def _secret_from(page: str) -> str:
    return "whsec_" + page.split('value="whsec_', 1)[1].split('"', 1)[0]


def test_the_secret_is_shown_once_rotated_and_the_webhook_deactivated(app, as_, demo):
    lee = as_("lee")
    posted = lee.post(NEW, _form(school=str(demo.schools["oakwood"])))
    with app.app_context():
        endpoint = db.session.scalar(select(WebhookEndpoint))
        endpoint_id = endpoint.id
    detail_url = f"/integrations/webhooks/{endpoint_id}"
    # Post/Redirect/Get: the answer to the form is a redirect, so reloading the secret's page
    # shows it again and registers nothing more.
    assert posted.status_code == 302
    assert posted.headers["Location"].endswith(f"{detail_url}/secret/new")
    shown = lee.get(f"{detail_url}/secret/new")
    assert shown.status_code == 200
    assert shown.headers["Cache-Control"] == "no-store"
    page = shown.get_data(as_text=True)
    secret = _secret_from(page)
    assert len(secret) > 40 and signing.SIGNATURE_HEADER in page
    assert _secret_from(lee.get(f"{detail_url}/secret/new").get_data(as_text=True)) == secret
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WebhookEndpoint)) == 1
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        assert endpoint.secret == secret and endpoint.school_id == demo.schools["oakwood"]
    # Ten minutes on, the page no longer shows it.
    with clock.at(clock.now() + timedelta(minutes=11)):
        later = lee.get(f"{detail_url}/secret/new", follow_redirects=True)
    assert secret not in later.get_data(as_text=True)
    assert "The secret is no longer shown" in later.get_data(as_text=True)
    detail = lee.get(detail_url).get_data(as_text=True)
    assert secret not in detail and "Oakwood Elementary School" in detail
    assert secret not in lee.get("/integrations/webhooks").get_data(as_text=True)

    # Rotating asks first; looking at the question changes nothing.
    question = lee.get(f"{detail_url}/secret")
    assert "Make a new secret" in question.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(WebhookEndpoint, endpoint_id).secret == secret
    rotated = lee.post(f"{detail_url}/secret", {}, follow_redirects=True)
    assert rotated.headers["Cache-Control"] == "no-store"
    assert "The old secret no longer signs anything" in rotated.get_data(as_text=True)
    new_secret = _secret_from(rotated.get_data(as_text=True))
    assert new_secret != secret
    with app.app_context():
        assert db.session.get(WebhookEndpoint, endpoint_id).secret == new_secret

    # Deactivating asks first too.
    assert "Deactivate the webhook" in lee.get(f"{detail_url}/deactivate").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(WebhookEndpoint, endpoint_id).active
    done = lee.post(f"{detail_url}/deactivate", {}, follow_redirects=True)
    assert "nothing more is sent to it" in done.get_data(as_text=True)
    again = lee.post(f"{detail_url}/deactivate", {}, follow_redirects=True)
    assert "already deactivated" in again.get_data(as_text=True)
    refused = lee.post(f"{detail_url}/secret", {}, follow_redirects=True)
    assert "was deactivated" in refused.get_data(as_text=True)
    with app.app_context():
        assert not db.session.get(WebhookEndpoint, endpoint_id).active
        actions = db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.like("webhook.%"))
            .order_by(AuditEvent.id)
        ).all()
    assert actions == ["webhook.registered", "webhook.secret_rotated", "webhook.deactivated"]


def test_deliveries_are_listed_with_attempts_a_page_at_a_time_and_a_failed_one_retried(
    hooks, as_, demo, endpoint, receiver
):
    hooks.config.update(WEBHOOK_MAX_ATTEMPTS=1, WEBHOOKS_PAGE_SIZE=1)
    endpoint_id = endpoint()
    receiver.mode = "500"
    with hooks.app_context():
        confirm(demo, "planned", "brooks")
        confirm(demo, "submitted", "reed")
        db.session.commit()
        deliver_due()
        db.session.remove()
    first, second = deliveries(hooks)
    assert {first.status, second.status} == {DeliveryStatus.FAILED}
    lee = as_("lee")
    url = f"/integrations/webhooks/{endpoint_id}"
    newest = lee.get(url).get_data(as_text=True)
    assert second.uuid in newest and first.uuid not in newest
    assert "answered 500" in newest and "Retry now" in newest
    older = lee.get(f"{url}?page=2").get_data(as_text=True)
    assert first.uuid in older and second.uuid not in older

    receiver.mode = "ok"
    retried = lee.post(
        f"{url}/deliveries/{first.id}/retry", {}, token_from=url, follow_redirects=True
    )
    assert "will be sent again" in retried.get_data(as_text=True)
    with hooks.app_context():
        assert deliver_due().delivered == 1
        db.session.remove()
    page = lee.get(f"{url}?page=2").get_data(as_text=True)
    assert "answered 500" in page and "answered 200" in page and "Delivered" in page
    twice = lee.post(
        f"{url}/deliveries/{first.id}/retry", {}, token_from=url, follow_redirects=True
    )
    assert "Only a delivery that failed can be retried." in twice.get_data(as_text=True)
    # Another endpoint's id with this delivery's id: like a missing page.
    missing = f"/integrations/webhooks/987654/deliveries/{first.id}/retry"
    assert lee.post(missing, {}, token_from=url).status_code == 404
    with hooks.app_context():
        other = WebhookEndpoint(
            name="Other",
            url="https://other.example.org/",
            events="optout.confirmed",
            secret="whsec_x",
            created_by_account_id=demo.accounts["lee"],
        )
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    wrong = lee.post(
        f"/integrations/webhooks/{other_id}/deliveries/{second.id}/retry", {}, token_from=url
    )
    assert wrong.status_code == 404
    with hooks.app_context():
        assert db.session.get(WebhookDelivery, second.id).status is DeliveryStatus.FAILED
        assert (
            db.session.scalar(select(func.count()).where(AuditEvent.action == "webhook.retried"))
            == 1
        )


def _urls(endpoint_id: int, delivery_id: int) -> list[tuple[str, str]]:
    base = f"/integrations/webhooks/{endpoint_id}"
    return [
        ("GET", "/integrations/webhooks"),
        ("GET", NEW),
        ("POST", NEW),
        ("GET", base),
        ("GET", f"{base}/secret"),
        ("POST", f"{base}/secret"),
        ("GET", f"{base}/secret/new"),
        ("POST", f"{base}/deliveries/{delivery_id}/retry"),
        ("GET", f"{base}/deactivate"),
        ("POST", f"{base}/deactivate"),
    ]


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_only_the_privacy_office_reaches_the_webhook_pages(
    hooks, as_, demo, endpoint, receiver, persona
):
    hooks.config["WEBHOOK_MAX_ATTEMPTS"] = 1
    endpoint_id = endpoint()
    receiver.mode = "500"
    with hooks.app_context():
        confirm(demo, "planned", "brooks")
        db.session.commit()
        deliver_due()
        db.session.remove()
    [delivery] = deliveries(hooks)
    with hooks.app_context():
        secret = db.session.get(WebhookEndpoint, endpoint_id).secret
    browser = as_(persona)
    for method, url in _urls(endpoint_id, delivery.id):
        if method == "GET":
            answer = browser.get(url)
        else:
            answer = browser.post(url, _form(), token_from="/account")
        if persona == "lee":
            assert answer.status_code in (200, 302), (method, url)
        else:
            assert answer.status_code == 404, (persona, method, url)
            assert secret not in answer.get_data(as_text=True)
    with hooks.app_context():
        endpoint_row = db.session.get(WebhookEndpoint, endpoint_id)
        count = db.session.scalar(select(func.count()).select_from(WebhookEndpoint))
        status = db.session.get(WebhookDelivery, delivery.id).status
        denied = db.session.scalar(select(func.count()).where(AuditEvent.action == "access.denied"))
    if persona == "lee":
        assert not endpoint_row.active and endpoint_row.secret != secret and count == 2
        assert status is DeliveryStatus.FAILED  # retried, then given up by the deactivation
        for url in ("/integrations/webhooks/987654", "/integrations/webhooks/987654/secret"):
            assert browser.get(url).status_code == 404
    else:
        assert endpoint_row.active and endpoint_row.secret == secret and count == 1
        assert status is DeliveryStatus.FAILED
        assert denied >= len(_urls(endpoint_id, delivery.id))


def test_an_anonymous_visitor_is_sent_to_sign_in(app, browser):
    for method, url in _urls(1, 1):
        answer = browser.get(url) if method == "GET" else browser.client.post(url)
        if method == "GET":
            assert answer.status_code == 302 and "/signin" in answer.headers["Location"]
        else:
            assert answer.status_code in (302, 400), (method, url)


def test_the_integrations_page_leads_to_the_webhooks(as_):
    page = as_("lee").get("/integrations").get_data(as_text=True)
    assert 'href="/integrations/webhooks"' in page
