"""Staff record an opt-out a family asked for by phone, on paper, by email or in person: it
enters the same workflow as a web filing, counts its due dates from the day received, names
both the staff member and the guardian, and tells the guardian at once. A relative sees the
child but is offered nothing they cannot do."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from consent.audit.models import AuditEvent
from consent.core import clock
from consent.extensions import db
from consent.notifications.models import Notification
from consent.optouts import operations as ops
from consent.optouts.models import Event, OptOut, OptOutRequester, OptOutStatus
from consent.optouts.rules import OptOutError, due_dates, school_year_start
from consent.schoolcalendar.days import closures_from


def _record_url(demo, student, tool=None):
    url = f"/students/{demo.students[student]}/optouts/record"
    return f"{url}?tool={demo.tools[tool]}" if tool else url


def _received_days_ago(days: int):
    today = clock.today()
    return max(today - timedelta(days=days), school_year_start(today))


def _state(app):
    with app.app_context():
        return (
            db.session.scalar(select(db.func.count()).select_from(OptOut)),
            db.session.scalar(select(db.func.count()).select_from(OptOutRequester)),
            db.session.scalar(select(db.func.count()).select_from(Event)),
        )


def test_a_teacher_records_a_phone_opt_out_that_is_routed_like_a_web_filing(app, demo, as_):
    johnson = as_("johnson")
    liam = demo.students["liam"]
    start = johnson.get(f"/students/{liam}").get_data(as_text=True)
    assert "Record an opt-out for this family" in start
    page = johnson.get(_record_url(demo, "liam", "zoom")).get_data(as_text=True)
    assert "Robert Smith" in page and 'name="received_on"' in page
    with app.app_context():
        received = _received_days_ago(4)
    answer = johnson.post(
        _record_url(demo, "liam", "zoom"),
        {
            "guardian": demo.guardians["robert"],
            "channel": "phone",
            "received_on": received.isoformat(),
            "feature": "video",
            "accommodation": "Camera off",
            "note": "Called the office at 8:10.",
        },
    )
    assert answer.status_code == 302
    with app.app_context():
        optout = db.session.scalar(
            select(OptOut).where(OptOut.student_id == liam, OptOut.tool_id == demo.tools["zoom"])
        )
        # Robert has no account: the teacher is sent to the receipt to print and send home.
        assert answer.headers["Location"].endswith(f"/requests/{optout.id}/printable")
        assert optout.status is OptOutStatus.SUBMITTED
        assert (optout.channel, optout.received_on) == ("phone", received)
        assert optout.filed_by_guardian_id == demo.guardians["robert"]
        assert optout.recorded_by_account_id == demo.accounts["johnson"]
        assert [t.teacher_id for t in optout.tasks] == [demo.staff["johnson"]]
        assert (optout.plan_due_on, optout.confirm_due_on) == due_dates(
            received, closures_from(received)
        )
        (filed,) = [e for e in optout.events if e.kind == "filed"]
        assert (filed.actor_name, filed.on_behalf_of_name) == ("Emily Johnson", "Robert Smith")
        assert "Called the office at 8:10." in filed.note
        (row,) = db.session.scalars(
            select(AuditEvent).where(AuditEvent.target == f"optout:{optout.id}")
        )
        assert (row.action, row.actor_account_id, row.on_behalf_of_guardian_id) == (
            "optout.file",
            demo.accounts["johnson"],
            demo.guardians["robert"],
        )
        told = db.session.execute(
            select(Notification.kind, Notification.to_address).where(
                Notification.optout_id == optout.id
            )
        ).all()
        assert ("optouts/recorded", "robert.smith@demo.consent.example") in told
        assert ("optouts/filed_principal", "angela.brooks@demo.consent.example") in told
        optout_id = optout.id
    receipt = johnson.get(f"/requests/{optout_id}/printable").get_data(as_text=True)
    assert "Emily Johnson recorded this request for you" in receipt
    assert "Robert Smith" in receipt and f"/requests/{optout_id}" in receipt
    detail = johnson.get(f"/requests/{optout_id}").get_data(as_text=True)
    assert "for Robert Smith" in detail and "recorded by school staff" in detail


def test_a_recording_joins_the_open_request_and_tells_the_guardian(app, demo, as_, no_backlog):
    """Luis had not asked for Sofia's camera opt-out (María did): his call joins it."""
    confirmed = demo.optouts["confirmed"]
    answer = as_("brooks").post(
        _record_url(demo, "sofia", "zoom"),
        {
            "guardian": demo.guardians["luis"],
            "channel": "in_person",
            "received_on": clock.today().isoformat(),
            "feature": "video",
            "accommodation": "Camera off",
        },
    )
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/requests/{confirmed}")  # Luis has an account
    with app.app_context():
        assert (
            db.session.scalar(
                select(db.func.count()).where(OptOut.student_id == demo.students["sofia"])
            )
            == 2
        )  # no new request: the confirmed one and the withdrawn one
        (joined,) = db.session.scalars(
            select(Event).where(Event.optout_id == confirmed, Event.kind == "joined")
        )
        assert (joined.actor_name, joined.on_behalf_of_name) == ("Angela Brooks", "Luis Garcia")
        (told,) = db.session.scalars(
            select(Notification).where(
                Notification.optout_id == confirmed, Notification.kind == "optouts/recorded"
            )
        )
        assert told.to_address == "luis.garcia@demo.consent.example"
        assert "Angela Brooks recorded an opt-out request for you" in " ".join(
            told.body_text.split()
        )
    inbox = as_("luis").get("/inbox").get_data(as_text=True)
    assert "The school recorded your request for Sofia about Zoom" in inbox


