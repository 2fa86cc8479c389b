"""Staff single sign-on against a real OpenID Connect provider on loopback (npm oidc-provider run
with node, see tests/oidc_provider): the real redirects, the real token endpoint, real signed ID
tokens. Where a case needs a bad token, the provider's own configuration makes it: a second
registered client (another audience), a restart with a new key under the same key id, the
district's clock moved past the token's lifetime or before its issue."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc.errors import InvalidClaimError
from sqlalchemy import func, select, update

from consent.accounts import sso
from consent.accounts.models import Account, AccountSession
from consent.audit.models import AuditEvent
from consent.core import clock
from consent.demo.operations import DEMO_PASSWORD
from consent.extensions import db
from consent.roster.models import Staff
from tests import factories
from tests.support import PERSONAS, Browser, with_query

JOHNSON = PERSONAS["johnson"]


@pytest.fixture(autouse=True)
def _real_clock():
    yield
    clock.reset()


def start(browser: Browser) -> str:
    """Press "Sign in with ...": the provider's authorize URL this service redirects to."""
    answer = browser.get("/signin/sso")
    assert answer.status_code == 302, answer.status_code
    return answer.headers["Location"]


def come_back(browser: Browser, callback_url: str):
    parts = urlsplit(callback_url)
    return browser.get(f"{parts.path}?{parts.query}")


def sso_sign_in(browser: Browser, provider, login: str):
    return come_back(browser, provider.sign_in(start(browser), login))


def actions(app) -> list[str]:
    with app.app_context():
        found = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
        db.session.remove()
    return found


def count(app, model) -> int:
    with app.app_context():
        n = db.session.scalar(select(func.count()).select_from(model))
        db.session.remove()
    return n


def signed_in_as(browser: Browser) -> str | None:
    answer = browser.get("/account")
    return None if answer.status_code != 200 else answer.get_data(as_text=True)


def assert_refused(app, browser, answer, status: int, action: str, before: dict) -> None:
    assert answer.status_code == status
    assert signed_in_as(browser) is None
    assert actions(app)[-1] == action
    assert count(app, Account) == before["accounts"]
    assert count(app, AccountSession) == before["sessions"]


def snapshot(app) -> dict:
    return {"accounts": count(app, Account), "sessions": count(app, AccountSession)}


# --- success --------------------------------------------------------------------------------


def test_signin_page_offers_the_district_provider(browser, oidc_provider):
    page = browser.get("/signin").get_data(as_text=True)
    assert "Sign in with Demo District Login" in page


def test_no_provider_configured_means_no_sso(browser):
    assert "Sign in with" not in browser.get("/signin").get_data(as_text=True)
    assert browser.get("/signin/sso").status_code == 404
    assert browser.get("/signin/sso/callback?code=x&state=y").status_code == 404


