"""Tool-use declarations: a teacher for their own classes, the privacy office for schools and
the district; only approved tools; dates in order; active opt-outs follow each start and end."""

import html
from datetime import timedelta

import pytest
from sqlalchemy import select

from consent.accounts.models import Account
from consent.audit.models import AuditEvent
from consent.catalog.models import Tool, ToolUse, UseScope, VettingStatus
from consent.core import clock
from consent.extensions import db
from consent.notifications.models import Notification
from consent.optouts.models import OptOut, OptOutStatus, Task, TaskStatus
from consent.roster.models import School, Section
from consent.vetting import operations as ops
from consent.vetting.operations import VettingError
from tests.vetting.helpers import KIM, count


@pytest.fixture
def today(app):
    with app.app_context():
        return clock.today()


def declare(as_, demo, section, tool, starts_on, ends_on="", persona="johnson"):
    """The declaration form posted, with the CSRF token from a page every staff member has."""
    url = f"/sections/{demo.sections[section]}/tools"
    return as_(persona).post(
        url,
        {"tool": str(demo.tools[tool]), "starts_on": str(starts_on), "ends_on": str(ends_on)},
        token_from="/vetting",
    )


def uses_of(app, demo, section, tool) -> list[ToolUse]:
    with app.app_context():
        rows = db.session.scalars(
            select(ToolUse).where(
                ToolUse.section_id == demo.sections[section], ToolUse.tool_id == demo.tools[tool]
            )
        ).all()
        for row in rows:
            db.session.expunge(row)
        return list(rows)


def set_status(app, demo, tool, status: VettingStatus) -> None:
    with app.app_context():
        db.session.get(Tool, demo.tools[tool]).vetting_status = status
        db.session.commit()


def kim_task(app, demo) -> Task | None:
    """Mr. Kim's task on Sofia's confirmed Zoom camera opt-out (Room 12 uses Zoom; Grade 4
    Science, which Ms. Johnson and Mr. Kim share, does not)."""
    with app.app_context():
        task = db.session.scalar(
            select(Task).where(
                Task.optout_id == demo.optouts["confirmed"], Task.teacher_id == demo.staff["kim"]
            )
        )
        if task is not None:
            db.session.expunge(task)
        return task


# --- declaring --------------------------------------------------------------------------------


def test_a_teacher_declares_an_approved_tool_for_their_class(app, as_, demo, today):
    answer = declare(as_, demo, "room15", "khan", today, persona="kim")
    assert answer.status_code == 302
    (use,) = uses_of(app, demo, "room15", "khan")
    assert (use.scope, use.starts_on, use.ends_on) == (UseScope.SECTION, today, None)
    assert use.declared_by_account_id == demo.accounts["kim"]
    assert use.created_at is not None
    page = as_("kim").get(answer.headers["Location"]).get_data(as_text=True)
    assert "Khan Academy" in page and "In use" in page
    listing = as_("kim").get("/classes/tools").get_data(as_text=True)
    assert "Khan Academy" in listing and "Grade 5 - Room 15" in listing
    assert "Math 7" not in listing
    assert count(app, AuditEvent, AuditEvent.action == "tool_use.declare") == 1


def test_only_approved_tools_are_offered_and_others_refused(app, as_, demo, today):
    set_status(app, demo, "flip", VettingStatus.NOT_APPROVED)
    set_status(app, demo, "nearpod", VettingStatus.PENDING)
    form = as_("johnson").get(f"/sections/{demo.sections['room12']}/tools").get_data(as_text=True)
    assert f'value="{demo.tools["khan"]}"' in form
    assert f'value="{demo.tools["flip"]}"' not in form
    for tool, name in (("flip", "Flip"), ("nearpod", "Nearpod")):
        answer = declare(as_, demo, "room12", tool, today)
        assert answer.status_code == 200
        page = html.unescape(answer.get_data(as_text=True))
        assert f"{name} is not approved for use with students" in page
        assert uses_of(app, demo, "room12", tool) == []


