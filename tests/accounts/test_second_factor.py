"""The second factor (issue 10 part 3): TOTP after the password for the privacy office and the
principals, optional for everyone else; replay, recovery codes, lockout, the office's reset."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from consent.accounts import invitations, totp
from consent.accounts.models import Account, RecoveryCode, SignInFailure
from consent.audit.models import AuditEvent
from consent.core import clock
from consent.demo.operations import DEMO_TOTP_SECRET
from consent.extensions import db, limiter
from consent.roster.models import StaffRole
from tests import factories
from tests.accounts.accounts_helpers import deliver, mail_ready, parts
from tests.security.routes import rules, sample_ids, url_for_rule
from tests.support import (
    DEMO_PASSWORD,
    PERSONAS,
    PROBE_COUNTS,
    Browser,
    csrf_from,
    make_app,
    second_factor_code,
)

KEY_RE = re.compile(r'<code id="totp-key">([A-Z2-7 ]+)</code>')
RECOVERY_RE = re.compile(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>")


@pytest.fixture
def frozen():
    """Codes belong to 30-second steps: the clock stands still so a test knows which."""
    clock.freeze(clock.now().replace(microsecond=0))
    yield clock.now()
    clock.reset()


def password_step(browser: Browser, persona: str):
    return browser.post(
        "/signin",
        {"email": PERSONAS[persona], "password": DEMO_PASSWORD},
        token_from="/signin",
    )


def code_step(browser: Browser, code: str):
    return browser.post("/signin/code", {"code": code})


def actions(app, persona: str) -> list[str]:
    with app.app_context():
        account_id = db.session.scalar(select(Account.id).where(Account.email == PERSONAS[persona]))
        found = db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.target == f"account:{account_id}")
            .order_by(AuditEvent.id)
        ).all()
        db.session.remove()
    return list(found)


def account_of(persona: str) -> Account:
    return db.session.scalar(select(Account).where(Account.email == PERSONAS[persona]))


def without_second_factor(app, persona: str) -> None:
    with app.app_context():
        db.session.execute(
            update(Account)
            .where(Account.email == PERSONAS[persona])
            .values(totp_secret=None, totp_enabled_at=None, totp_last_step=None)
        )
        db.session.commit()
        db.session.remove()


# --- the rules ------------------------------------------------------------------------------


def test_a_code_is_accepted_one_step_either_side_and_no_further(ctx, frozen):
    now = frozen
    step = totp._totp(DEMO_TOTP_SECRET).timecode(now)
    for seconds, accepted in ((-60, False), (-30, True), (0, True), (30, True), (60, False)):
        code = totp.code_at(DEMO_TOTP_SECRET, now + timedelta(seconds=seconds))
        found = totp.matching_step(DEMO_TOTP_SECRET, code, now=now, after=None)
        assert (found is not None) is accepted, seconds
        if accepted:
            assert found == step + seconds // 30
    assert totp.matching_step(DEMO_TOTP_SECRET, "12345a", now=now, after=None) is None
    assert totp.matching_step(DEMO_TOTP_SECRET, "", now=now, after=None) is None
    spaced = totp.code_at(DEMO_TOTP_SECRET, now)
    assert totp.matching_step(DEMO_TOTP_SECRET, f"{spaced[:3]} {spaced[3:]}", now=now, after=None)


def test_a_used_code_is_refused_within_its_window_and_the_next_one_works(ctx, frozen):
    office = account_of("lee")
    code = totp.code_at(DEMO_TOTP_SECRET, frozen)
    assert totp.check_code(office, code, now=frozen) == "totp"
    assert totp.check_code(office, code, now=frozen) is None
    # Nor an older step still inside the window.
    earlier = totp.code_at(DEMO_TOTP_SECRET, frozen - timedelta(seconds=30))
    assert totp.check_code(office, earlier, now=frozen) is None
    later = frozen + timedelta(seconds=30)
    assert totp.check_code(office, totp.code_at(DEMO_TOTP_SECRET, later), now=later) == "totp"


def test_each_recovery_code_signs_in_once_and_is_kept_only_hashed(ctx, frozen):
    office = account_of("lee")
    codes = totp.issue_recovery_codes(office, now=frozen)
    db.session.flush()
    assert len(codes) == len(set(codes)) == 10
    stored = db.session.scalars(
        select(RecoveryCode.code_hash).where(RecoveryCode.account_id == office.id)
    ).all()
    assert len(stored) == 10 and not set(stored) & {c.replace("-", "") for c in codes}
    assert all(h.startswith("$argon2id$") for h in stored)
    assert totp.check_code(office, codes[3].upper(), now=frozen) == "recovery"
    assert totp.check_code(office, codes[3], now=frozen) is None
    assert totp.recovery_codes_left(office) == 9
    assert totp.check_code(office, codes[4].replace("-", " "), now=frozen) == "recovery"


def test_required_for_the_office_and_principals_on_password_sign_in_only(ctx):
    for persona, required in (
        ("lee", True),
        ("brooks", True),
        ("johnson", False),
        ("maria", False),
    ):
        account = account_of(persona)
        assert totp.required_for(account) is required, persona
        assert totp.required_for(account, method="sso") is False, persona


# --- signing in -----------------------------------------------------------------------------


def test_the_office_signs_in_with_password_then_code(app, browser, frozen):
    answer = password_step(browser, "lee")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/signin/code")
    assert "accounts.signin" not in actions(app, "lee")
    page = browser.get("/signin/code").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page
    wrong = code_step(
        browser, "000000" if totp.code_at(DEMO_TOTP_SECRET, frozen) != "000000" else "111111"
    )
    assert wrong.status_code == 200
    assert "That code does not match" in wrong.get_data(as_text=True)
    answer = code_step(browser, totp.code_at(DEMO_TOTP_SECRET, frozen))
    assert answer.status_code == 302 and "/signin" not in answer.headers["Location"]
    assert browser.get("/audit").status_code == 200
    assert actions(app, "lee")[-3:] == [
        "accounts.second_factor_failed",
        "accounts.second_factor_used",
        "accounts.signin",
    ]


def test_a_code_used_for_one_sign_in_cannot_sign_in_again(app, frozen):
    code = totp.code_at(DEMO_TOTP_SECRET, frozen)
    first, second = Browser(app.test_client()), Browser(app.test_client())
    password_step(first, "brooks")
    assert code_step(first, code).status_code == 302
    password_step(second, "brooks")
    replayed = code_step(second, code)
    assert replayed.status_code == 200
    assert second.get("/requests").status_code == 302  # still not signed in


def test_a_recovery_code_signs_in_once(app, frozen):
    with app.app_context():
        codes = totp.issue_recovery_codes(account_of("reed"), now=frozen)
        db.session.commit()
        db.session.remove()
    browser = Browser(app.test_client())
    password_step(browser, "reed")
    assert code_step(browser, codes[0]).status_code == 302
    assert "accounts.recovery_code_used" in actions(app, "reed")
    again = Browser(app.test_client())
    password_step(again, "reed")
    assert code_step(again, codes[0]).status_code == 200


def test_wrong_codes_count_toward_the_lockout_like_wrong_passwords(app, smtp, frozen):
    app.config["SIGNIN_LOCKOUT_THRESHOLD"] = 3
    mail_ready(app, smtp)
    browser = Browser(app.test_client())
    password_step(browser, "lee")
    right = totp.code_at(DEMO_TOTP_SECRET, frozen)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(3):
        assert code_step(browser, wrong).status_code == 200
    locked = code_step(browser, right)
    assert "sign-in is paused" in locked.get_data(as_text=True)
    assert browser.get("/audit").status_code == 302
    acted = actions(app, "lee")
    assert "accounts.lockout" in acted and acted[-1] == "accounts.signin_locked"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SignInFailure)) == 3
        db.session.remove()
    # The password step is locked too, and the holder is emailed once, as for passwords.
    assert password_step(Browser(app.test_client()), "lee").status_code == 200
    deliver(app)
    assert len(smtp.to(PERSONAS["lee"])) == 1


def test_the_second_step_expires_and_a_password_change_ends_it(app, browser, frozen):
    password_step(browser, "lee")
    clock.freeze(frozen + timedelta(minutes=11))
    answer = browser.get("/signin/code")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/signin")
    clock.freeze(frozen)
    password_step(browser, "lee")
    with app.app_context():
        account_of("lee").session_token = "changed-by-a-password-reset"
        db.session.commit()
        db.session.remove()
    assert browser.get("/signin/code").status_code == 302


def test_half_signed_in_reaches_exactly_what_an_anonymous_visitor_does(app, as_):
    """After the password, before the code (or before enrolling): every GET in the URL map
    answers as it does to someone not signed in at all, for the office and a principal."""
    ids = sample_ids(app)
    anonymous = app.test_client()
    urls = [url_for_rule(r, ids) for r in rules(app, "GET")]
    urls = [u for u in urls if not u.startswith(("/signin/code", "/signin/enrol"))]
    without_second_factor(app, "reed")  # must enrol before anything
    probed = 0
    for persona, pending in (
        ("lee", "/signin/code"),
        ("brooks", "/signin/code"),
        ("reed", "/signin/enrol"),
    ):
        browser = Browser(app.test_client())
        answer = password_step(browser, persona)
        assert answer.headers["Location"].endswith(pending)
        for url in urls:
            expected = anonymous.get(url, buffered=True)
            got = browser.get(url, buffered=True)
            assert (got.status_code, got.headers.get("Location")) == (
                expected.status_code,
                expected.headers.get("Location"),
            ), f"{persona} half-signed-in: GET {url}"
            probed += 1
        assert browser.get(pending).status_code == 200  # still waiting for the second step
    PROBE_COUNTS["Second factor: half-signed-in GETs answered as anonymous"] = probed


# --- enrolment ------------------------------------------------------------------------------


def test_a_principal_without_a_second_factor_enrols_before_anything_else(app, frozen):
    without_second_factor(app, "brooks")
    browser = Browser(app.test_client())
    answer = password_step(browser, "brooks")
    assert answer.headers["Location"].endswith("/signin/enrol")
    page = browser.get("/signin/enrol").get_data(as_text=True)
    # Drawn here, inline: no image service, nothing the strict CSP would have to allow.
    svg = re.search(r"<svg\b.*?</svg>", page, re.S).group(0)
    assert 'role="img"' in svg and "style" not in svg and "<script" not in svg
    assert "<img" not in page and "otpauth" not in page
    assert "'unsafe-inline'" not in browser.get("/signin/enrol").headers["Content-Security-Policy"]
    key = KEY_RE.search(page).group(1).replace(" ", "")
    # No code step without a key: back to setting it up.
    assert browser.get("/signin/code").headers["Location"].endswith("/signin/enrol")
    refused = browser.post("/signin/enrol", {"code": "12345"})
    assert refused.status_code == 200 and browser.get("/requests").status_code == 302
    done = browser.post("/signin/enrol", {"code": totp.code_at(key, frozen)})
    assert done.status_code == 200
    codes = RECOVERY_RE.findall(done.get_data(as_text=True))
    assert len(codes) == 10
    assert browser.get("/requests").status_code == 200
    assert "accounts.second_factor_enrolled" in actions(app, "brooks")
    with app.app_context():
        brooks = account_of("brooks")
        assert brooks.totp_secret == key and brooks.has_second_factor
        db.session.remove()
    # Next time: password, then a code (the one just used is spent).
    again = Browser(app.test_client())
    assert password_step(again, "brooks").headers["Location"].endswith("/signin/code")
    assert code_step(again, totp.code_at(key, frozen)).status_code == 200
    assert code_step(again, codes[9]).status_code == 302


def test_an_invited_principal_enrols_before_the_first_session(app, frozen):
    with app.app_context():
        principal = factories.staff(role=StaffRole.PRINCIPAL)
        token = invitations.make_token(staff=principal)
        db.session.commit()
        db.session.remove()
    browser = Browser(app.test_client())
    passphrase = "a long new passphrase 42"
    answer = browser.post(f"/invitation/{token}", {"password": passphrase, "confirm": passphrase})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/signin/enrol")
    assert browser.get("/requests").status_code == 302
    page = browser.get("/signin/enrol").get_data(as_text=True)
    key = KEY_RE.search(page).group(1).replace(" ", "")
    assert browser.post("/signin/enrol", {"code": totp.code_at(key, frozen)}).status_code == 200
    assert browser.get("/requests").status_code == 200


def test_a_guardian_may_turn_the_second_factor_on_and_off(app, as_, frozen):
    maria = as_("maria")
    account_page = maria.get("/account").get_data(as_text=True)
    assert "Set up a second factor" in account_page
    page = maria.get("/account/second-factor").get_data(as_text=True)
    key = KEY_RE.search(page).group(1).replace(" ", "")
    wrong = maria.post("/account/second-factor", {"code": "000000"})
    assert wrong.status_code == 200 and "That code does not match" in wrong.get_data(as_text=True)
    done = maria.post("/account/second-factor", {"code": totp.code_at(key, frozen)})
    assert len(RECOVERY_RE.findall(done.get_data(as_text=True))) == 10
    assert "Recovery codes left: 10" in maria.get("/account").get_data(as_text=True)

    fresh = Browser(app.test_client())
    assert password_step(fresh, "maria").headers["Location"].endswith("/signin/code")

    later = frozen + timedelta(seconds=30)
    clock.freeze(later)
    off = maria.post(
        "/account/second-factor/off", {"code": totp.code_at(key, later)}, token_from="/account"
    )
    assert off.status_code == 302
    assert "accounts.second_factor_removed" in actions(app, "maria")
    assert "/signin" not in password_step(Browser(app.test_client()), "maria").headers["Location"]


def test_the_office_cannot_turn_its_own_second_factor_off(app, as_, frozen):
    lee = as_("lee")
    assert "Turn off the second factor" not in lee.get("/account").get_data(as_text=True)
    code = totp.code_at(DEMO_TOTP_SECRET, frozen + timedelta(seconds=30))
    refused = lee.post("/account/second-factor/off", {"code": code}, token_from="/account")
    assert refused.status_code == 200
    with app.app_context():
        assert account_of("lee").has_second_factor
        db.session.remove()


def test_a_person_replaces_used_up_recovery_codes_with_new_ones(app, as_, frozen):
    """Recovery codes run out; a person with the second factor gets ten new ones from the
    Account page, with a current code, and the old ones stop working."""
    with app.app_context():
        old = totp.issue_recovery_codes(account_of("lee"), now=frozen)
        db.session.commit()
    lee = as_("lee")
    page = lee.get("/account").get_data(as_text=True)
    assert "Recovery codes left: 10." in page and "Get new recovery codes" in page

    wrong = lee.post(
        "/account/second-factor/recovery-codes", {"renew-code": "000000"}, token_from="/account"
    )
    assert wrong.status_code == 200
    assert "That code does not match." in wrong.get_data(as_text=True)
    with app.app_context():
        assert totp.check_code(account_of("lee"), old[0], now=frozen) == "recovery"
        db.session.rollback()

    code = totp.code_at(DEMO_TOTP_SECRET, frozen + timedelta(seconds=30))
    renewed = lee.post(
        "/account/second-factor/recovery-codes", {"renew-code": code}, token_from="/account"
    )
    assert renewed.status_code == 200
    new = RECOVERY_RE.findall(renewed.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    assert "Your old recovery codes no longer work." in renewed.get_data(as_text=True)
    with app.app_context():
        lee_account = account_of("lee")
        assert totp.check_code(lee_account, old[1], now=frozen) is None
        assert totp.check_code(lee_account, new[0], now=frozen) == "recovery"
        db.session.rollback()
    assert "accounts.recovery_codes_renewed" in actions(app, "lee")


def test_without_a_second_factor_there_are_no_recovery_codes_to_renew(app, as_):
    maria = as_("maria")
    assert "Get new recovery codes" not in maria.get("/account").get_data(as_text=True)
    refused = maria.post(
        "/account/second-factor/recovery-codes", {"renew-code": "123456"}, token_from="/account"
    )
    assert refused.status_code == 302  # back to the Account page, nothing issued
    with app.app_context():
        maria_id = account_of("maria").id
        assert not db.session.scalar(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.account_id == maria_id)
        )
        db.session.remove()


# --- the office's reset ---------------------------------------------------------------------


def test_the_office_resets_a_principals_second_factor_and_the_principal_is_emailed(app, as_, smtp):
    mail_ready(app, smtp)
    lee = as_("lee")
    page = lee.get("/accounts/second-factor-reset")
    assert page.status_code == 200
    unknown = lee.post("/accounts/second-factor-reset", {"email": "nobody@demo.consent.example"})
    assert "No account with that email uses a second factor." in unknown.get_data(as_text=True)
    answer = lee.post("/accounts/second-factor-reset", {"email": PERSONAS["brooks"].upper()})
    assert answer.status_code == 302
    with app.app_context():
        brooks = account_of("brooks")
        assert not brooks.has_second_factor and brooks.totp_secret is None
        db.session.remove()
    assert "accounts.second_factor_reset" in actions(app, "brooks")
    deliver(app)
    [message] = smtp.to(PERSONAS["brooks"])
    assert "second factor" in message["Subject"]
    assert "reset the second factor" in parts(message)["text/plain"]
    # Their next password sign-in sets it up again.
    browser = Browser(app.test_client())
    assert password_step(browser, "brooks").headers["Location"].endswith("/signin/enrol")


@pytest.mark.parametrize("persona", ["anonymous", "maria", "johnson", "brooks", "reed"])
def test_only_the_office_reaches_the_reset(app, as_, persona):
    browser = Browser(app.test_client()) if persona == "anonymous" else as_(persona)
    for method in ("GET", "POST"):
        if method == "GET":
            answer = browser.get("/accounts/second-factor-reset")
        else:
            page = browser.get("/signin" if persona == "anonymous" else "/account")
            token = csrf_from(page.get_data(as_text=True))
            answer = browser.client.post(
                "/accounts/second-factor-reset",
                data={"csrf_token": token, "email": PERSONAS["reed"]},
            )
        if persona == "anonymous":
            assert answer.status_code == 302 and "/signin" in answer.headers["Location"]
        else:
            assert answer.status_code == 404, (persona, method)
    with app.app_context():
        assert account_of("reed").has_second_factor
        db.session.remove()


def test_the_demo_command_prints_the_demo_keys_code_only(app, frozen):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["accounts", "totp-code", PERSONAS["lee"]])
    assert result.exit_code == 0 and result.output.strip() == totp.code_at(DEMO_TOTP_SECRET, frozen)
    refused = runner.invoke(args=["accounts", "totp-code", PERSONAS["maria"]])
    assert refused.exit_code != 0


def test_the_test_helper_signs_the_office_in(app, as_):
    assert as_("lee").get("/audit").status_code == 200
    assert second_factor_code(app, PERSONAS["lee"]).isdigit()


@pytest.fixture
def limited_app(app, migrated, smtp):
    """The demo behind an app that allows three posts a minute to each sign-in form."""
    limited = make_app(migrated, SIGNIN_RATE_LIMIT="3 per minute", MAIL_PORT=smtp.port)
    with limited.app_context():
        limiter.reset()
    yield limited
    with limited.app_context():
        limiter.reset()
        db.session.remove()
        db.engine.dispose()


def test_code_guesses_are_rate_limited_like_passwords(limited_app, frozen):
    browser = Browser(limited_app.test_client())
    password_step(browser, "lee")
    right = totp.code_at(DEMO_TOTP_SECRET, frozen)
    wrong = "000000" if right != "000000" else "111111"
    for n in range(3):
        assert code_step(browser, wrong).status_code == 200, n
    assert code_step(browser, right).status_code == 429
    assert browser.get("/audit").status_code == 302