def test_a_duplicate_that_cannot_join_is_refused_and_changes_nothing(app, demo, as_):
    """María already asked for Mateo's recording opt-out: recording it again adds nothing."""
    before = _state(app)
    answer = as_("patel").post(
        _record_url(demo, "mateo", "zoom"),
        {
            "guardian": demo.guardians["maria"],
            "channel": "email",
            "received_on": clock.today().isoformat(),
            "feature": "recording",
            "accommodation": "No recording while my child is present",
        },
    )
    assert answer.status_code == 200
    assert "Maria Garcia already asked for this" in answer.get_data(as_text=True)
    assert _state(app) == before


@pytest.mark.parametrize(
    ("received", "message"),
    [
        (lambda today: today + timedelta(days=1), "The date received cannot be in the future."),
        (
            lambda today: school_year_start(today) - timedelta(days=1),
            "The date received must be in this school year",
        ),
        (lambda today: None, "Give the date the request reached you."),
    ],
)
def test_a_received_date_in_the_future_or_before_the_school_year_is_refused(
    app, demo, as_, received, message
):
    before = _state(app)
    with app.app_context():
        day = received(clock.today())
    answer = as_("lee").post(
        _record_url(demo, "liam", "classroom"),
        {
            "guardian": demo.guardians["robert"],
            "channel": "paper",
            "received_on": day.isoformat() if day else "",
            "feature": "",
            "accommodation": "Alternative activity",
        },
    )
    assert answer.status_code == 200
    text = answer.get_data(as_text=True)
    assert message in text and 'role="alert"' in text
    assert _state(app) == before


def test_a_guardian_without_rights_cannot_be_named(app, demo, as_):
    johnson = as_("johnson")
    page = johnson.get(_record_url(demo, "ava", "classroom")).get_data(as_text=True)
    assert "James Chen" in page and "Grace Chen" not in page  # Grace is a relative
    before = _state(app)
    answer = johnson.post(
        _record_url(demo, "ava", "classroom"),
        {
            "guardian": demo.guardians["grace"],
            "channel": "phone",
            "received_on": clock.today().isoformat(),
            "feature": "",
            "accommodation": "Alternative activity",
        },
    )
    assert answer.status_code == 200
    assert "Choose a parent or guardian with rights for this child." in answer.get_data(
        as_text=True
    )
    assert _state(app) == before