def test_a_tool_that_does_not_say_what_it_collects_is_not_put_in_use(app, as_, demo, today):
    """An entry fresh from an approval has no data categories yet: families would see a tool in
    use without knowing what it collects, so it is neither offered nor accepted."""
    with app.app_context():
        tool = db.session.get(Tool, demo.tools["khan"])
        tool.data_categories.clear()
        db.session.commit()
    form = as_("johnson").get(f"/sections/{demo.sections['room12']}/tools").get_data(as_text=True)
    assert f'value="{demo.tools["khan"]}"' not in form
    answer = declare(as_, demo, "room12", "khan", today)
    assert answer.status_code == 200
    page = html.unescape(answer.get_data(as_text=True))
    assert "Khan Academy cannot be put in use until the privacy office records what it" in page
    assert uses_of(app, demo, "room12", "khan") == []


def test_an_approved_with_conditions_tool_may_be_used(app, as_, demo, today):
    set_status(app, demo, "khan", VettingStatus.APPROVED_WITH_CONDITIONS)
    assert declare(as_, demo, "room12", "khan", today).status_code == 302
    assert len(uses_of(app, demo, "room12", "khan")) == 1


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (0, -1, "The end date is before the start date."),
        (-30, -2, "The end date has already passed."),
        (None, None, "Give the first day of use."),
    ],
)
def test_dates_out_of_order_are_refused(app, as_, demo, today, start, end, message):
    starts = "" if start is None else today + timedelta(days=start)
    ends = "" if end is None else today + timedelta(days=end)
    answer = declare(as_, demo, "room12", "khan", starts, ends)
    assert answer.status_code == 200
    assert message in answer.get_data(as_text=True)
    assert uses_of(app, demo, "room12", "khan") == []


def test_a_second_overlapping_use_is_refused(app, as_, demo, today):
    assert declare(as_, demo, "room12", "khan", today).status_code == 302
    answer = declare(as_, demo, "room12", "khan", today + timedelta(days=5))
    assert "Khan Academy is already in use there" in answer.get_data(as_text=True)
    assert len(uses_of(app, demo, "room12", "khan")) == 1


def test_a_teacher_cannot_declare_for_a_class_that_is_not_theirs(app, as_, demo, today):
    denied = count(app, AuditEvent, AuditEvent.action == "access.denied")
    for section in ("room15", "math7"):  # same school, another school
        answer = declare(as_, demo, section, "khan", today, persona="johnson")
        assert answer.status_code == 404
        assert uses_of(app, demo, section, "khan") == []
    assert count(app, AuditEvent, AuditEvent.action == "access.denied") == denied + 2


def test_a_principal_sees_a_class_tools_but_cannot_declare(app, as_, demo, today):
    page = as_("brooks").get(f"/sections/{demo.sections['room12']}/tools")
    assert page.status_code == 200 and "Zoom" in page.get_data(as_text=True)
    assert "Add a tool to this class" not in page.get_data(as_text=True)
    answer = as_("brooks").post(
        f"/sections/{demo.sections['room12']}/tools",
        {"tool": str(demo.tools["khan"]), "starts_on": str(today)},
        token_from="/vetting",
    )
    assert answer.status_code == 404
    assert uses_of(app, demo, "room12", "khan") == []


def test_the_operation_refuses_wide_uses_from_a_teacher(ctx, demo):
    johnson = db.session.get(Account, demo.accounts["johnson"])
    khan = db.session.get(Tool, demo.tools["khan"])
    oakwood = db.session.get(School, demo.schools["oakwood"])
    with pytest.raises(VettingError):
        ops.declare_use(actor=johnson, tool=khan, school=oakwood, starts_on=clock.today())
    with pytest.raises(VettingError):
        ops.declare_use(actor=johnson, tool=khan, starts_on=clock.today())


# --- opt-outs follow the tool ---------------------------------------------------------------


def test_a_use_that_starts_routes_active_opt_outs_to_the_class_teachers(app, as_, demo, today):
    assert kim_task(app, demo) is None
    assert declare(as_, demo, "science4", "zoom", today).status_code == 302
    task = kim_task(app, demo)
    assert task is not None and task.status is TaskStatus.OPEN
    with app.app_context():
        (message,) = db.session.scalars(
            select(Notification).where(
                Notification.optout_id == demo.optouts["confirmed"],
                Notification.to_address == KIM,
                Notification.kind == "optouts/task_assigned",
            )
        ).all()
        assert message.link == f"/tasks/{task.id}"
        assert db.session.get(OptOut, demo.optouts["confirmed"]).status is OptOutStatus.CONFIRMED
    assert "Sofia Garcia" in as_("kim").get("/tasks").get_data(as_text=True)


