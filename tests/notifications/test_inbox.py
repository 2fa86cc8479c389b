"""The in-app inbox: each person's own messages, newest first, never anyone else's. Each entry
opens the message's own page (/inbox/<id>), which links to the page the message is about."""

import html
import re

from sqlalchemy import or_, select

from consent.accounts.models import Account
from consent.extensions import db
from consent.notifications.models import Notification
from consent.notifications.operations import deliver_due

ITEM_RE = re.compile(r'<h2><a href="/inbox/(\d+)">(.*?)</a></h2>')
LINK_RE = re.compile(r'<a class="button" href="([^"]*)">')


def listed(browser) -> list[tuple[int, str]]:
    """(message id, subject) of each message on the first page of the inbox, in page order."""
    response = browser.get("/inbox")
    assert response.status_code == 200
    return [
        (int(number), html.unescape(subject))
        for number, subject in ITEM_RE.findall(response.get_data(as_text=True))
    ]


def link_of(browser, message_id: int) -> str:
    """Where the message's own page sends its reader."""
    page = browser.get(f"/inbox/{message_id}")
    assert page.status_code == 200
    return html.unescape(LINK_RE.search(page.get_data(as_text=True)).group(1))


def own(app, account_id: int) -> list[tuple[int, str]]:
    """(id, subject) of the account's own notifications, newest first, one page's worth."""
    with app.app_context():
        account = db.session.get(Account, account_id)
        mine = []
        if account.guardian_id:
            mine.append(Notification.guardian_id == account.guardian_id)
        if account.staff_id:
            mine.append(Notification.staff_id == account.staff_id)
        rows = db.session.execute(
            select(Notification.id, Notification.subject)
            .where(or_(*mine))
            .order_by(Notification.id.desc())
            .limit(app.config["PAGE_SIZE"])
        )
        return [tuple(row) for row in rows]


def test_the_inbox_lists_my_own_messages_newest_first(app, demo, as_, file_via_web):
    maria = as_("maria")
    before = listed(maria)
    assert before, "the demo requests already sent Maria messages"

    optout_id = file_via_web()
    after = listed(maria)
    assert after[0][1] == "We received your request for Sofia about Seesaw"
    assert link_of(maria, after[0][0]) == f"/requests/{optout_id}"
    assert after[1 : len(before) + 1] == before[: len(after) - 1]
    assert after == own(app, demo.accounts["maria"])


def test_the_inbox_shows_messages_whether_or_not_they_were_emailed(app, demo, as_, smtp):
    maria = as_("maria")
    queued = listed(maria)
    with app.app_context():
        deliver_due()
    assert smtp.to("maria.garcia@demo.consent.example")
    assert listed(maria) == queued


def test_nobody_sees_anyone_elses_messages(app, demo, as_, file_via_web):
    optout_id = file_via_web()
    receipt = listed(as_("maria"))[0]
    assert receipt[1] == "We received your request for Sofia about Seesaw"

    for persona in ("james", "luis", "grace", "patricia", "johnson", "kim", "reed", "lee"):
        seen = listed(as_(persona))
        assert receipt not in seen, persona
        assert seen == own(app, demo.accounts[persona]), persona

    # Ms. Johnson sees her own task message about the same request, with her own link.
    johnson = as_("johnson")
    newest = listed(johnson)[0]
    assert link_of(johnson, newest[0]).startswith("/tasks/")
    assert newest[1].startswith("Opt-out request for Sofia Garcia (Seesaw)")
    # The Oakwood principal is told; the Riverside principal is not.
    brooks = as_("brooks")
    newest = listed(brooks)[0]
    assert newest[1] == "New opt-out request for Sofia Garcia (Seesaw)"
    assert link_of(brooks, newest[0]) == f"/requests/{optout_id}"
    assert all("Sofia" not in subject for _, subject in listed(as_("reed")))


def test_an_empty_inbox_says_so(app, demo, as_):
    grace = as_("grace")  # a relative without rights files nothing and is told nothing
    assert listed(grace) == []
    assert "No messages yet." in grace.get("/inbox").get_data(as_text=True)


def test_the_inbox_needs_a_sign_in(app):
    response = app.test_client().get("/inbox")
    assert response.status_code == 302
    assert "/signin" in response.headers["Location"]
