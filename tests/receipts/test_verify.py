"""The privacy office checks a receipt's code: genuine and unchanged, genuine but changed since
(withdrawn, answered again), no decision matches, or a record altered behind the service's
back. Only the office may check (every persona probed), each check is audited, and the form is
rate-limited."""

import pytest
from sqlalchemy import func, select, update

from consent.audit.models import AuditEvent
from consent.extensions import db, limiter
from consent.receipts.codes import grouped
from consent.receipts.models import Receipt
from tests.support import PERSONAS, Browser
from tests.support import make_app as make_test_app

VERIFY = "/receipts/verify"
SEESAW_PHOTOS = {
    "feature": "photos",
    "accommodation": "Post work without photos or videos of my child",
    "reason": "",
    "send": "Send request",
}


def _latest_receipt(app) -> tuple[int, str]:
    with app.app_context():
        row = db.session.execute(
            select(Receipt.id, Receipt.code).order_by(Receipt.id.desc()).limit(1)
        ).one()
        return row.id, row.code


def _check(browser, code: str) -> str:
    response = browser.post(VERIFY, {"code": code})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _verify_rows(app) -> list[tuple[int | None, int | None, str]]:
    with app.app_context():
        return db.session.execute(
            select(AuditEvent.actor_account_id, AuditEvent.student_id, AuditEvent.target)
            .where(AuditEvent.action == "receipt.verify")
            .order_by(AuditEvent.id)
        ).all()


def test_a_form_answer_is_genuine_then_changed_once_answered_again(app, as_, demo, make_form):
    form_id = make_form()
    sofia = demo.students["sofia"]
    url = f"/forms/{form_id}/students/{sofia}"
    maria = as_("maria")
    maria.post(url, {"answer": "refused"})
    number, code = _latest_receipt(app)
    lee = as_("lee")

    # Read aloud, typed in lower case with spaces: still the code.
    page = _check(lee, grouped(code).lower().replace("-", " "))
    assert "Genuine: the decision stands as the receipt says" in page
    assert "Maria Garcia" in page and "Sofia Garcia" in page
    assert "Directory information" in page and "No, permission refused" in page
    assert f"Number {number}, code {grouped(code)}" in page

    maria.post(url, {"answer": "granted"})
    page = _check(lee, grouped(code))
    assert "Genuine, but this decision has changed since the receipt" in page
    assert "The same parent or guardian answered again on" in page
    assert "Yes, permission given" in page  # the answer as recorded now
    # The newer answer's own receipt stands.
    assert "Genuine: the decision stands" in _check(lee, _latest_receipt(app)[1])

    assert [(who, student) for who, student, _ in _verify_rows(app)] == [
        (demo.accounts["lee"], sofia)
    ] * 3
    assert _verify_rows(app)[0][2] == f"receipt:{number}:genuine"
    assert _verify_rows(app)[1][2] == f"receipt:{number}:changed"


def test_an_opt_out_receipt_shows_changed_once_withdrawn(app, as_, demo):
    maria = as_("maria")
    url = f"/students/{demo.students['sofia']}/optouts/new?tool={demo.tools['seesaw']}"
    maria.post(url, SEESAW_PHOTOS)
    number, code = _latest_receipt(app)
    lee = as_("lee")
    page = _check(lee, grouped(code))
    assert "Genuine: the decision stands" in page and "Seesaw" in page
    with app.app_context():
        optout_id = db.session.get(Receipt, number).optout_id
    assert maria.post(f"/requests/{optout_id}/withdraw", {}).status_code == 302
    page = _check(lee, grouped(code))
    assert "Genuine, but this decision has changed since the receipt" in page
    assert "The request has ended: Withdrawn on" in page


def test_a_second_guardian_withdrawing_alone_changes_only_their_receipt(app, as_, demo):
    url = f"/students/{demo.students['sofia']}/optouts/new?tool={demo.tools['seesaw']}"
    as_("maria").post(url, SEESAW_PHOTOS)
    maria_receipt = _latest_receipt(app)
    luis = as_("luis")
    luis.post(url, SEESAW_PHOTOS)
    luis_receipt = _latest_receipt(app)
    with app.app_context():
        optout_id = db.session.get(Receipt, luis_receipt[0]).optout_id
    luis.post(f"/requests/{optout_id}/withdraw", {})
    lee = as_("lee")
    assert "This parent or guardian withdrew from the request" in _check(lee, luis_receipt[1])
    assert "Genuine: the decision stands" in _check(lee, maria_receipt[1])


def test_an_unknown_code_matches_no_decision(app, as_, demo):
    lee = as_("lee")
    for typed in ("ZZZZ-ZZZZ-ZZZZ", "not a code", "0000-0000-000U"):
        assert "No decision matches this code" in _check(lee, typed)
    assert [target for *_, target in _verify_rows(app)] == ["receipt:none:unknown"] * 3
    page = lee.post(VERIFY, {"code": ""}).get_data(as_text=True)
    assert "Enter the code printed on the receipt." in page


def test_a_record_altered_behind_the_service_s_back_no_longer_matches(app, as_, demo, make_form):
    form_id = make_form()
    as_("maria").post(f"/forms/{form_id}/students/{demo.students['sofia']}", {"answer": "refused"})
    number, code = _latest_receipt(app)
    with app.app_context():
        db.session.execute(update(Receipt).where(Receipt.id == number).values(choice="granted"))
        db.session.commit()
    page = _check(as_("lee"), code)
    assert "The record does not match this code" in page
    assert "Genuine" not in page


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_only_the_privacy_office_checks_receipts(app, as_, demo, persona):
    """Every persona, both methods; a refusal is a 404 like a missing page, audited, and checks
    nothing."""
    browser = as_(persona)
    got = browser.get(VERIFY)
    if persona == "lee":
        assert got.status_code == 200
        assert "Check a receipt" in got.get_data(as_text=True)
        assert "Genuine" not in _check(browser, "ZZZZ-ZZZZ-ZZZZ")
        return
    assert got.status_code == 404
    posted = browser.post(VERIFY, {"code": "ZZZZ-ZZZZ-ZZZZ"}, token_from="/account")
    assert posted.status_code == 404
    assert _verify_rows(app) == []
    with app.app_context():
        denied = db.session.scalar(
            select(func.count()).where(
                AuditEvent.action == "access.denied",
                AuditEvent.actor_account_id == demo.accounts[persona],
            )
        )
    assert denied >= 2


def test_an_anonymous_visitor_is_sent_to_sign_in(browser):
    assert "/signin" in browser.get(VERIFY).headers["Location"]


@pytest.fixture
def limited(app, migrated, smtp):
    limited = make_test_app(migrated, RECEIPT_VERIFY_RATE_LIMIT="3 per minute", MAIL_PORT=smtp.port)
    with limited.app_context():
        limiter.reset()
    yield limited
    with limited.app_context():
        limiter.reset()
        db.session.remove()
        db.engine.dispose()


def test_checking_codes_is_rate_limited(limited):
    lee = Browser(limited.test_client())
    lee.sign_in("lee")
    for _ in range(3):
        assert lee.post(VERIFY, {"code": "ZZZZ-ZZZZ-ZZZZ"}).status_code == 200
    assert lee.post(VERIFY, {"code": "ZZZZ-ZZZZ-ZZZZ"}).status_code == 429
    assert lee.get(VERIFY).status_code == 200  # reading the form is not limited