def test_the_redirect_carries_pkce_state_and_nonce(browser, oidc_provider):
    query = parse_qs(urlsplit(start(browser)).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"][0] and query["state"][0] and query["nonce"][0]
    assert query["client_id"] == ["consent"]
    assert query["redirect_uri"] == ["http://consent.test/signin/sso/callback"]
    assert set(query["scope"][0].split()) == {"openid", "email", "profile"}


def test_a_staff_member_signs_in_with_the_roster_role(app, browser, oidc_provider):
    answer = sso_sign_in(browser, oidc_provider, JOHNSON)
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith("/")
    assert "Emily Johnson" in signed_in_as(browser)
    assert actions(app)[-1] == "accounts.signin_sso"
    with app.app_context():
        account = db.session.scalar(select(Account).where(Account.email == JOHNSON))
        assert account.role.value == "teacher"  # from the roster; the provider sends no role
        live = db.session.scalars(
            select(AccountSession).where(
                AccountSession.account_id == account.id, AccountSession.revoked_at.is_(None)
            )
        ).all()
        assert len(live) == 1


def test_a_staff_member_without_an_account_gets_one_linked_to_the_roster(
    app, browser, oidc_provider
):
    with app.app_context():
        staff = factories.staff(email="New.Teacher@Factory.example")
        db.session.commit()
        staff_id = staff.id
    before = count(app, Account)
    answer = sso_sign_in(browser, oidc_provider, "new.teacher@factory.example")
    assert answer.status_code == 302
    assert count(app, Account) == before + 1
    assert actions(app)[-2:] == ["accounts.created", "accounts.signin_sso"]
    with app.app_context():
        account = db.session.scalar(select(Account).where(Account.staff_id == staff_id))
        assert account.email == "new.teacher@factory.example"
        assert account.password_hash == sso.NO_PASSWORD
        db.session.remove()
    # No password signs in to it.
    other = Browser(app.test_client())
    refused = other.post(
        "/signin",
        {"email": "new.teacher@factory.example", "password": sso.NO_PASSWORD},
        token_from="/signin",
    )
    assert refused.status_code == 200


# --- sign-out and deactivation --------------------------------------------------------------


def test_signout_ends_the_local_session_and_the_providers(app, browser, oidc_provider):
    sso_sign_in(browser, oidc_provider, JOHNSON)
    answer = browser.post("/signout", token_from="/account")
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(f"{oidc_provider.issuer}/session/end?")
    query = parse_qs(urlsplit(location).query)
    assert query["client_id"] == ["consent"]
    assert query["post_logout_redirect_uri"] == ["http://consent.test/signin"]
    assert signed_in_as(browser) is None
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(AccountSession)
                .where(
                    AccountSession.revoked_at.is_(None),
                    AccountSession.account_id.in_(
                        select(Account.id).where(Account.email == JOHNSON)
                    ),
                )
            )
            == 0
        )
        db.session.remove()


def test_a_password_signout_does_not_visit_the_provider(as_, oidc_provider):
    browser = as_("johnson")
    answer = browser.post("/signout", token_from="/account")
    assert answer.headers["Location"].endswith("/signin")


def test_deactivating_the_account_ends_an_sso_session(app, browser, oidc_provider):
    sso_sign_in(browser, oidc_provider, JOHNSON)
    assert signed_in_as(browser)
    with app.app_context():
        db.session.execute(update(Account).where(Account.email == JOHNSON).values(active=False))
        db.session.commit()
    assert signed_in_as(browser) is None
    # And the provider cannot sign the deactivated account back in.
    before = snapshot(app)
    answer = sso_sign_in(Browser(app.test_client()), oidc_provider, JOHNSON)
    assert answer.status_code == 403
    assert actions(app)[-1] == "accounts.sso_inactive"
    assert count(app, AccountSession) == before["sessions"]


# --- the person ------------------------------------------------------------------------------


def test_a_person_not_on_the_roster_gets_a_clear_page_and_no_account(app, browser, oidc_provider):
    before = snapshot(app)
    answer = sso_sign_in(browser, oidc_provider, "stranger@elsewhere.example")
    assert_refused(app, browser, answer, 403, "accounts.sso_unknown", before)
    assert "You are not on the staff roster" in answer.get_data(as_text=True)


def test_an_unverified_email_is_refused(app, browser, own_oidc_provider):
    own_oidc_provider.accounts["unverified-johnson"] = {"email": JOHNSON, "email_verified": False}
    own_oidc_provider.restart()
    before = snapshot(app)
    answer = sso_sign_in(browser, own_oidc_provider, "unverified-johnson")
    assert_refused(app, browser, answer, 403, "accounts.sso_unverified", before)
    assert "not verified" in answer.get_data(as_text=True)


def test_a_staff_member_who_left_the_roster_since_last_sign_in_is_refused(
    app, browser, oidc_provider
):
    assert sso_sign_in(browser, oidc_provider, JOHNSON).status_code == 302
    browser.post("/signout", token_from="/account")
    with app.app_context():
        db.session.execute(update(Staff).where(Staff.email == JOHNSON).values(active=False))
        db.session.commit()
    before = snapshot(app)
    answer = sso_sign_in(Browser(app.test_client()), oidc_provider, JOHNSON)
    assert answer.status_code == 403
    assert "no longer on the staff roster" in answer.get_data(as_text=True)
    assert actions(app)[-1] == "accounts.sso_inactive"
    assert snapshot(app) == before


