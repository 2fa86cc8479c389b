"""Bulk actions on opt-out requests: a principal confirms several planned requests at once (a
checkbox list, a review step, then confirm), and the privacy office closes every request of a
retired tool with one reason (a review step with the count, then confirm).

Each item goes through the single operation (`confirm`, `close`), so each gets its own timeline
line, audit row and notifications; if one item is refused, nothing is saved and the page says
which item and why."""

import pytest
from sqlalchemy import func, select

from consent.accounts.models import Account
from consent.audit.models import AuditEvent
from consent.catalog.models import Tool, VettingStatus
from consent.extensions import db
from consent.notifications.models import Notification
from consent.optouts import operations
from consent.optouts.models import Event, OptOut, OptOutStatus
from consent.roster.models import Student
from tests.support import mark_backlog_sent


def _account(demo, persona: str) -> Account:
    return db.session.get(Account, demo.accounts[persona])


def make_planned(app, demo, guardian: str, student: str, tool: str) -> int:
    """A request filed by `guardian` and planned by every teacher it was routed to."""
    with app.app_context():
        staff_key = {v: k for k, v in demo.staff.items()}
        the_tool = db.session.get(Tool, demo.tools[tool])
        option = the_tool.optout_options[0].label
        optout = operations.file_optout(
            actor=_account(demo, guardian),
            student=db.session.get(Student, demo.students[student]),
            tool=the_tool,
            feature="",
            accommodation=option,
        ).optout
        for task in list(optout.tasks):
            operations.record_plan(
                actor=_account(demo, staff_key[task.teacher_id]), task=task, option=option
            )
        db.session.commit()
        assert optout.status is OptOutStatus.PLANNED
        return optout.id


def make_submitted(app, demo, guardian: str, student: str, tool: str) -> int:
    with app.app_context():
        the_tool = db.session.get(Tool, demo.tools[tool])
        optout = operations.file_optout(
            actor=_account(demo, guardian),
            student=db.session.get(Student, demo.students[student]),
            tool=the_tool,
            feature="",
            accommodation=the_tool.optout_options[0].label,
        ).optout
        db.session.commit()
        return optout.id


def _status(app, optout_id: int) -> OptOutStatus:
    with app.app_context():
        return db.session.get(OptOut, optout_id).status


def _count(app, model, *conditions) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*conditions))


# --- a principal confirms several planned requests -------------------------------------------


def test_the_list_offers_only_the_planned_requests_of_the_principal_s_school(app, demo, as_):
    sofia = make_planned(app, demo, "maria", "sofia", "nearpod")
    page = as_("brooks").get("/requests/confirm-many").get_data(as_text=True)
    assert f'value="{demo.optouts["planned"]}"' in page  # Ava, Seesaw
    assert f'value="{sofia}"' in page
    assert f'value="{demo.optouts["submitted"]}"' not in page  # Riverside, and only submitted
    assert f'value="{demo.optouts["confirmed"]}"' not in page  # already confirmed
    riverside = as_("reed").get("/requests/confirm-many").get_data(as_text=True)
    assert "No request is waiting for your confirmation." in riverside
    assert "Confirm several plans at once" in as_("brooks").get("/requests").get_data(as_text=True)
    assert "Confirm several plans at once" not in as_("johnson").get("/requests").get_data(
        as_text=True
    )


