"""Filing through the web queues the right messages, and the worker's pass emails them to the
right people, as text and HTML, each with the absolute link back to the page."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from consent.core import clock
from consent.extensions import db
from consent.notifications.models import DeliveryStatus, Notification
from consent.notifications.operations import deliver_due, notify
from consent.optouts.models import OptOut
from consent.roster.models import Guardian, Student

MARIA = "maria.garcia@demo.consent.example"
JOHNSON = "emily.johnson@demo.consent.example"
KIM = "david.kim@demo.consent.example"
BROOKS = "angela.brooks@demo.consent.example"
PUBLIC = "http://consent.test"


@pytest.fixture
def filed(app, no_backlog, file_via_web, mailbox):
    """Maria files for Sofia about Seesaw through the form, then the worker runs one pass."""
    optout_id = file_via_web(reason="We keep photos of Sofia off the internet.")
    assert mailbox.all() == [], "nothing is sent while the request is handled"
    with app.app_context():
        report = deliver_due()
    assert (report.sent, report.failed) == (4, 0)
    return optout_id


def test_filing_emails_the_guardian_each_routed_teacher_and_the_principal(
    filed, mailbox, task_ids, smtp
):
    emails = {email.to: email for email in mailbox.all()}
    assert len(mailbox.all()) == 4, "one message each, nobody twice"
    assert sorted(emails) == sorted([MARIA, JOHNSON, KIM, BROOKS]), "and nobody else"
    # The envelope goes to the same one person as the To header: no hidden copies.
    assert sorted(rcpts for _, rcpts in smtp.envelopes) == sorted([[a] for a in emails])
    assert {sender for sender, _ in smtp.envelopes} == {"consent@example.org"}

    tasks = task_ids(filed)
    assert sorted(tasks) == ["johnson", "kim"]
    links = {
        MARIA: f"{PUBLIC}/requests/{filed}",
        BROOKS: f"{PUBLIC}/requests/{filed}",
        JOHNSON: f"{PUBLIC}/tasks/{tasks['johnson']}",
        KIM: f"{PUBLIC}/tasks/{tasks['kim']}",
    }
    for address, email in emails.items():
        assert links[address] in email.text, address
        assert f'href="{links[address]}"' in email.html, address
        assert "Sofia" in email.subject and "Seesaw" in email.subject, email.subject

    assert emails[MARIA].subject == "We received your request for Sofia about Seesaw"
    assert emails[BROOKS].subject == "New opt-out request for Sofia Garcia (Seesaw)"
    for teacher in (JOHNSON, KIM):
        assert emails[teacher].subject.startswith("Opt-out request for Sofia Garcia (Seesaw)")
        assert "plan due" in emails[teacher].subject
    assert "We keep photos of Sofia off the internet." in emails[JOHNSON].text
    assert "Hello Maria," in emails[MARIA].text
    assert "Hello Emily," in emails[JOHNSON].text
    for email in emails.values():
        assert email.message["From"] == "consent@example.org"


def test_the_rows_record_language_address_and_delivery(app, filed, demo):
    with app.app_context():
        rows = db.session.scalars(select(Notification).where(Notification.optout_id == filed)).all()
        by_kind = {}
        for row in rows:
            by_kind.setdefault(row.kind, []).append(row)
            assert row.delivery_status is DeliveryStatus.SENT
            assert row.attempts == 1
            assert row.sent_at is not None and row.last_error is None
        (receipt,) = by_kind["optouts/receipt"]
        assert receipt.guardian_id == demo.guardians["maria"]
        assert receipt.to_address == MARIA
        # Maria reads Spanish; there are no translations yet, but her messages are marked so.
        assert receipt.language == "es"
        assert {row.language for row in by_kind["optouts/task_assigned"]} == {"en"}
        assert {row.to_address for row in by_kind["optouts/task_assigned"]} == {JOHNSON, KIM}
        (principal,) = by_kind["optouts/filed_principal"]
        assert (principal.staff_id, principal.language) == (demo.staff["brooks"], "en")


def test_a_second_pass_sends_nothing_more(app, filed, mailbox):
    with app.app_context():
        report = deliver_due()
    assert (report.sent, report.failed) == (0, 0)
    assert len(mailbox.all()) == 4


def test_html_escapes_what_the_guardian_typed_and_text_keeps_it(
    app, no_backlog, file_via_web, mailbox
):
    reason = '<script>alert(1)</script> & "quotes"'
    optout_id = file_via_web(reason=reason)
    with app.app_context():
        deliver_due()
        assert db.session.get(OptOut, optout_id).reason == reason
    emails = {email.to: email for email in mailbox.all()}
    for address in (JOHNSON, KIM, BROOKS, MARIA):
        email = emails[address]
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in email.html, address
        assert "<script" not in email.html, address
        assert "&amp; &#34;quotes&#34;" in email.html, address
        assert reason in email.text, address
        assert "&lt;" not in email.text and "&amp;" not in email.text, address


def test_a_guardian_without_an_email_address_is_never_attempted(ctx, demo, no_backlog, smtp):
    """Linda Williams has no email address and no account, so she cannot file; the school can
    still tell her things, which she reads in the inbox once she has an account."""
    linda = db.session.get(Guardian, demo.guardians["linda"])
    assert linda.email is None
    optout = db.session.get(OptOut, demo.optouts["in_progress"])
    notification = notify(
        template="optouts/work_started",
        link=f"/requests/{optout.id}",
        guardian=linda,
        optout_id=optout.id,
        optout=optout,
    )
    db.session.commit()
    assert notification.delivery_status is DeliveryStatus.NO_ADDRESS
    assert notification.to_address is None
    assert notification.language == "es"
    assert notification.subject and notification.body_text and notification.body_html

    for now in (None, clock.now() + timedelta(days=30)):
        report = deliver_due(now=now)
        assert (report.sent, report.failed) == (0, 0)
    db.session.expire_all()
    row = db.session.get(Notification, notification.id)
    assert row.delivery_status is DeliveryStatus.NO_ADDRESS
    assert (row.attempts, row.last_error, row.sent_at) == (0, None, None)
    assert smtp.messages == []


def test_an_empty_email_address_counts_as_none(ctx, demo, no_backlog, smtp):
    luis = db.session.get(Guardian, demo.guardians["luis"])
    luis.email = ""
    optout = db.session.get(OptOut, demo.optouts["submitted"])
    notification = notify(
        template="optouts/work_started",
        link=f"/requests/{optout.id}",
        guardian=luis,
        optout_id=optout.id,
        optout=optout,
    )
    db.session.commit()
    assert notification.delivery_status is DeliveryStatus.NO_ADDRESS
    assert notification.to_address is None
    assert deliver_due().sent == 0
    assert smtp.messages == []


def test_accents_and_apostrophes_survive_the_trip(app, demo, no_backlog, file_via_web, mailbox):
    with app.app_context():
        sofia = db.session.get(Student, demo.students["sofia"])
        sofia.given_name, sofia.family_name = "Sofía", "García-O'Neill"
        db.session.commit()
    file_via_web()
    with app.app_context():
        assert deliver_due().sent == 4
    emails = {email.to: email for email in mailbox.all()}
    assert emails[MARIA].subject == "We received your request for Sofía about Seesaw"
    assert emails[BROOKS].subject == "New opt-out request for Sofía García-O'Neill (Seesaw)"
    assert "Child: Sofía García-O'Neill" in emails[MARIA].text
    assert "Sofía García-O&#39;Neill" in emails[MARIA].html


@pytest.mark.parametrize("reason", ["", "Privacy at home."])
def test_the_principal_text_keeps_a_blank_line_after_the_request(
    app, no_backlog, file_via_web, mailbox, reason
):
    file_via_web(reason=reason)
    with app.app_context():
        deliver_due()
    (email,) = [e for e in mailbox.all() if e.to == BROOKS]
    facts = "They asked for this instead: Post work without photos or videos of my child\n"
    if reason:
        facts += f"- Reason given: {reason}\n"
    assert facts + "\nWe sent it to 2 teachers:\n- Emily Johnson\n- David Kim\n" in email.text
