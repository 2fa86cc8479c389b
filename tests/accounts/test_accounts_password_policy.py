"""Passwords (ASVS 6.2, 11.4.2 / v4 2.4): argon2id at an OWASP row, upgraded at sign-in; 12 to 128
characters of anything, no composition rules, the most common ones refused, Unicode accepted."""

import re

import pytest
from argon2 import PasswordHasher, Type
from argon2 import extract_parameters as argon2_parameters
from sqlalchemy import func, select, update

from consent import create_app
from consent.accounts import passwords
from consent.accounts.models import Account
from consent.audit.models import AuditEvent
from consent.extensions import db
from tests.accounts.accounts_helpers import DEMO_PASSWORD, PERSONAS, Browser, account_row

# OWASP Password Storage Cheat Sheet, argon2id rows (memory KiB, iterations, parallelism).
OWASP_ROWS = [(47104, 1, 1), (19456, 2, 1), (12288, 3, 1), (9216, 4, 1), (7168, 5, 1)]
COMMON = "That password is one of the first that attackers try."


def problem(password, email=None):
    found = passwords.password_problem(password, email=email)
    return str(found) if found else None


def test_hashes_are_argon2id_at_or_above_an_owasp_row():
    params = argon2_parameters(passwords.hash_password("a fine long passphrase"))
    assert params.type is Type.ID
    assert any(
        params.memory_cost >= m and params.time_cost >= t and params.parallelism >= p
        for m, t, p in OWASP_ROWS
    )
    assert params.memory_cost >= 19456 and params.time_cost >= 2


@pytest.mark.parametrize(
    "password",
    [
        "twelve chars",  # exactly 12, spaces count
        "x" * 4 + "correcthorse",
        "a moose once bit my sister " * 4 + "ok",  # 110 characters
        "ÉléphantRose",  # accents
        "私のパスワードはとても長いです",  # Japanese, 15 characters
        "пароль для семьи",  # Cyrillic
        "🐢 slow and steady 🐢",  # emoji
        "all lowercase no digits",  # no composition rules
    ],
)
def test_acceptable_passwords(password):
    assert problem(password) is None, password


def test_length_is_counted_in_characters_from_12_to_128():
    base = "the quick brown fox jumps over a lazy dog while "
    long_ok = (base * 3)[:128]
    assert problem(long_ok) is None
    assert "between 12 and 128 characters" in problem(long_ok + "x")
    assert "between 12 and 128 characters" in problem("eleven char")
    assert problem("twelve chars") is None
    # Twelve characters even though most take several bytes.
    assert problem("ßüñçøé✓ΩЖ中文字") is None


@pytest.mark.parametrize(
    "password",
    [
        "password1234",
        "Password1234!",
        "123456789012",
        "qwertyuiopasdf",
        "passwordpassword",
        "aaaaaaaaaaaaaaaa",
        "abcabcabcabcabc",
        "winniethepooh",
        "iloveyou2024!!",
        "  monkey123456  ",
        "consent-demo-2026",  # the demo's published password
        "PASSWORD1234",  # case does not help
        "ｐａｓｓｗｏｒｄ１２３４",  # full-width letters normalise to the same
    ],
)
def test_the_most_common_passwords_are_refused(password):
    assert problem(password) is not None and COMMON in problem(password), password


def test_the_list_is_shipped_in_the_package_and_large():
    assert passwords.COMMON_PASSWORDS_FILE.parent == passwords.Path(passwords.__file__).parent
    listed = passwords.common_passwords()
    assert len(listed) > 3000
    assert {"password", "123456", "iloveyou", "qwerty"} <= listed


def test_a_password_built_on_the_email_address_is_refused():
    assert COMMON in problem("maria.garcia forever", email=PERSONAS["maria"])
    assert problem("maria.garcia forever", email=PERSONAS["james"]) is None


def test_unicode_passwords_match_in_any_normal_form(app, ctx):
    composed = "Café crème brûlée"  # NFC
    decomposed = "Cafe\u0301 cre\u0300me bru\u0302le\u0301e"  # NFD, looks the same
    stored = passwords.hash_password(composed)
    assert passwords.verify_password(stored, decomposed)
    assert passwords.verify_password(stored, composed)
    assert not passwords.verify_password(stored, "Cafe creme brulee")


