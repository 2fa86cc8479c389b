"""A form posted without this site's CSRF token (another site's forged form) is refused."""

import pytest
from sqlalchemy import func, select

from consent.extensions import db
from consent.optouts.models import Event, OptOut, OptOutStatus
from tests.accounts.accounts_helpers import DEMO_PASSWORD, PERSONAS, csrf_from


def bad_tokens(app):
    """No token, a made-up one, and a real token from somebody else's session."""
    other = app.test_client()
    foreign = csrf_from(other.get("/signin").get_data(as_text=True))
    return [None, "", "not-a-token", foreign]


def _payload(token, **data):
    if token is not None:
        data["csrf_token"] = token
    return data


def test_signin_without_a_valid_token_is_refused(app):
    for token in bad_tokens(app):
        client = app.test_client()
        client.get("/signin")  # the person has a session, but the post lacks its token
        response = client.post(
            "/signin",
            data=_payload(token, email=PERSONAS["maria"], password=DEMO_PASSWORD),
        )
        assert response.status_code == 400, token
        body = response.get_data(as_text=True)
        assert "The request could not be understood." in body
        # The refusal still gives a reference to quote.
        assert f"quote this reference: {response.headers['X-Request-Id']}" in body
        assert response.headers["X-Request-Id"]
        assert client.get("/children").status_code == 302, token


def test_signout_without_a_valid_token_is_refused(app, as_):
    maria = as_("maria")
    for token in bad_tokens(app):
        response = maria.client.post("/signout", data=_payload(token))
        assert response.status_code == 400, token
        assert maria.get("/children").status_code == 200, token


def _optout_state(app, optout_id):
    with app.app_context():
        status = db.session.scalar(select(OptOut.status).where(OptOut.id == optout_id))
        events = db.session.scalar(
            select(func.count()).select_from(Event).where(Event.optout_id == optout_id)
        )
        db.session.remove()
    return status, events


@pytest.fixture
def submitted(demo):
    return demo.optouts["submitted"]


def test_withdraw_without_a_valid_token_is_refused(app, as_, submitted):
    before = _optout_state(app, submitted)
    assert before[0] == OptOutStatus.SUBMITTED
    maria = as_("maria")
    for token in bad_tokens(app):
        response = maria.client.post(f"/requests/{submitted}/withdraw", data=_payload(token))
        assert response.status_code == 400, token
        assert _optout_state(app, submitted) == before, token


def test_withdraw_with_the_token_from_the_page_works(app, as_, submitted):
    """The refusals above are about the token: the same post with it goes through."""
    _status, events_before = _optout_state(app, submitted)
    maria = as_("maria")
    response = maria.post(f"/requests/{submitted}/withdraw", {})
    assert response.status_code == 302
    # Luis asked for the same opt-out, so it stands, but Maria's withdrawal is on record.
    _status, events_after = _optout_state(app, submitted)
    assert events_after == events_before + 1
