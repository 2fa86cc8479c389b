"""The privacy office writes a form, publishes it to the families in scope (once, however often
it is published), and edits its text into new versions. Bad input changes nothing."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from consent.audit.models import AuditEvent
from consent.consentforms import operations
from consent.consentforms.models import (
    ConsentForm,
    ConsentFormVersion,
    FormKind,
    FormMode,
    FormStatus,
)
from consent.core import clock
from consent.extensions import db
from consent.notifications.models import DeliveryStatus, Notification
from consent.roster.models import Guardian
from tests.consentforms.conftest import count
from tests.support import count_queries

KIND = "consentform_published"


def _fields(demo, **overrides):
    with_dates = {
        "title": "Field trip photos",
        "kind": "media_release",
        "tool": "",
        "mode": "opt_in",
        "school_year": "2026-2027",
        "opens_on": "2026-09-01",
        "closes_on": "2026-12-01",
        "text": "May we share photos from field trips?",
        "schools": [str(demo.schools["oakwood"])],
        "grades": ["4"],
    }
    with_dates.update(overrides)
    return with_dates


def _told(link: str) -> set[str]:
    return set(
        db.session.scalars(
            select(Notification.to_address).where(
                Notification.kind == KIND, Notification.link == link
            )
        )
    )


def test_office_saves_a_draft_that_families_do_not_see(app, demo, as_):
    lee = as_("lee")
    answer = lee.post("/consent-forms/new", _fields(demo))
    assert answer.status_code == 302
    with app.app_context():
        form = db.session.scalar(
            select(ConsentForm).where(ConsentForm.title == "Field trip photos")
        )
        assert form.status is FormStatus.DRAFT
        assert [s.id for s in form.schools] == [demo.schools["oakwood"]]
        assert form.grades == ["4"]
        versions = db.session.scalars(
            select(ConsentFormVersion).where(ConsentFormVersion.form_id == form.id)
        ).all()
        assert [(v.number, v.text) for v in versions] == [
            (1, "May we share photos from field trips?")
        ]
        assert (
            count(Notification, Notification.kind == KIND, Notification.link.like(f"%={form.id}"))
            == 0
        )
    assert "Field trip photos" not in as_("maria").get("/forms").get_data(as_text=True)
    assert "Field trip photos" in lee.get("/consent-forms").get_data(as_text=True)


def test_publishing_tells_each_rights_holder_in_scope_once(app, demo, as_, deliver, no_backlog):
    lee = as_("lee")
    lee.post("/consent-forms/new", _fields(demo, opens_on="2026-11-01"))
    with app.app_context():
        form_id = db.session.scalar(
            select(ConsentForm.id).where(ConsentForm.title == "Field trip photos")
        )
    confirm = lee.get(f"/consent-forms/{form_id}/publish").get_data(as_text=True)
    # Sofia (Maria, Luis), Ava (James; Grace is a relative without rights), Liam (Robert).
    assert "4 parents and guardians" in confirm
    published = lee.post(f"/consent-forms/{form_id}/publish")
    assert published.status_code == 302
    link = f"/forms?form={form_id}"
    with app.app_context():
        assert _told(link) == {
            "maria.garcia@demo.consent.example",
            "luis.garcia@demo.consent.example",
            "james.chen@demo.consent.example",
            "robert.smith@demo.consent.example",
        }
    emails = deliver()
    assert sorted(e.to for e in emails) == sorted(
        [
            "maria.garcia@demo.consent.example",
            "luis.garcia@demo.consent.example",
            "james.chen@demo.consent.example",
            "robert.smith@demo.consent.example",
        ]
    )
    assert all(e.subject == "A form for your child is waiting: Field trip photos" for e in emails)
    assert all(f"http://consent.test{link}" in e.text for e in emails)

    # Publishing again (a double click, a retry, the CLI after a roster change) tells no one twice.
    assert lee.post(f"/consent-forms/{form_id}/publish").status_code == 302
    with app.app_context():
        assert count(Notification, Notification.kind == KIND, Notification.link == link) == 4
        form = db.session.get(ConsentForm, form_id)
        assert operations.notify_guardians_in_scope(form) == 0
    assert deliver() == []
    runner = app.test_cli_runner()
    result = runner.invoke(args=["consentforms", "notify", str(form_id)])
    assert "0 guardians told" in result.output


def test_a_guardian_without_an_email_address_is_listed_not_lost(app, make_form):
    form_id = make_form(grades=["5"])  # Noah's mother Linda has no email address
    with app.app_context():
        rows = db.session.execute(
            select(Notification.delivery_status, Notification.to_address).where(
                Notification.link == f"/forms?form={form_id}"
            )
        ).all()
    assert (DeliveryStatus.NO_ADDRESS, None) in rows
    assert len(rows) == 3  # Linda, Susan (Emma), Karen (Henry)


def test_publishing_is_set_based_whatever_the_number_of_families(app, demo, account):
    """The same statements for a school of 3 families as for the whole district."""

    def publish(**scope) -> tuple[int, int]:
        with app.app_context():
            today = clock.today()
            form = operations.create_form(
                actor=account("lee"),
                school_year="2026-2027",
                kind=FormKind.PPRA_SURVEY,
                mode=FormMode.OPT_OUT,
                title="Survey",
                text="A survey.",
                opens_on=today,
                closes_on=today,
                **scope,
            )
            db.session.commit()
            with count_queries(app) as statements:
                told = operations.publish_form(actor=account("lee"), form=form)
                db.session.commit()
            return told, len(statements)

    small_told, small = publish(grades=["5"])
    large_told, large = publish()
    assert (small_told, large_told) == (3, 13)
    assert small == large


def test_bad_input_is_refused_with_a_clear_message_and_nothing_saved(app, demo, as_):
    lee = as_("lee")
    with app.app_context():
        before = count(ConsentForm)
    assert before == 3  # the demo's own: photos, Riverside's directory information, Flip
    cases = [
        (
            _fields(demo, opens_on="2026-12-01", closes_on="2026-11-01"),
            "The closing date must be on or after the opening date.",
        ),
        (_fields(demo, text="   "), "Write the text families will read"),
        (
            _fields(demo, kind="military_recruiter", grades=["7", "8"]),
            "A military-recruiter release is for high schools only",
        ),
        (_fields(demo, kind="tool_consent", tool=""), "Choose the tool this consent is for."),
        (_fields(demo, title=""), "Give the form a title."),
    ]
    for fields, message in cases:
        page = lee.post("/consent-forms/new", fields)
        assert page.status_code == 200
        assert message in page.get_data(as_text=True), message
    with app.app_context():
        assert count(ConsentForm, ConsentForm.title == "Field trip photos") == 0
        assert count(ConsentForm) == before


def test_a_military_recruiter_release_for_grades_9_to_12_is_accepted(app, demo, as_):
    fields = _fields(demo, kind="military_recruiter", grades=["11", "12"], schools=[])
    assert as_("lee").post("/consent-forms/new", fields).status_code == 302


def test_editing_the_text_makes_a_new_version_and_answers_keep_theirs(app, demo, as_, make_form):
    form_id = make_form()
    maria = as_("maria")
    url = f"/forms/{form_id}/students/{demo.students['sofia']}"
    assert maria.post(url, {"answer": "granted"}).status_code == 302

    lee = as_("lee")
    edit = f"/consent-forms/{form_id}/edit"
    page = lee.get(edit).get_data(as_text=True)
    assert "May the district share this?" in page
    with app.app_context():
        today = clock.today()
    fields = {
        "title": "Directory information",
        "opens_on": (today - timedelta(days=7)).isoformat(),
        "closes_on": (today + timedelta(days=30)).isoformat(),
        "text": "New wording: may the district share name, grade and photo?",
    }
    assert lee.post(edit, fields).status_code == 302
    # Saving the same text again is not a new version.
    assert lee.post(edit, fields).status_code == 302
    with app.app_context():
        numbers = db.session.scalars(
            select(ConsentFormVersion.number).where(ConsentFormVersion.form_id == form_id)
        ).all()
        assert sorted(numbers) == [1, 2]
    shown = maria.get(url).get_data(as_text=True)
    assert "New wording" in shown
    assert "You answered version 1" in shown

    # A text-less edit is refused, and the form keeps its text.
    refused = lee.post(edit, {**fields, "text": ""})
    assert "Write the text families will read" in refused.get_data(as_text=True)
    with app.app_context():
        assert operations.latest_version(db.session.get(ConsentForm, form_id)).number == 2


def test_edit_with_the_window_out_of_order_saves_nothing(app, as_, make_form):
    form_id = make_form()
    lee = as_("lee")
    page = lee.post(
        f"/consent-forms/{form_id}/edit",
        {"title": "Changed", "opens_on": "2026-12-01", "closes_on": "2026-11-01", "text": "x"},
    )
    assert "The closing date must be on or after the opening date." in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ConsentForm, form_id).title == "Directory information"


def test_principals_see_published_forms_only_and_cannot_write_them(app, demo, as_, make_form):
    draft = make_form(publish=False, title="Draft form")
    published = make_form(title="Published form")
    brooks = as_("brooks")
    listing = brooks.get("/consent-forms").get_data(as_text=True)
    assert "Published form" in listing and "Draft form" not in listing
    assert brooks.get(f"/consent-forms/{published}").status_code == 200
    with app.app_context():
        before = count(AuditEvent, AuditEvent.action == "access.denied")
    assert brooks.get(f"/consent-forms/{draft}").status_code == 404
    with app.app_context():
        assert count(AuditEvent, AuditEvent.action == "access.denied") == before + 1
    assert brooks.get("/consent-forms/new").status_code == 404
    assert (
        brooks.post(f"/consent-forms/{published}/publish", token_from="/consent-forms").status_code
        == 404
    )
    assert as_("johnson").get("/consent-forms").status_code == 404
    assert as_("maria").get("/consent-forms").status_code == 404


def test_an_empty_email_address_counts_as_none(app, make_form):
    """Found in review: '' was queued as a pending message that could never be delivered."""
    with app.app_context():
        db.session.execute(update(Guardian).where(Guardian.given_name == "Susan").values(email=""))
        db.session.commit()
    form_id = make_form(grades=["5"])
    with app.app_context():
        statuses = db.session.scalars(
            select(Notification.delivery_status).where(
                Notification.link == f"/forms?form={form_id}"
            )
        ).all()
    assert sorted(statuses) == sorted(
        [DeliveryStatus.NO_ADDRESS, DeliveryStatus.NO_ADDRESS, DeliveryStatus.PENDING]
    )


def test_the_database_holds_a_form_to_its_status(ctx, demo):
    """A published form has the time it was published, a draft none: a script that unpublished
    a form by its status alone, or stamped a draft, is refused."""
    table = ConsentForm.__table__
    published = db.session.scalar(
        select(ConsentForm.id).where(ConsentForm.status == FormStatus.PUBLISHED).limit(1)
    )
    for values in ({"published_at": None}, {"status": FormStatus.DRAFT}):
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.execute(table.update().where(table.c.id == published).values(**values))
    db.session.execute(
        table.update()
        .where(table.c.id == published)
        .values(status=FormStatus.DRAFT, published_at=None)
    )
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(
            table.update().where(table.c.id == published).values(published_at=clock.now())
        )
