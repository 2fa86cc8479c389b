"""Double submit: the same opt-out form sent 50 times at once from one signed-in browser makes
one request, one timeline entry and one set of notifications; every copy lands on its receipt.

On SQLite the 50 writes queue for the database's one write lock; served by one process on this
two-core machine the last waits longer than the production busy timeout, so the app that takes
the burst waits up to a minute."""

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from consent.accounts.models import Account
from consent.audit.models import AuditEvent
from consent.extensions import db
from consent.notifications.models import Notification
from consent.optouts.models import Event, OptOut, OptOutRequester
from tests.reliability.helpers import count, optout_form, receipt_id
from tests.support import Browser, csrf_from, make_app

COPIES = 50


def _same_browser(app, source) -> Browser:
    """Another connection of the same browser: the same cookies (session, CSRF)."""
    client = app.test_client()
    for cookie in source.client._cookies.values():
        client.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    return Browser(client)


def test_fifty_identical_submissions_at_once_make_one_request(app, demo, as_, migrated, smtp):
    maria = as_("maria")
    url, fields = optout_form(app, demo, "sofia", "seesaw", "photos")
    review = maria.post(url, {**fields, "review": "Review my request"})
    token = csrf_from(review.get_data(as_text=True))
    payload = {**fields, "send": "Send request", "csrf_token": token}
    with app.app_context():
        before = {
            "optouts": count(OptOut),
            "notifications": count(Notification),
            "events": count(Event),
        }
    patient = make_app(migrated, MAIL_PORT=smtp.port, SQLITE_BUSY_TIMEOUT_MS=60_000)
    copies = [_same_browser(patient, maria) for _ in range(COPIES)]
    start = threading.Barrier(COPIES)

    def send(copy: Browser):
        start.wait(timeout=60)
        return copy.client.post(url, data=payload)

    try:
        with ThreadPoolExecutor(max_workers=COPIES) as pool:
            responses = list(pool.map(send, copies, timeout=180))
    finally:
        with patient.app_context():
            db.engine.dispose()

    assert [r.status_code for r in responses] == [302] * COPIES, {
        r.status_code: r.get_data(as_text=True)[:300] for r in responses if r.status_code != 302
    }
    assert {receipt_id(r) for r in responses} == {optout_id := receipt_id(responses[0])}

    with app.app_context():
        assert count(OptOut) == before["optouts"] + 1
        assert count(Event) == before["events"] + 1
        assert db.session.scalars(select(Event.kind).where(Event.optout_id == optout_id)).all() == [
            "filed"
        ]
        assert count(OptOutRequester, OptOutRequester.optout_id == optout_id) == 1
        maria_account = db.session.scalar(
            select(Account.id).where(Account.guardian_id == demo.guardians["maria"])
        )
        assert (
            count(
                AuditEvent,
                AuditEvent.action == "optout.file",
                AuditEvent.actor_account_id == maria_account,
                AuditEvent.target == f"optout:{optout_id}",
            )
            == 1
        )
        messages = db.session.execute(
            select(Notification.kind, Notification.to_address).where(
                Notification.optout_id == optout_id
            )
        ).all()
        assert count(Notification) == before["notifications"] + len(messages)
        assert len(messages) == len(set(messages)), "no one is told twice"
        assert sorted(messages) == sorted(
            [
                ("optouts/filed_principal", "angela.brooks@demo.consent.example"),
                ("optouts/receipt", "maria.garcia@demo.consent.example"),
                ("optouts/task_assigned", "david.kim@demo.consent.example"),
                ("optouts/task_assigned", "emily.johnson@demo.consent.example"),
            ]
        )
