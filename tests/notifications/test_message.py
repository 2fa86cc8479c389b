"""One message on its own page (issue 15): whole, as it was emailed, its line breaks kept and
its text escaped; opening it marks it read (once: the first time is kept); the menu counts the
unread ones; and nobody but its recipient opens it."""

import html
import re
from datetime import timedelta

from sqlalchemy import select, text

from consent.core import clock
from consent.extensions import db
from consent.notifications.models import Notification
from consent.notifications.operations import deliver_due
from tests.access.test_probes import normalised
from tests.notifications.test_inbox import listed

BODY_RE = re.compile(r'<div class="message-body">(.*?)</div>', re.S)
UNREAD_IN_MENU_RE = re.compile(
    r'href="/inbox"[^>]*>Messages <span class="unread-count">(\d+) unread'
)
UNREAD_IN_LIST_RE = re.compile(r'<li class="message message-unread">\s*<h2><a href="/inbox/(\d+)">')


def body_shown(page: str) -> str:
    return BODY_RE.search(page).group(1)


def unread_in_menu(page: str) -> int:
    found = UNREAD_IN_MENU_RE.search(page)
    return int(found.group(1)) if found else 0


def read_at(app, message_id: int):
    with app.app_context():
        when = db.session.scalar(select(Notification.read_at).where(Notification.id == message_id))
        db.session.remove()
        return when


def test_a_message_shows_whole_as_it_was_emailed(app, demo, as_, file_via_web, mailbox):
    reason = "My child <b>must not</b> be filmed.\nSecond line & more.\n\nA new paragraph."
    file_via_web(reason=reason)
    with app.app_context():
        deliver_due()
    emailed = [
        m
        for m in mailbox.new()
        if m.to == "maria.garcia@demo.consent.example" and "Seesaw" in m.subject
    ]
    assert len(emailed) == 1
    maria = as_("maria")
    newest = listed(maria)[0]
    assert newest[1] == emailed[0].subject

    page = maria.get(f"/inbox/{newest[0]}").get_data(as_text=True)
    shown = body_shown(page)
    assert html.unescape(shown) == emailed[0].text.rstrip("\n")
    assert len(shown) > 300, "the whole message, not the first 300 characters"
    assert "My child &lt;b&gt;must not&lt;/b&gt; be filmed.\nSecond line &amp; more." in shown
    assert "<b>" not in shown


def test_opening_a_message_marks_it_read_and_the_menu_counts_the_unread(app, demo, as_):
    maria = as_("maria")
    inbox = maria.get("/inbox").get_data(as_text=True)
    unread = [int(n) for n in UNREAD_IN_LIST_RE.findall(inbox)]
    assert len(unread) >= 2, "the demo's messages to Maria are unread"
    before = unread_in_menu(inbox)
    assert before >= len(unread)

    opened_at = clock.now().replace(microsecond=0)
    with clock.at(opened_at):
        page = maria.get(f"/inbox/{unread[0]}").get_data(as_text=True)
    assert unread_in_menu(page) == before - 1, "the page that marks it read counts it read"
    assert read_at(app, unread[0]) == opened_at

    inbox = maria.get("/inbox").get_data(as_text=True)
    assert unread_in_menu(inbox) == before - 1
    assert unread[0] not in [int(n) for n in UNREAD_IN_LIST_RE.findall(inbox)]
    assert unread[1] in [int(n) for n in UNREAD_IN_LIST_RE.findall(inbox)]

    # Opened again later: still read since the first time.
    with clock.at(opened_at + timedelta(minutes=5)):
        assert maria.get(f"/inbox/{unread[0]}").status_code == 200
    assert read_at(app, unread[0]) == opened_at
    assert unread_in_menu(maria.get("/inbox").get_data(as_text=True)) == before - 1


def test_the_menu_shows_no_count_when_everything_is_read(app, demo, as_):
    grace = as_("grace")
    assert unread_in_menu(grace.get("/inbox").get_data(as_text=True)) == 0
    assert "unread-count" not in grace.get("/inbox").get_data(as_text=True)


def _new_audit(app, since: int) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(
            text(
                "SELECT action, actor_account_id, target FROM audit_event WHERE id > :since "
                "ORDER BY id"
            ),
            {"since": since},
        ).all()
        db.session.remove()
    return [tuple(r) for r in rows]


def _last_audit_id(app) -> int:
    with app.app_context():
        last = db.session.scalar(text("SELECT COALESCE(MAX(id), 0) FROM audit_event"))
        db.session.remove()
    return last


def test_only_the_recipient_opens_a_message(app, demo, as_):
    """Every other persona (a second parent, a relative, teachers, principals, the privacy
    office) meets a 404 exactly like a missing message, and the refusal is audited; the message
    stays unread; an anonymous visitor is sent to sign in."""
    mine = listed(as_("maria"))[0][0]
    missing = 987_654
    for persona in ("luis", "james", "grace", "patricia", "johnson", "patel", "brooks", "lee"):
        browser = as_(persona)
        since = _last_audit_id(app)
        refused = browser.get(f"/inbox/{mine}")
        assert refused.status_code == 404, persona
        assert _new_audit(app, since) == [
            ("access.denied", demo.accounts[persona], f"message:{mine}")
        ], persona
        absent = browser.get(f"/inbox/{missing}")
        assert absent.status_code == 404
        assert normalised(refused.get_data(as_text=True)) == normalised(
            absent.get_data(as_text=True)
        ), persona
    assert read_at(app, mine) is None

    anonymous = app.test_client().get(f"/inbox/{mine}")
    assert anonymous.status_code == 302
    assert "/signin" in anonymous.headers["Location"]
    assert read_at(app, mine) is None


def test_a_message_page_stays_within_the_statement_budget(app, demo):
    """Opening a message (and marking it read) costs no more than any other page."""
    from tests import support
    from tests.test_query_budget import BUDGET, signed_in, statements_for

    with app.app_context():
        message_id = db.session.scalar(
            select(Notification.id)
            .where(Notification.guardian_id == demo.guardians["maria"])
            .order_by(Notification.id)
            .limit(1)
        )
        db.session.remove()
    maria = signed_in(app, support.PERSONAS["maria"])
    for _ in ("first opened", "opened again"):
        statements, _page = statements_for(support, app, maria, f"/inbox/{message_id}")
        assert len(statements) <= BUDGET, statements
