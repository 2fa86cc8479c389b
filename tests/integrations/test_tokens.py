"""The privacy office's integration pages: make a token (clear errors, nothing saved on a
mistake), see it once, never again, revoke it after a confirmation; only the office reaches
any of it (every persona probed), and a refusal is a 404 like a missing page, audited."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from consent.audit.models import AuditEvent
from consent.core import clock
from consent.extensions import db
from consent.integrations.models import IntegrationToken
from tests.support import PERSONAS

NEW = "/integrations/new"


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(IntegrationToken))


def _form(**changes) -> dict:
    data = {
        "name": "Student information system",
        "scopes": ["optouts:read", "exclusions:read"],
        "school": "district",
        "expires_on": (clock.today() + timedelta(days=90)).isoformat(),
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "Name the system that will use the token."),
        ({"scopes": []}, "Choose at least one thing the system may read."),
        ({"expires_on": ""}, "Choose the last day the token works."),
        (
            {"expires_on": (clock.today() - timedelta(days=1)).isoformat()},
            "Choose an expiry date from today on.",
        ),
        (
            {"expires_on": (clock.today() + timedelta(days=400)).isoformat()},
            "A token may live a year at most",
        ),
        ({"school": "987654"}, "Not a valid choice"),
    ],
)
def test_a_mistake_is_shown_on_the_form_and_nothing_is_saved(app, as_, changes, message):
    answer = as_("lee").post(NEW, _form(**changes))
    assert answer.status_code == 200
    assert message in answer.get_data(as_text=True)
    assert _count(app) == 0


def test_the_token_is_shown_once_then_revoked_after_a_confirmation(app, as_, demo):
    lee = as_("lee")
    shown = lee.post(NEW, _form(school=str(demo.schools["oakwood"])))
    assert shown.status_code == 200
    assert shown.headers["Cache-Control"] == "no-store"
    page = shown.get_data(as_text=True)
    with app.app_context():
        token = db.session.scalar(select(IntegrationToken))
        token_id, prefix = token.id, token.prefix
    secret = page.split('value="cst_', 1)[1].split('"', 1)[0]
    secret = f"cst_{secret}"
    assert secret.startswith(f"cst_{prefix}_") and len(secret) > 50
    # Never again: not on the list, not on its page.
    assert secret not in lee.get("/integrations").get_data(as_text=True)
    detail = lee.get(f"/integrations/{token_id}").get_data(as_text=True)
    assert secret not in detail and "Oakwood Elementary School" in detail
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {secret}"}
    assert api.get("/api/v1/students", headers=bearer).status_code == 200

    # The revoke link asks first; looking at the question revokes nothing.
    question = lee.get(f"/integrations/{token_id}/revoke")
    assert question.status_code == 200 and "Revoke the token" in question.get_data(as_text=True)
    assert api.get("/api/v1/students", headers=bearer).status_code == 200
    done = lee.post(f"/integrations/{token_id}/revoke", {})
    assert done.status_code == 302
    assert api.get("/api/v1/students", headers=bearer).status_code == 401
    assert "Revoked" in lee.get(f"/integrations/{token_id}").get_data(as_text=True)
    # Twice is refused with a message, nothing changes.
    again = lee.post(f"/integrations/{token_id}/revoke", {}, follow_redirects=True)
    assert "already revoked" in again.get_data(as_text=True)
    with app.app_context():
        actions = db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.like("integration.%"))
            .order_by(AuditEvent.id)
        ).all()
    assert actions == ["integration.created", "integration.revoked"]


def test_the_list_pages_and_names_each_tokens_state(app, as_, make_token):
    for n in range(3):
        make_token(name=f"System {n}")
    app.config["INTEGRATIONS_PAGE_SIZE"] = 2
    lee = as_("lee")
    first = lee.get("/integrations").get_data(as_text=True)
    assert "System 2" in first and "System 1" in first and "System 0" not in first
    assert "System 0" in lee.get("/integrations?page=2").get_data(as_text=True)


def _urls(token_id: int) -> list[tuple[str, str]]:
    return [
        ("GET", "/integrations"),
        ("GET", NEW),
        ("POST", NEW),
        ("GET", f"/integrations/{token_id}"),
        ("GET", f"/integrations/{token_id}/revoke"),
        ("POST", f"/integrations/{token_id}/revoke"),
    ]


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_only_the_privacy_office_reaches_the_integration_pages(app, as_, make_token, persona):
    make_token()
    with app.app_context():
        token_id = db.session.scalar(select(IntegrationToken.id))
    browser = as_(persona)
    for method, url in _urls(token_id):
        if method == "GET":
            answer = browser.get(url)
        else:
            answer = browser.post(url, _form(), token_from="/account")
        if persona == "lee":
            assert answer.status_code in (200, 302), (method, url)
        else:
            assert answer.status_code == 404, (persona, method, url)
    with app.app_context():
        token = db.session.get(IntegrationToken, token_id)
        revoked = token.revoked
        count = db.session.scalar(select(func.count()).select_from(IntegrationToken))
        denied = db.session.scalar(select(func.count()).where(AuditEvent.action == "access.denied"))
    if persona == "lee":
        assert revoked and count == 2
        # A missing token is a 404 for the office too.
        for url in ("/integrations/987654", "/integrations/987654/revoke"):
            assert browser.get(url).status_code == 404
    else:
        assert not revoked and count == 1 and denied >= len(_urls(token_id))


def test_an_anonymous_visitor_is_sent_to_sign_in(app, browser, make_token):
    make_token()
    for _method, url in _urls(1):
        answer = browser.get(url)
        assert answer.status_code == 302 and "/signin" in answer.headers["Location"]
