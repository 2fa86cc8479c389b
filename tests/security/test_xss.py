"""ASVS 1.2 / 3.2: text people type — reasons, notes, names, tool descriptions, form text — is
shown escaped on every page and in every email, wherever it appears.

Rather than a list of fields that would go stale, the payload is appended to every free-text
column in the database, then every page is fetched as every role and every email is delivered.
"""

import re

from sqlalchemy import Enum, String, Text, select, text, update

from consent.accounts.models import Account
from consent.catalog.models import Tool
from consent.extensions import db
from consent.notifications.operations import deliver_due
from consent.optouts.models import OptOut
from consent.optouts.operations import close, file_optout
from consent.roster.models import Student
from tests.security.routes import SWEEP_PERSONAS, rules, sample_ids, url_for_rule
from tests.support import PERSONAS, PROBE_COUNTS, Browser

PAYLOAD = "<script>alert('x')</script>\"'><img src=x onerror=alert(1)><svg/onload=alert(2)>"
MARKERS = ("<script>alert(", "<img src=x", "<svg/onload")
# Columns that hold machine values, not text people typed (addresses, keys, codes, hashes).
NOT_FREE_TEXT = (
    "email",
    "url",
    "website",
    "token",
    "hash",
    "sourced_id",
    "key",
    "request_id",
    "path",
    "target",
    "action",
    "language",
    "locale",
    "role",
    "status",
    "kind",
    "format",
    "outcome",
    "template",
    "message_id",
    "session",
    "grade",
    "category",
    "scope",
    "channel",
    "method",
    "via",
    "answer",
    "option",
    "label_key",
    "_html",  # an email's body as rendered (escaped) by our templates at the time it was queued
)


def free_text_columns():
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, String | Text) or isinstance(column.type, Enum):
                continue
            if column.primary_key or column.foreign_keys:
                continue
            if any(word in column.name for word in NOT_FREE_TEXT):
                continue
            length = getattr(column.type, "length", None)
            if length is not None and length < 200:
                continue
            yield table, column


def poison(app) -> int:
    """Append the payload to every free-text value (names, reasons, notes, tool texts ...)."""
    poisoned = 0
    with app.app_context():
        for table, column in free_text_columns():
            db.session.execute(
                update(table)
                .where(column.is_not(None))
                .values({column.name: column + text(":payload")}),
                {"payload": PAYLOAD},
            )
            poisoned += 1
        db.session.commit()
        db.session.remove()
    return poisoned


def unescaped(body: str) -> list[str]:
    return [marker for marker in MARKERS if marker in body]


def test_stored_payloads_render_escaped_on_every_page(app, as_):
    columns = poison(app)
    assert columns >= 15, "too few free-text columns found: the sweep would prove nothing"
    ids = sample_ids(app)
    pages = 0
    for persona in SWEEP_PERSONAS:
        client = Browser(app.test_client()) if persona == "anonymous" else as_(persona)
        for rule in rules(app, "GET"):
            url = url_for_rule(rule, ids)
            response = client.get(url, buffered=True)  # streamed exports run to the end
            if response.mimetype != "text/html":
                continue
            assert unescaped(response.get_data(as_text=True)) == [], f"{url} as {persona}"
            pages += 1
    PROBE_COUNTS["XSS: pages rendered with stored payloads, all escaped"] = pages


def test_payloads_in_typed_text_are_escaped_in_every_email(app, demo, smtp):
    with app.app_context():  # the demo's queued emails were written before the payloads
        deliver_due()
        db.session.remove()
    smtp.messages.clear()
    poison(app)
    with app.app_context():
        maria = db.session.scalar(select(Account).where(Account.email == PERSONAS["maria"]))
        lee = db.session.scalar(select(Account).where(Account.email == PERSONAS["lee"]))
        sofia = db.session.get(Student, demo.students["sofia"])
        seesaw = db.session.get(Tool, demo.tools["seesaw"])
        filing = file_optout(
            actor=maria,
            student=sofia,
            tool=seesaw,
            feature="photos",
            accommodation=seesaw.optout_options[0].label,  # poisoned too
            reason=PAYLOAD,
        )
        optout = db.session.get(OptOut, filing.optout.id)
        close(actor=lee, optout=optout, reason=PAYLOAD)
        db.session.commit()
        deliver_due()
        db.session.remove()
    assert len(smtp.messages) >= 3
    for message in smtp.messages:
        # A folded long subject continues on an indented line; anything else is an injected header.
        assert not re.search(r"\n(?![ \t])", message["Subject"]), message["Subject"]
        assert "Bcc" not in message
        for part in message.walk():
            if part.get_content_type() == "text/html":
                html = part.get_payload(decode=True).decode()
                assert unescaped(html) == [], message["Subject"]
    PROBE_COUNTS["XSS: emails with payloads, all escaped"] = len(smtp.messages)


def test_a_translated_sentence_around_a_name_shows_the_name_as_text(app, as_, demo):
    """ "All of %(tool)s" on the opt-out form is a lazy translation; Flask-Babel marks lazy
    strings as ready-made HTML, so a name inside one must be escaped all the same."""
    with app.app_context():
        db.session.execute(update(Tool).where(Tool.id == demo.tools["seesaw"]).values(name=PAYLOAD))
        db.session.commit()
    url = f"/students/{demo.students['sofia']}/optouts/new?tool={demo.tools['seesaw']}"
    page = as_("maria").get(url).get_data(as_text=True)
    assert not [m for m in MARKERS if m in page]


def test_a_refusal_that_repeats_what_someone_typed_shows_it_as_text(as_):
    """A refusal message quotes the name a teacher typed; translated messages are lazy strings,
    which Jinja would otherwise take for ready-made HTML."""
    from tests.vetting.helpers import request_form

    payload = '<img src=x data-xss="1">Kahoot'
    assert as_("johnson").post("/vetting/new", request_form(name=payload)).status_code == 302
    page = as_("patel").post("/vetting/new", request_form(name=payload)).get_data(as_text=True)
    assert "has already been sent for vetting" in page
    assert 'data-xss="1"' not in page
    assert "&lt;img src=x data-xss=" in page