def test_review_then_confirm_each_request_as_a_single_confirmation(app, demo, as_, smtp):
    ava = demo.optouts["planned"]
    sofia = make_planned(app, demo, "maria", "sofia", "nearpod")
    mark_backlog_sent(app)
    brooks = as_("brooks")
    review = brooks.post(
        "/requests/confirm-many", {"optouts": [ava, sofia], "review": "Review"}
    ).get_data(as_text=True)
    assert "Check the plans before you confirm them" in review
    assert "Ava Chen" in review and "Sofia Garcia" in review
    assert _status(app, ava) is _status(app, sofia) is OptOutStatus.PLANNED  # nothing yet
    with app.app_context():
        versions = {o: db.session.get(OptOut, o).version for o in (ava, sofia)}
    done = brooks.post(
        "/requests/confirm-many",
        {
            "optouts": [ava, sofia],
            **{f"version-{o}": v for o, v in versions.items()},
            "confirm": "Confirm",
        },
    )
    assert done.status_code == 302
    assert "2 requests confirmed" in brooks.get(done.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        for optout_id in (ava, sofia):
            optout = db.session.get(OptOut, optout_id)
            assert optout.status is OptOutStatus.CONFIRMED
            (line,) = [e for e in optout.events if e.kind == "confirmed"]
            assert line.actor_account_id == demo.accounts["brooks"]
            audit = db.session.scalars(
                select(AuditEvent.action).where(AuditEvent.target == f"optout:{optout_id}")
            ).all()
            assert audit.count("optout.confirm") == 1
            kinds = db.session.scalars(
                select(Notification.kind).where(Notification.optout_id == optout_id)
            ).all()
            assert "optouts/confirmed" in kinds and "optouts/confirmed_teacher" in kinds
    # Delivered over real SMTP: each family hears about its own child.
    with app.app_context():
        from consent.notifications.operations import deliver_due

        deliver_due()
    to = {m["To"] for m in smtp.messages}
    assert {"james.chen@demo.consent.example", "maria.garcia@demo.consent.example"} <= to


def test_one_refused_request_saves_nothing_and_the_page_names_it(app, demo, as_):
    ava = demo.optouts["planned"]
    sofia = make_planned(app, demo, "maria", "sofia", "nearpod")
    brooks = as_("brooks")
    brooks.post("/requests/confirm-many", {"optouts": [ava, sofia], "review": "Review"})
    # Meanwhile María withdraws Sofia's request.
    with app.app_context():
        operations.withdraw(actor=_account(demo, "maria"), optout=db.session.get(OptOut, sofia))
        db.session.commit()
    events_before = _count(app, Event)
    answer = brooks.post("/requests/confirm-many", {"optouts": [ava, sofia], "confirm": "Confirm"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "Nothing was saved" in page
    assert f"Request {sofia}, Sofia Garcia, Nearpod" in page
    assert "withdrawn; it cannot be moved to confirmed" in page
    assert _status(app, ava) is OptOutStatus.PLANNED  # confirmed first, then rolled back
    assert _count(app, Event) == events_before
    assert _count(app, AuditEvent, AuditEvent.action == "optout.confirm") == 1  # the demo's own


def test_a_request_changed_after_the_review_is_not_confirmed_unseen(app, demo, as_):
    ava = demo.optouts["planned"]
    with app.app_context():
        seen = db.session.get(OptOut, ava).version
        optout = db.session.get(OptOut, ava)
        operations.return_plan(actor=_account(demo, "brooks"), optout=optout, note="Add detail.")
        for task in optout.tasks:
            persona = {v: k for k, v in demo.staff.items()}[task.teacher_id]
            operations.record_plan(
                actor=_account(demo, persona), task=task, option=task.plan_option
            )
        db.session.commit()
        assert optout.status is OptOutStatus.PLANNED
    answer = as_("brooks").post(
        "/requests/confirm-many",
        {"optouts": [ava], f"version-{ava}": seen, "confirm": "Confirm"},
    )
    assert "This request changed after you reviewed it." in answer.get_data(as_text=True)
    assert _status(app, ava) is OptOutStatus.PLANNED


def test_nothing_chosen_is_refused_on_the_form(app, demo, as_):
    page = as_("brooks").post("/requests/confirm-many", {"review": "Review"}).get_data(as_text=True)
    assert "Choose at least one request to confirm." in page


def test_a_principal_cannot_confirm_another_school_s_request(app, demo, as_):
    sofia = make_planned(app, demo, "maria", "sofia", "nearpod")
    answer = as_("reed").post("/requests/confirm-many", {"optouts": [sofia], "confirm": "Confirm"})
    assert answer.status_code == 404
    assert _status(app, sofia) is OptOutStatus.PLANNED


# --- the privacy office closes every request of a retired tool -------------------------------


def _retire(app, tool_id: int) -> None:
    with app.app_context():
        db.session.get(Tool, tool_id).vetting_status = VettingStatus.RETIRED
        db.session.commit()


@pytest.fixture
def nearpod_requests(app, demo):
    """Two requests of Nearpod still in effect (one planned at Oakwood, one submitted at
    Riverside) beside the demo's closed one; Nearpod retired."""
    planned = make_planned(app, demo, "maria", "sofia", "nearpod")
    submitted = make_submitted(app, demo, "maria", "mateo", "nearpod")
    _retire(app, demo.tools["nearpod"])
    return planned, submitted


def test_the_office_reviews_the_count_then_closes_every_request_of_a_retired_tool(
    app, demo, as_, nearpod_requests
):
    lee = as_("lee")
    url = f"/tools/{demo.tools['nearpod']}/close-requests"
    tool_page = lee.get(f"/tools/{demo.tools['nearpod']}").get_data(as_text=True)
    assert "2 requests for it have not ended" in tool_page and url in tool_page
    start = lee.get(url).get_data(as_text=True)
    assert "2 requests for Nearpod have not ended" in start
    reason = "The district no longer uses Nearpod."
    review = lee.post(url, {"reason": reason, "review": "Review"}).get_data(as_text=True)
    assert "All 2 requests will be closed with this reason." in review and reason in review
    assert all(_status(app, o) is not OptOutStatus.CLOSED for o in nearpod_requests)
    done = lee.post(url, {"reason": reason, "expected": "2", "close": "Close"})
    assert done.status_code == 302
    with app.app_context():
        for optout_id in nearpod_requests:
            optout = db.session.get(OptOut, optout_id)
            assert optout.status is OptOutStatus.CLOSED
            (line,) = [e for e in optout.events if e.kind == "closed"]
            assert reason in line.note and line.actor_account_id == demo.accounts["lee"]
            assert (
                db.session.scalar(
                    select(func.count()).where(
                        AuditEvent.action == "optout.close",
                        AuditEvent.target == f"optout:{optout_id}",
                    )
                )
                == 1
            )
            told = db.session.scalars(
                select(Notification.kind).where(Notification.optout_id == optout_id)
            ).all()
            assert "optouts/closed" in told
    after = lee.get(f"/tools/{demo.tools['nearpod']}").get_data(as_text=True)
    assert "have not ended" not in after


def test_the_count_changed_since_the_review_closes_nothing(app, demo, as_, nearpod_requests):
    url = f"/tools/{demo.tools['nearpod']}/close-requests"
    answer = as_("lee").post(url, {"reason": "Retired.", "expected": "1", "close": "Close"})
    page = answer.get_data(as_text=True)
    assert "You reviewed 1 requests, but 2 are open now. Nothing was closed." in page
    assert all(_status(app, o) is not OptOutStatus.CLOSED for o in nearpod_requests)


def test_one_refused_close_saves_nothing_and_names_the_request(
    app, demo, as_, nearpod_requests, monkeypatch
):
    """A refusal of the second request (here forced) rolls back the first one closed too."""
    real_close = operations.close
    planned, submitted = nearpod_requests

    def close(*, actor, optout, reason):
        if optout.id == submitted:
            raise operations.OptOutError("This one cannot be closed now.")
        real_close(actor=actor, optout=optout, reason=reason)

    monkeypatch.setattr(operations, "close", close)
    url = f"/tools/{demo.tools['nearpod']}/close-requests"
    page = as_("lee").post(url, {"reason": "Retired.", "expected": "2", "close": "Close"})
    text = page.get_data(as_text=True)
    assert "Nothing was saved" in text
    assert f"Request {submitted}, Mateo Garcia, Nearpod: This one cannot be closed now." in text
    assert _status(app, planned) is OptOutStatus.PLANNED
    assert _status(app, submitted) is OptOutStatus.SUBMITTED


def test_a_tool_that_is_not_retired_keeps_its_requests(app, demo, as_):
    sofia = make_planned(app, demo, "maria", "sofia", "nearpod")
    url = f"/tools/{demo.tools['nearpod']}/close-requests"
    lee = as_("lee")
    assert "is not retired" in lee.get(url).get_data(as_text=True)
    text = lee.post(url, {"reason": "x", "expected": "1", "close": "Close"}).get_data(as_text=True)
    assert "Nearpod is not retired, so its requests stay open." in text
    assert _status(app, sofia) is OptOutStatus.PLANNED
    assert "have not ended" not in lee.get(f"/tools/{demo.tools['nearpod']}").get_data(as_text=True)
