"""Vendor roster checks by the privacy office: a vendor's export for a tool compared with who
must not be in it (the API's exclusion list), the students still there by school, a line on
each affected request's timeline that the family reads, and the office told by email. A file
that cannot be read changes nothing."""

from flask_babel import force_locale
from sqlalchemy import func, select

from consent.core.templating import EVENT_LABELS
from consent.enforcement.models import RosterCheck, RosterCheckFinding
from consent.extensions import db
from consent.notifications.models import Notification
from consent.notifications.operations import deliver_due
from consent.optouts.models import Event
from consent.roster.models import Student
from tests import support
from tests.enforcement.exports import (
    identifier_csv,
    oneroster_12_zip,
    oneroster_zip,
    users_csv,
)
from tests.support import PERSONAS

OFFICE = PERSONAS["lee"]
ROSTER_KINDS = ["roster_not_present", "roster_still_present"]
STILL = "Checked against the vendor's roster: the student is still in it"
NOT_PRESENT = "Checked against the vendor's roster: the student is not in it"


def upload(browser, tool_id: int, content: bytes, name: str, vendor: str = ""):
    import io

    return browser.post(
        "/roster-checks",
        {"tool": str(tool_id), "vendor": vendor, "export": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def ids(app, key: str) -> tuple[str, str]:
    """(sourcedId, student number) of a demo student."""
    with app.app_context():
        student = db.session.scalar(select(Student).where(Student.sourced_id == f"student-{key}"))
        return student.sourced_id, student.district_identifier


def lines(app, optout_id: int) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [
            (e.kind.value, e.note, e.actor_role)
            for e in db.session.scalars(
                select(Event)
                .where(Event.optout_id == optout_id, Event.kind.in_(ROSTER_KINDS))
                .order_by(Event.id)
            )
        ]


def office_told(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.kind == "enforcement/still_present")
        )


def latest(app) -> RosterCheck:
    with app.app_context():
        check = db.session.scalar(select(RosterCheck).order_by(RosterCheck.id.desc()))
        db.session.expunge(check)
        return check


def test_a_vendor_still_holding_an_opted_out_child_is_caught_then_cleared(app, demo, as_, smtp):
    """Mateo's opt-out of Khan Academy (in progress) is the one request in effect for Khan: the
    first export still lists him, the second does not."""
    support.mark_backlog_sent(app)
    lee = as_("lee")
    khan, request_id = demo.tools["khan"], demo.optouts["in_progress"]
    mateo, elijah = ids(app, "mateo"), ids(app, "elijah")

    answer = upload(lee, khan, identifier_csv(mateo[1], elijah[1]), "khan-before.csv")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    check = latest(app)
    assert answer.headers["Location"].endswith(f"/roster-checks/{check.id}")
    assert (check.vendor, check.source_format, check.listed) == (
        "Khan Academy, Inc.",
        "identifiers",
        2,
    )
    assert (check.excluded, check.still_present, check.requests_told) == (1, 1, 1)
    assert lines(app, request_id) == [
        ("roster_still_present", "Khan Academy, Inc.", "privacy_officer")
    ]
    # The office is told, by email in its inbox.
    assert office_told(app) == 1
    with app.app_context():
        deliver_due()
        db.session.commit()
    [message] = smtp.to(OFFICE)
    assert message["Subject"] == "Khan Academy, Inc. still has 1 excluded students in Khan Academy"
    # The result page: the student, by school, with the counts.
    page = lee.get(f"/roster-checks/{check.id}").get_data(as_text=True)
    assert "Mateo Garcia" in page and "Riverside Middle School: 1" in page
    assert "Elijah" not in page

    # The vendor removed him: a OneRoster set without Mateo (Elijah and a teacher remain).
    export = oneroster_zip([elijah], staff=["staff-patel"])
    answer = upload(lee, khan, export, "khan-after.zip", vendor="Khan Academy")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    after = latest(app)
    assert (after.source_format, after.listed, after.excluded, after.still_present) == (
        "oneroster",
        1,
        1,
        0,
    )
    assert lines(app, request_id) == [
        ("roster_still_present", "Khan Academy, Inc.", "privacy_officer"),
        ("roster_not_present", "Khan Academy", "privacy_officer"),
    ]
    assert office_told(app) == 1  # nobody still there: nothing to tell
    page = lee.get(f"/roster-checks/{after.id}").get_data(as_text=True)
    assert "No student who must not be in the vendor's roster is in it." in page
    # Both checks are listed, newest first.
    listing = lee.get("/roster-checks").get_data(as_text=True)
    assert listing.index(f"/roster-checks/{after.id}") < listing.index(f"/roster-checks/{check.id}")


def test_the_family_reads_the_line_on_their_request_in_their_language(app, demo, as_):
    lee = as_("lee")
    request_id = demo.optouts["in_progress"]
    mateo = ids(app, "mateo")[0]
    upload(lee, demo.tools["khan"], identifier_csv(mateo, header="sourcedId"), "a.csv")
    maria = as_("maria")  # Mateo's mother
    page = maria.get(f"/requests/{request_id}").get_data(as_text=True)
    timeline = page[page.index("Timeline") :]
    assert f"{STILL}; the privacy office was told" in timeline.replace("&#39;", "'")
    assert "Khan Academy, Inc." in timeline
    # She prefers Spanish: where the district offers it, she reads the line in Spanish.
    app.config["LANGUAGES"] = ("en", "es")
    page = maria.get(f"/requests/{request_id}").get_data(as_text=True)
    assert '<html lang="es">' in page
    assert (
        "Comprobado con la lista del proveedor: el alumno todavía está en ella; se avisó a la "
        "oficina de privacidad" in page
    )


def test_every_roster_line_has_a_spanish_label(app):
    app.config["LANGUAGES"] = ("en", "es")
    with app.test_request_context():
        for kind in ("roster_not_present", "roster_still_present"):
            with force_locale("en"):
                english = str(EVENT_LABELS[kind])
            with force_locale("es"):
                spanish = str(EVENT_LABELS[kind])
            assert english.startswith("Checked against the vendor's roster")
            assert spanish.startswith("Comprobado con la lista del proveedor")


def test_flip_needs_consent_so_children_without_it_are_looked_for_too(app, demo, as_):
    """Flip: Lucas refused (and opted out), Olivia, Amélie and Mia have no consent. A 1.2
    OneRoster set listing Lucas and Mia (and Mateo, who said yes) finds two still there; only
    Lucas has a request, so one timeline line."""
    lee = as_("lee")
    export = oneroster_12_zip(
        ["student-lucas", "student-mia", "student-mateo"], staff=["student-olivia"]
    )
    answer = upload(lee, demo.tools["flip"], export, "flip.zip")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    check = latest(app)
    assert (check.listed, check.excluded, check.still_present, check.requests_told) == (3, 4, 2, 1)
    with app.app_context():
        present = set(
            db.session.scalars(
                select(Student.sourced_id)
                .join(RosterCheckFinding, RosterCheckFinding.student_id == Student.id)
                .where(RosterCheckFinding.check_id == check.id, RosterCheckFinding.present)
            )
        )
    # Olivia is a teacher in this export's roles: not a student row, so not looked at.
    assert present == {"student-lucas", "student-mia"}


def test_a_lone_users_csv_counts_only_its_student_rows(app, demo, as_):
    lee = as_("lee")
    mateo = ids(app, "mateo")
    export = users_csv([("vendor-own-id", mateo[1])], staff=["student-mateo"])
    upload(lee, demo.tools["khan"], export, "users.csv")
    check = latest(app)
    # Found by his student number; the teacher row with his sourcedId is not a student.
    assert (check.source_format, check.listed, check.still_present) == ("oneroster", 1, 1)


BAD_FILES = [
    (b"\xff\xfe\x00bad", "x.csv", "is not UTF-8 text"),
    (b"name,grade\nAna,7\n", "x.csv", "is neither a OneRoster users.csv"),
    (b"", "x.csv", "is empty"),
    (b"student number\n\n", "x.csv", "lists no student"),
    (oneroster_zip([]), "x.zip", "lists no student"),
    (b"PK\x03\x04 not really a zip", "x.zip", "is neither a OneRoster users.csv"),
]


def test_a_file_that_cannot_be_read_is_explained_and_nothing_is_kept(app, demo, as_):
    import io
    import zipfile

    lee = as_("lee")
    no_users = io.BytesIO()
    with zipfile.ZipFile(no_users, "w") as z:
        z.writestr("orgs.csv", "sourcedId\nx\n")
    unsafe = io.BytesIO()
    with zipfile.ZipFile(unsafe, "w") as z:
        z.writestr("../users.csv", "sourcedId,role\nx,student\n")
    cases = [
        *BAD_FILES,
        (no_users.getvalue(), "x.zip", "holds no users.csv"),
        (unsafe.getvalue(), "x.zip", "points outside the zip"),
        (b"student number\nS1\n", "x.pdf", "Upload a .zip OneRoster set or a .csv file."),
    ]
    for content, name, message in cases:
        answer = upload(lee, demo.tools["khan"], content, name)
        assert answer.status_code == 200, (name, message)
        page = answer.get_data(as_text=True)
        assert message in page.replace("&#39;", "'"), (name, message)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RosterCheck)) == 0
        assert (
            db.session.scalar(
                select(func.count()).select_from(Event).where(Event.kind.in_(ROSTER_KINDS))
            )
            == 0
        )


def test_a_vendor_name_too_long_is_refused_on_the_form(app, demo, as_):
    lee = as_("lee")
    answer = upload(lee, demo.tools["khan"], identifier_csv("S1"), "a.csv", vendor="V" * 121)
    assert answer.status_code == 200
    assert "Field cannot be longer than 120 characters." in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RosterCheck)) == 0