def test_an_email_a_guardian_signs_in_with_makes_no_staff_account(app, browser, oidc_provider):
    with app.app_context():
        factories.staff(email=PERSONAS["james"])  # a parent who also works for the district
        db.session.commit()
    before = snapshot(app)
    answer = sso_sign_in(browser, oidc_provider, PERSONAS["james"])
    assert_refused(app, browser, answer, 403, "accounts.sso_email_taken", before)


def test_a_guardian_cannot_sign_in_through_the_provider(app, browser, oidc_provider):
    before = snapshot(app)
    answer = sso_sign_in(browser, oidc_provider, PERSONAS["maria"])
    assert_refused(app, browser, answer, 403, "accounts.sso_unknown", before)


# --- the protocol ----------------------------------------------------------------------------


def test_a_state_mismatch_is_refused(app, browser, oidc_provider):
    back = oidc_provider.sign_in(start(browser), JOHNSON)
    before = snapshot(app)
    answer = come_back(browser, with_query(back, state="not-the-state-we-sent"))
    assert_refused(app, browser, answer, 400, "accounts.sso_failed", before)
    assert "security checks" in answer.get_data(as_text=True)


def test_a_callback_from_another_browser_is_refused(app, browser, oidc_provider):
    """The provider's answer to one browser's sign-in, carried to another browser (login CSRF):
    the other browser's session holds no such state."""
    back = oidc_provider.sign_in(start(browser), JOHNSON)
    other = Browser(app.test_client())
    before = snapshot(app)
    answer = come_back(other, back)
    assert_refused(app, other, answer, 400, "accounts.sso_failed", before)


def test_a_replayed_callback_is_refused(app, browser, oidc_provider):
    back = oidc_provider.sign_in(start(browser), JOHNSON)
    assert come_back(browser, back).status_code == 302
    browser.post("/signout", token_from="/account")
    before = snapshot(app)
    answer = come_back(browser, back)
    assert_refused(app, browser, answer, 400, "accounts.sso_failed", before)


def test_a_replayed_nonce_is_refused(app, browser, oidc_provider):
    """The provider issues an ID token carrying the nonce of an earlier, finished sign-in: it
    does not match the nonce this browser's sign-in is waiting for."""
    first = start(browser)
    old_nonce = parse_qs(urlsplit(first).query)["nonce"][0]
    assert come_back(browser, oidc_provider.sign_in(first, JOHNSON)).status_code == 302
    browser.post("/signout", token_from="/account")
    second = start(browser)
    back = oidc_provider.sign_in(with_query(second, nonce=old_nonce), JOHNSON)
    before = snapshot(app)
    answer = come_back(browser, back)
    assert_refused(app, browser, answer, 400, "accounts.sso_failed", before)


def test_an_id_token_for_another_audience_is_refused(app, oidc_provider):
    """The provider's real ID token for the other registered service, offered to the checks the
    callback runs: refused for its audience. (In the code flow the token comes straight from the
    token endpoint to us, which issues our tokens only to our client, so the callback itself
    cannot be handed another service's token; see docs/security.md.)"""
    token = oidc_provider.id_token_for_other_client(JOHNSON, nonce="n-0123456789")
    with app.test_request_context():
        client = sso.client()
        with pytest.raises(InvalidClaimError, match="aud"):
            client.parse_id_token(token, nonce="n-0123456789", **sso.id_token_checks())
        # Expecting the other service's client id instead, the very same token passes: the
        # provider signed it, and only its audience is wrong for us.
        app.config["OIDC_CLIENT_ID"] = client.client_id = oidc_provider.OTHER_CLIENT_ID
        claims = client.parse_id_token(token, nonce="n-0123456789", **sso.id_token_checks())
        assert claims["aud"] == oidc_provider.OTHER_CLIENT_ID