def test_ending_a_use_closes_the_task_it_opened(app, as_, demo, today):
    with app.app_context():
        johnson = db.session.get(Account, demo.accounts["johnson"])
        change = ops.declare_use(
            actor=johnson,
            tool=db.session.get(Tool, demo.tools["zoom"]),
            section=db.session.get(Section, demo.sections["science4"]),
            starts_on=today - timedelta(days=10),
        )
        db.session.commit()
        use_id = change.use.id
    assert kim_task(app, demo).status is TaskStatus.OPEN

    johnson_browser = as_("johnson")
    confirm = johnson_browser.get(f"/tool-uses/{use_id}/end").get_data(as_text=True)
    assert "Stop using Zoom?" in confirm
    answer = johnson_browser.post(f"/tool-uses/{use_id}/end", {"stop_from": str(today)})
    assert answer.status_code == 302
    (use,) = uses_of(app, demo, "science4", "zoom")
    assert use.ends_on == today - timedelta(days=1)
    assert kim_task(app, demo).status is TaskStatus.CLOSED
    assert count(app, AuditEvent, AuditEvent.action == "tool_use.end") == 1
    # Room 12 still uses Zoom: Ms. Johnson keeps her task.
    with app.app_context():
        johnson_task = db.session.scalar(
            select(Task).where(
                Task.optout_id == demo.optouts["confirmed"],
                Task.teacher_id == demo.staff["johnson"],
            )
        )
        assert johnson_task.status is not TaskStatus.CLOSED


def test_a_use_stopped_before_its_first_day_is_removed(app, as_, demo, today):
    assert declare(as_, demo, "science4", "zoom", today).status_code == 302
    (use,) = uses_of(app, demo, "science4", "zoom")
    answer = as_("johnson").post(f"/tool-uses/{use.id}/end", {"stop_from": str(today)})
    assert answer.status_code == 302
    assert uses_of(app, demo, "science4", "zoom") == []
    assert kim_task(app, demo).status is TaskStatus.CLOSED


def test_ending_refuses_a_past_day_and_an_ended_use(app, as_, demo, today):
    assert declare(as_, demo, "science4", "zoom", today).status_code == 302
    (use,) = uses_of(app, demo, "science4", "zoom")
    answer = as_("johnson").post(
        f"/tool-uses/{use.id}/end", {"stop_from": str(today - timedelta(days=1))}
    )
    assert "Choose today or a later day." in answer.get_data(as_text=True)
    assert len(uses_of(app, demo, "science4", "zoom")) == 1
    with app.app_context():
        row = db.session.get(ToolUse, use.id)
        row.starts_on, row.ends_on = today - timedelta(days=9), today - timedelta(days=2)
        db.session.commit()
    answer = as_("johnson").post(f"/tool-uses/{use.id}/end", {"stop_from": str(today)})
    assert "This use has already ended." in answer.get_data(as_text=True)


def test_a_teacher_cannot_end_another_class_use(app, as_, demo, today):
    with app.app_context():
        math_zoom = db.session.scalar(
            select(ToolUse.id).where(ToolUse.section_id == demo.sections["math7"])
        )
        district = db.session.scalar(select(ToolUse.id).where(ToolUse.scope == UseScope.DISTRICT))
    denied = count(app, AuditEvent, AuditEvent.action == "access.denied")
    for use_id in (math_zoom, district):
        assert as_("johnson").get(f"/tool-uses/{use_id}/end").status_code == 404
        answer = as_("johnson").post(
            f"/tool-uses/{use_id}/end", {"stop_from": str(today)}, token_from="/vetting"
        )
        assert answer.status_code == 404
    assert count(app, AuditEvent, AuditEvent.action == "access.denied") == denied + 4
    assert (
        count(app, ToolUse, ToolUse.id.in_([math_zoom, district]), ToolUse.ends_on.is_(None)) == 2
    )


