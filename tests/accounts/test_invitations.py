"""Guardians and staff from the roster are invited by email to set a password."""

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from consent.accounts.invitations import send_invitations
from consent.accounts.models import Account
from consent.extensions import db
from consent.notifications.operations import deliver_due
from consent.roster.models import Relationship, Student
from tests import factories
from tests.accounts.accounts_helpers import mail_ready

LINK_RE = re.compile(r"http://consent\.test(/invitation/[A-Za-z0-9_\-.]+)")
# Demo guardians with rights and an email but no account.
WAITING = {
    "robert.smith@demo.consent.example",
    "susan.brown@demo.consent.example",
    "karen.taylor@demo.consent.example",
    "michael.davis@demo.consent.example",
    "nora.miller@demo.consent.example",
    "kevin.wilson@demo.consent.example",
    "sarah.moore@demo.consent.example",
}


def invite_all(app, smtp) -> dict[str, str]:
    """Run `flask accounts invite`, deliver, and return each recipient's invitation path."""
    mail_ready(app, smtp)
    result = app.test_cli_runner().invoke(args=["accounts", "invite"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        deliver_due()
    links = {}
    for message in smtp.messages:
        body = message.get_payload()[0].get_payload()[0].get_payload(decode=True).decode()
        links[message["To"]] = LINK_RE.search(body).group(1)
    return links


def test_every_guardian_with_rights_and_email_and_no_account_is_invited(app, smtp):
    links = invite_all(app, smtp)
    assert set(links) == WAITING
    # Linda Williams has no email address: listed, not mailed.
    result = app.test_cli_runner().invoke(args=["accounts", "invite"])
    assert "guardians without an email address: 1" in result.output


def test_following_the_link_sets_a_password_and_signs_in(app, smtp, browser, demo):
    path = invite_all(app, smtp)["robert.smith@demo.consent.example"]
    page = browser.get(path)
    assert "Set up your account" in page.get_data(as_text=True)
    short = browser.post(path, {"password": "short", "confirm": "short"})
    assert "12" in short.get_data(as_text=True)
    done = browser.post(
        path, {"password": "a long family password", "confirm": "a long family password"}
    )
    assert done.status_code == 302
    home = browser.get("/children")
    assert "Liam Smith" in home.get_data(as_text=True)
    # Single use: the account it created ends the invitation.
    again = browser.get(path)
    assert again.status_code == 404
    assert "does not work any more" in again.get_data(as_text=True)


def test_sending_again_mails_only_those_still_without_an_account(app, smtp, browser):
    path = invite_all(app, smtp)["susan.brown@demo.consent.example"]
    browser.post(path, {"password": "a long family password", "confirm": "a long family password"})
    assert set(invite_all(app, smtp)) == WAITING - {"susan.brown@demo.consent.example"}


def test_a_tampered_or_expired_invitation_is_refused(app, smtp, browser):
    path = invite_all(app, smtp)["nora.miller@demo.consent.example"]
    assert browser.get(path[:-3] + "abc").status_code == 404
    app.config["INVITATION_MAX_AGE"] = -1  # every link is now past its age
    assert browser.get(path).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Account)) == 12


def test_relatives_are_invited_only_when_the_district_allows(app, ctx, demo):
    def add_grandfather():
        grandpa = factories.guardian()
        emma = db.session.get(Student, demo.students["emma"])
        factories.link(grandpa, emma, relationship=Relationship.RELATIVE, has_rights=False)

    add_grandfather()
    assert send_invitations().sent == 7
    db.session.rollback()
    app.config["INVITE_RELATIVES"] = True
    add_grandfather()
    assert send_invitations().sent == 8


def test_staff_from_the_roster_are_invited(app, ctx):
    factories.staff()
    assert send_invitations().sent == 8


def test_the_privacy_office_sends_invitations_and_downloads_the_no_email_list(app, as_, smtp):
    lee = as_("lee")
    page = lee.get("/accounts/invitations").get_data(as_text=True)
    assert re.search(r"Guardians to invite</dt><dd>7<", page)
    sent = lee.post("/accounts/invitations", {}, follow_redirects=True)
    assert "7 invitations are on their way" in sent.get_data(as_text=True)
    response = lee.get("/accounts/invitations/no-email.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][0] == "guardian"
    assert rows[1][:4] == ["Linda Williams", "", "es", "Noah Williams"]


@pytest.mark.parametrize("persona", ["maria", "johnson", "brooks"])
def test_only_the_privacy_office_may_invite(as_, persona):
    user = as_(persona)
    assert user.get("/accounts/invitations").status_code == 404
    assert user.get("/accounts/invitations/no-email.csv").status_code == 404