def test_an_outdated_hash_is_upgraded_at_sign_in(app, browser):
    # The production row (the tests' own accounts use cheap parameters: tests/support.py).
    app.config["PASSWORD_HASH_MEMORY_KIB"] = passwords.MEMORY_COST_KIB
    app.config["PASSWORD_HASH_TIME_COST"] = passwords.TIME_COST
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1, type=Type.ID)
    with app.app_context():
        db.session.execute(
            update(Account)
            .where(Account.email == PERSONAS["maria"])
            .values(password_hash=weak.hash(DEMO_PASSWORD))
        )
        db.session.commit()
        db.session.remove()
    assert argon2_parameters(account_row(app, "maria").password_hash).memory_cost == 8192
    response = browser.post(
        "/signin", {"email": PERSONAS["maria"], "password": DEMO_PASSWORD}, token_from="/signin"
    )
    assert response.status_code == 302
    upgraded = account_row(app, "maria").password_hash
    assert argon2_parameters(upgraded).memory_cost == passwords.MEMORY_COST_KIB
    assert argon2_parameters(upgraded).time_cost == passwords.TIME_COST
    with app.app_context():
        assert not passwords.needs_rehash(upgraded)
        assert passwords.verify_password(upgraded, DEMO_PASSWORD)


def test_the_app_refuses_to_start_with_parameters_below_every_owasp_row():
    assert passwords.parameters_problem(passwords.MEMORY_COST_KIB, passwords.TIME_COST) is None
    assert passwords.parameters_problem(47104, 1) is None
    assert "below every OWASP row" in passwords.parameters_problem(19456, 1)
    assert "below every OWASP row" in passwords.parameters_problem(1024, 1)
    with pytest.raises(RuntimeError, match="below every OWASP row"):
        create_app({"SECRET_KEY": "k", "PASSWORD_HASH_MEMORY_KIB": 8192, "TESTING": False})
    production = create_app({"SECRET_KEY": "k"})
    with production.app_context():
        params = argon2_parameters(passwords.hash_password("a fine long passphrase"))
    assert (params.memory_cost, params.time_cost) == (19456, 2)


def errors(response) -> str:
    return " ".join(re.findall(r'<p class="error"[^>]*>(.*?)</p>', response.get_data(as_text=True)))


def test_change_password_page(app, as_):
    maria = as_("maria")
    page = maria.get("/account/password").get_data(as_text=True)
    assert 'autocomplete="current-password"' in page and 'autocomplete="new-password"' in page
    before = account_row(app, "maria")

    wrong = maria.post(
        "/account/password",
        {
            "current": "not my password",
            "password": "a calm green lake",
            "confirm": "a calm green lake",
        },
    )
    assert wrong.status_code == 200
    assert "That is not your current password." in errors(wrong)
    common = maria.post(
        "/account/password",
        {"current": DEMO_PASSWORD, "password": "password1234", "confirm": "password1234"},
    )
    assert "one of the first that attackers try" in errors(common).replace("&#39;", "'")
    assert account_row(app, "maria") == before

    done = maria.post(
        "/account/password",
        {"current": DEMO_PASSWORD, "password": "a calm green lake", "confirm": "a calm green lake"},
    )
    assert done.status_code == 302
    assert "Your password is changed." in maria.get("/account").get_data(as_text=True)
    fresh = Browser(app.test_client())
    assert (
        fresh.post(
            "/signin",
            {"email": PERSONAS["maria"], "password": "a calm green lake"},
            token_from="/signin",
        ).status_code
        == 302
    )
    with app.app_context():
        actions = set(
            db.session.scalars(
                select(AuditEvent.action).where(AuditEvent.action.like("accounts.password%"))
            )
        )
        assert actions == {"accounts.password_change_failed", "accounts.password_changed"}
        db.session.remove()


def test_the_account_page_links_to_change_password(as_):
    page = as_("johnson").get("/account").get_data(as_text=True)
    assert 'href="/account/password"' in page
    assert 'href="/account"' in as_("johnson").get("/tasks").get_data(as_text=True)


def test_an_invitation_refuses_a_common_password(app, smtp, browser):
    from tests.accounts.test_invitations import invite_all

    path = invite_all(app, smtp)["robert.smith@demo.consent.example"]
    refused = browser.post(path, {"password": "123456789012", "confirm": "123456789012"})
    assert refused.status_code == 200
    assert "one of the first that attackers try" in errors(refused).replace("&#39;", "'")
    with app.app_context():
        count = db.session.scalar(
            select(func.count())
            .select_from(Account)
            .where(Account.email == "robert.smith@demo.consent.example")
        )
        db.session.remove()
    assert count == 0
    unicode_ok = browser.post(
        path, {"password": "Ünser Haus am Meer", "confirm": "Ünser Haus am Meer"}
    )
    assert unicode_ok.status_code == 302