def test_the_privacy_office_puts_a_tool_in_use_school_wide(app, as_, demo, today):
    answer = as_("lee").post(
        "/tool-uses",
        {
            "tool": str(demo.tools["zoom"]),
            "school": str(demo.schools["oakwood"]),
            "starts_on": str(today),
        },
    )
    assert answer.status_code == 302
    with app.app_context():
        use = db.session.scalar(
            select(ToolUse).where(
                ToolUse.scope == UseScope.SCHOOL, ToolUse.tool_id == demo.tools["zoom"]
            )
        )
        assert use.school_id == demo.schools["oakwood"]
    # Every teacher of Sofia now has her Zoom opt-out, Mr. Kim included.
    assert kim_task(app, demo).status is TaskStatus.OPEN
    page = as_("lee").get("/tool-uses").get_data(as_text=True)
    assert "Zoom" in page and "Oakwood Elementary School" in page


def test_a_use_declared_ahead_routes_on_its_first_day(app, demo, today):
    with app.app_context():
        lee = db.session.get(Account, demo.accounts["lee"])
        ops.declare_use(
            actor=lee,
            tool=db.session.get(Tool, demo.tools["zoom"]),
            section=db.session.get(Section, demo.sections["science4"]),
            starts_on=today + timedelta(days=1),
        )
        db.session.commit()
    assert kim_task(app, demo) is None
    result = app.test_cli_runner().invoke(args=["vetting", "follow-uses"])
    assert result.exit_code == 0 and "tasks added 0" in result.output
    with app.app_context():
        report = ops.reroute(today + timedelta(days=1))
        db.session.commit()
    assert report.tasks_added == 1
    assert kim_task(app, demo).status is TaskStatus.OPEN


def test_a_declaration_routes_only_its_own_tools_opt_outs(app, demo, today):
    """A Zoom use declared ahead starts tomorrow. Tomorrow morning, before the daily run, Mr. Kim
    adds Khan Academy to Room 15 and then takes it off again: both route Khan Academy's opt-outs
    only, never Zoom's; Zoom's start is routed by the daily run, as its own change."""
    tomorrow = today + timedelta(days=1)
    with app.app_context():
        ops.declare_use(
            actor=db.session.get(Account, demo.accounts["lee"]),
            tool=db.session.get(Tool, demo.tools["zoom"]),
            section=db.session.get(Section, demo.sections["science4"]),
            starts_on=tomorrow,
            today=today,
        )
        db.session.commit()
        kim = db.session.get(Account, demo.accounts["kim"])
        khan = ops.declare_use(
            actor=kim,
            tool=db.session.get(Tool, demo.tools["khan"]),
            section=db.session.get(Section, demo.sections["room15"]),
            starts_on=tomorrow,
            today=tomorrow,
        )
        db.session.commit()
        assert khan.follow.tasks_added == 0
        ended = ops.end_use(actor=kim, use=khan.use, stop_from=tomorrow, today=tomorrow)
        db.session.commit()
        assert ended.follow.tasks_added == 0
    assert kim_task(app, demo) is None
    with app.app_context():
        report = ops.reroute(tomorrow)
        db.session.commit()
    assert report.tasks_added == 1
    assert kim_task(app, demo).status is TaskStatus.OPEN


def timeline(as_, demo) -> str:
    """Sofia's Zoom camera opt-out as her mother reads it."""
    page = as_("maria").get(f"/requests/{demo.optouts['confirmed']}")
    assert page.status_code == 200
    return html.unescape(page.get_data(as_text=True))


def test_the_timeline_says_a_tool_use_change_not_a_roster_change(app, as_, demo, today):
    roster_lines = timeline(as_, demo).count("The roster changed")
    assert declare(as_, demo, "science4", "zoom", today).status_code == 302
    page = timeline(as_, demo)
    assert "The tool is now used in a new class or school: a teacher was added" in page
    assert "Grade 4 Science · David Kim" in page
    (use,) = uses_of(app, demo, "science4", "zoom")
    answer = as_("johnson").post(f"/tool-uses/{use.id}/end", {"stop_from": str(today)})
    assert answer.status_code == 302
    page = timeline(as_, demo)
    assert "The tool use ended: a teacher no longer needs a plan" in page
    assert page.count("Grade 4 Science · David Kim") == 2
    assert page.count("The roster changed") == roster_lines


# --- needs action -----------------------------------------------------------------------------