@pytest.mark.parametrize(
    "moved", [timedelta(hours=2), -timedelta(hours=1)], ids=["expired", "not-yet-valid"]
)
def test_an_id_token_outside_its_lifetime_is_refused(app, browser, oidc_provider, moved):
    """The provider's ID tokens live an hour: two hours on, the token has expired; an hour
    before, it was issued in the future."""
    back = oidc_provider.sign_in(start(browser), JOHNSON)
    before = snapshot(app)
    clock.travel_to(clock.now() + moved)
    answer = come_back(browser, back)
    assert_refused(app, browser, answer, 400, "accounts.sso_failed", before)


def test_a_token_signed_with_an_unknown_key_is_refused(app, browser, own_oidc_provider):
    """The app knows the provider's key from a first sign-in; the provider restarts signing with
    a new key under the same key id, which the app has never seen."""
    assert sso_sign_in(browser, own_oidc_provider, JOHNSON).status_code == 302
    browser.post("/signout", token_from="/account")
    own_oidc_provider.restart()
    fresh = Browser(app.test_client())
    back = own_oidc_provider.sign_in(start(fresh), JOHNSON)
    before = snapshot(app)
    answer = come_back(fresh, back)
    assert_refused(app, fresh, answer, 400, "accounts.sso_failed", before)


def test_the_provider_down_gives_a_page_naming_it(app, browser, own_oidc_provider):
    own_oidc_provider.stop()
    before = snapshot(app)
    answer = browser.get("/signin/sso")
    assert answer.status_code == 503
    page = answer.get_data(as_text=True)
    assert "Demo District Login is not answering" in page
    assert snapshot(app) == before


def test_the_provider_going_down_mid_sign_in_creates_nothing(app, browser, own_oidc_provider):
    with app.app_context():
        factories.staff(email="midway@factory.example")
        db.session.commit()
    back = own_oidc_provider.sign_in(start(browser), "midway@factory.example")
    own_oidc_provider.stop()
    before = snapshot(app)
    answer = come_back(browser, back)
    assert answer.status_code == 503
    assert snapshot(app) == before
    assert signed_in_as(browser) is None


def test_the_provider_refusing_the_person_is_a_clear_page(app, browser, oidc_provider):
    start(browser)
    answer = browser.get("/signin/sso/callback?error=access_denied&state=whatever")
    assert answer.status_code == 400
    assert actions(app)[-1] == "accounts.sso_failed"


# --- password sign-in switched off for staff --------------------------------------------------


def test_staff_password_signin_can_be_switched_off(app, oidc_provider):
    app.config["STAFF_PASSWORD_SIGNIN"] = False
    staff = Browser(app.test_client())
    answer = staff.post(
        "/signin", {"email": JOHNSON, "password": DEMO_PASSWORD}, token_from="/signin"
    )
    assert answer.status_code == 200
    assert signed_in_as(staff) is None
    assert actions(app)[-1] == "accounts.signin_password_off"
    assert "Staff sign in with the district" in staff.get("/signin").get_data(as_text=True)
    guardian = Browser(app.test_client())
    guardian.sign_in("maria")  # guardians keep their passwords
    assert sso_sign_in(staff, oidc_provider, JOHNSON).status_code == 302


# --- who may use the new pages ----------------------------------------------------------------


def test_a_signed_in_person_is_sent_home_from_the_sso_pages(as_, oidc_provider):
    for persona in PERSONAS:
        browser = as_(persona)
        for url in ("/signin/sso", "/signin/sso/callback?code=x&state=y"):
            answer = browser.get(url)
            assert answer.status_code == 302, (persona, url)
            assert urlsplit(answer.headers["Location"]).path == "/", (persona, url)


def test_the_sso_pages_change_nothing_on_post(browser, oidc_provider):
    for url in ("/signin/sso", "/signin/sso/callback"):
        assert browser.client.post(url).status_code == 405