@pytest.fixture
def get(ctx, demo):
    from consent.accounts.models import Account
    from consent.catalog.models import Tool
    from consent.roster.models import Guardian, Student

    models = {"accounts": Account, "tools": Tool, "students": Student, "guardians": Guardian}
    return lambda kind, key: db.session.get(models[kind], demo.ids[kind][key])


def _record(get, staff, guardian, student, tool="classroom", **fields):
    return ops.file_optout(
        actor=get("accounts", staff),
        on_behalf_of=get("guardians", guardian),
        student=get("students", student),
        tool=get("tools", tool),
        feature="",
        accommodation="Alternative activity",
        channel=fields.pop("channel", "phone"),
        **fields,
    )


def test_the_operation_refuses_a_relative_and_a_student_outside_the_staff_members_scope(get):
    with pytest.raises(OptOutError, match="does not hold the rights"):
        _record(get, "johnson", "grace", "ava")
    with pytest.raises(OptOutError, match="only for a student you teach"):
        _record(get, "patel", "maria", "sofia")  # Mr. Patel teaches Mateo, not Sofia
    with pytest.raises(OptOutError, match="only for a student you teach"):
        _record(get, "reed", "james", "ava")  # another school's principal
    with pytest.raises(OptOutError, match="Say how the request reached you"):
        _record(get, "lee", "robert", "liam", channel="web")
    # Nor may a guardian act for another one.
    with pytest.raises(OptOutError, match="only for a student you teach"):
        _record(get, "luis", "maria", "sofia")
    assert db.session.scalar(
        select(db.func.count()).select_from(AuditEvent).where(AuditEvent.action == "optout.file")
    ) == db.session.scalar(select(db.func.count()).select_from(OptOut))


def test_a_staff_member_outside_the_students_scope_meets_a_404(app, demo, as_):
    assert as_("patel").get(_record_url(demo, "sofia")).status_code == 404
    assert as_("reed").get(_record_url(demo, "ava", "classroom")).status_code == 404
    assert as_("maria").get(_record_url(demo, "sofia")).status_code == 404


# --- 7. people see only what they can do ---------------------------------------------------


def test_a_relative_sees_the_child_but_no_dead_buttons_and_who_can_decide(app, demo, as_):
    grace = as_("grace")
    page = grace.get(f"/students/{demo.students['ava']}").get_data(as_text=True)
    assert "Seesaw" in page and "Requests" in page  # she still sees tools and requests
    assert "/optouts/new" not in page and "Opt out of" not in page
    assert "Forms waiting" not in page
    assert "Who can decide for Ava" in page and "James Chen" in page
    choose = grace.get("/optouts/new").get_data(as_text=True)
    assert f"/students/{demo.students['ava']}/optouts/new" not in choose
    assert "only a parent or guardian with rights can ask" in choose
    # A parent with rights keeps the buttons, and is offered only children they may file for.
    james = as_("james").get(f"/students/{demo.students['ava']}").get_data(as_text=True)
    assert "Opt out of Seesaw" in james and "Who can decide" not in james
    maria = as_("maria").get("/optouts/new").get_data(as_text=True)
    assert f"/students/{demo.students['sofia']}/optouts/new" in maria
    assert f"/students/{demo.students['mateo']}/optouts/new" in maria


def test_the_childs_page_offers_recording_to_exactly_who_the_recording_page_lets_in(demo, as_):
    ava = demo.students["ava"]
    for persona in ("johnson", "brooks", "lee"):  # her teacher, her principal, the office
        client = as_(persona)
        page = client.get(f"/students/{ava}").get_data(as_text=True)
        assert "Record an opt-out for this family" in page, persona
        assert "Student number" in page, persona
        assert client.get(_record_url(demo, "ava")).status_code == 200, persona
    for persona in ("james", "grace"):  # her father, who decides; a relative, who only sees
        client = as_(persona)
        page = client.get(f"/students/{ava}").get_data(as_text=True)
        assert "Record an opt-out for this family" not in page, persona
        assert "Student number" not in page, persona
        assert client.get(_record_url(demo, "ava")).status_code == 404, persona