def test_tools_in_use_that_lost_approval_need_action(app, as_, demo, today):
    lee = as_("lee")
    assert "every tool in use is approved" in lee.get("/tool-uses/needs-action").get_data(
        as_text=True
    )
    set_status(app, demo, "nearpod", VettingStatus.NOT_APPROVED)
    set_status(app, demo, "khan", VettingStatus.RETIRED)
    with app.app_context():  # an ended use of a retired tool needs nothing
        flip = db.session.scalar(select(ToolUse).where(ToolUse.tool_id == demo.tools["flip"]))
        flip.starts_on, flip.ends_on = today - timedelta(days=30), today - timedelta(days=1)
        db.session.get(Tool, demo.tools["flip"]).vetting_status = VettingStatus.RETIRED
        db.session.commit()
    page = lee.get("/tool-uses/needs-action").get_data(as_text=True)
    assert page.count(">Nearpod</a>") == 2  # Grade 4 Science and Science 7
    assert "Grade 4 Science" in page and "Science 7" in page
    assert ">Khan Academy</a>" in page and "Riverside Middle School" in page
    assert "Not approved" in page and "Retired" in page
    assert "Flip" not in page and "Zoom" not in page


def test_a_tool_needing_parent_consent_is_not_put_in_use_without_a_consent_form(
    app, as_, demo, today
):
    """Flip needs each parent's consent: without a published consent form for it, families
    could never answer, so declaring it is refused with what to do; once the privacy office
    publishes one, the class may use it."""
    from consent.consentforms import operations as forms
    from consent.consentforms.models import FormKind, FormMode

    with app.app_context():
        db.session.execute(ToolUse.__table__.delete().where(ToolUse.tool_id == demo.tools["flip"]))
        db.session.commit()
    answer = declare(as_, demo, "room12", "flip", today)
    assert answer.status_code == 200
    page = html.unescape(answer.get_data(as_text=True))
    assert "Flip needs each parent's consent" in page
    assert uses_of(app, demo, "room12", "flip") == []

    with app.app_context():
        office = db.session.get(Account, demo.accounts["lee"])
        form = forms.create_form(
            actor=office,
            school_year="2026-2027",
            kind=FormKind.TOOL_CONSENT,
            mode=FormMode.OPT_IN,
            title="Flip consent",
            text="May your child record videos on Flip?",
            opens_on=today,
            closes_on=today + timedelta(days=30),
            tool_id=demo.tools["flip"],
        )
        forms.publish_form(actor=office, form=form)
        db.session.commit()
    assert declare(as_, demo, "room12", "flip", today).status_code == 302
    assert len(uses_of(app, demo, "room12", "flip")) == 1


def test_needs_action_lists_a_consent_tool_in_use_without_a_consent_form(app, as_, demo, today):
    """The demo's Flip needs each parent's consent; its use in English 7 has Riverside's consent
    form, so Needs action is quiet about it. A use made before the rule (Room 12, at Oakwood)
    has none: the office's Needs action lists it until a form reaches Oakwood."""
    from consent.consentforms import operations as forms
    from consent.consentforms.models import FormKind, FormMode

    def listed() -> str:
        page = as_("lee").get("/tool-uses/needs-action").get_data(as_text=True)
        part = html.unescape(page).split("in use without a consent form", 1)[1]
        return part

    assert "Flip" not in listed()
    with app.app_context():
        db.session.add(
            ToolUse(
                tool_id=demo.tools["flip"],
                scope=UseScope.SECTION,
                section_id=demo.sections["room12"],
                starts_on=today,
            )
        )
        db.session.commit()
    part = listed()
    assert "Flip" in part and "Grade 4 - Room 12" in part and "English 7" not in part

    def publish(title: str, school: str) -> None:
        with app.app_context():
            office = db.session.get(Account, demo.accounts["lee"])
            form = forms.create_form(
                actor=office,
                school_year="2026-2027",
                kind=FormKind.TOOL_CONSENT,
                mode=FormMode.OPT_IN,
                title=title,
                text="May your child record videos on Flip?",
                opens_on=today,
                closes_on=today + timedelta(days=30),
                tool_id=demo.tools["flip"],
                school_ids=[demo.schools[school]],
            )
            forms.publish_form(actor=office, form=form)
            db.session.commit()

    publish("Flip consent at Riverside again", "riverside")
    assert "Grade 4 - Room 12" in listed()  # a form for another school does not reach Oakwood
    publish("Flip consent at Oakwood", "oakwood")
    part = listed()
    assert "Flip" not in part
    assert "Every tool in use that needs each parent's consent has a published consent form" in part
