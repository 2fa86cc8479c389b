"""Use under the General Use Guidelines: the office edits the checklist; a teacher who confirms
every item uses a tool pending review in their class (it reaches the class's students and shows
on the child's page as being reviewed); one item not holding saves nothing; the committee's
decision approves the use or ends it, and the teacher is emailed (a real SMTP server)."""

import html

from sqlalchemy import func, select

from consent.catalog.models import Tool, ToolUse, UseScope, VettingStatus
from consent.catalog.reach import reaches_student
from consent.core import clock
from consent.extensions import db
from consent.guidelines.models import GuidelineItem, GuidelineStatus
from consent.notifications.operations import deliver_due
from consent.vetting.models import VettingRequest
from tests.guidelines.helpers import (
    CHECKLIST,
    answer,
    guideline_uses,
    item_ids,
    wordwall,
    write_checklist,
)
from tests.vetting.committee import reviewed
from tests.vetting.helpers import KIM


def text(answer_) -> str:
    return html.unescape(answer_.get_data(as_text=True))


def test_the_office_edits_the_checklist_one_statement_a_line(app, as_):
    first = item_ids(app)  # the demo's checklist
    assert len(first) == 5
    assert write_checklist(as_).status_code == 302
    assert item_ids(app) == first  # saved unchanged: the same rows
    # Reworded: the unchanged statements keep their rows; the dropped one is retired, kept.
    changed = [*CHECKLIST[:4], "Nothing is shared with other companies"]
    write_checklist(as_, changed)
    second = item_ids(app)
    assert second[:4] == first[:4] and second[4] != first[4]
    with app.app_context():
        assert db.session.get(GuidelineItem, first[4]).retired is True
    page = text(as_("lee").get("/guidelines"))
    assert "Nothing is shared with other companies" in page


def test_an_empty_checklist_is_refused_and_nothing_saved(app, as_):
    answer_ = as_("lee").post("/guidelines", {"items": "  \n "}, token_from="/guidelines")
    assert answer_.status_code == 200
    assert "Write at least one item" in text(answer_)
    assert len(item_ids(app)) == 5  # the demo's, unchanged


def test_the_demo_class_uses_wordwall_pending_review(app, as_, demo):
    """Mr. Kim answered the checklist for Room 15: Wordwall is a class use like any other, listed
    for him, Oakwood's principal and the office, and shown on Noah's page as being reviewed."""
    (use,) = guideline_uses(app)
    assert use.status is GuidelineStatus.PENDING_REVIEW
    with app.app_context():
        tool = db.session.get(Tool, use.tool_id)
        assert tool.name == "Wordwall" and tool.vetting_status is VettingStatus.PENDING
        assert db.session.get(VettingRequest, wordwall(app)).tool_id == tool.id
        class_use = db.session.get(ToolUse, use.tool_use_id)
        room15 = demo.sections["room15"]
        assert (class_use.scope, class_use.section_id) == (UseScope.SECTION, room15)
        # It reaches the class's students, and no one else.
        today = clock.today()
        assert reaches_student(demo.students["noah"], tool.id, today)
        assert not reaches_student(demo.students["sofia"], tool.id, today)
    for persona in ("kim", "brooks", "lee"):
        page = text(as_(persona).get("/guideline-uses"))
        assert "Wordwall" in page and "Guideline use, pending review" in page, persona
    for persona in ("reed", "johnson"):
        assert "Wordwall" not in text(as_(persona).get("/guideline-uses")), persona
    page = text(as_("kim").get(f"/students/{demo.students['noah']}"))
    assert "Being reviewed." in page
    for statement in CHECKLIST:
        assert statement in page


def test_every_item_confirmed_starts_a_class_use_pending_review(app, as_, demo):
    room12 = demo.sections["room12"]
    answer_ = answer(as_, demo, request_id=wordwall(app), items=item_ids(app))
    assert answer_.status_code == 302
    (use,) = guideline_uses(app, room12)
    assert use.status is GuidelineStatus.PENDING_REVIEW
    assert [c.text for c in use.confirmations] == CHECKLIST
    with app.app_context():
        # The same pending catalog entry as Room 15's.
        assert db.session.scalar(select(func.count(Tool.id)).where(Tool.name == "Wordwall")) == 1
        assert reaches_student(demo.students["sofia"], use.tool_id, clock.today())
    # Twice for one class is refused.
    again = answer(as_, demo, request_id=wordwall(app), items=item_ids(app))
    assert "already used in this class" in text(again)
    assert len(guideline_uses(app, room12)) == 1


def test_one_item_not_holding_saves_nothing_and_the_tool_waits(app, as_, demo):
    answer_ = answer(as_, demo, request_id=wordwall(app), items=item_ids(app)[:-1])
    assert answer_.status_code == 200
    assert "must wait for the committee" in text(answer_)
    assert guideline_uses(app, demo.sections["room12"]) == []
    with app.app_context():
        sofia = demo.students["sofia"]
        tool_id = db.session.scalar(select(Tool.id).where(Tool.name == "Wordwall"))
        assert not reaches_student(sofia, tool_id, clock.today())


def test_the_class_page_offers_the_checklist_to_its_teacher_only(app, as_, demo):
    url = f"/sections/{demo.sections['room12']}/tools"
    assert "Use a tool that is waiting for review" in text(as_("johnson").get(url))
    assert "Use a tool that is waiting for review" not in text(as_("lee").get(url))


def test_a_decided_request_is_not_offered(app, as_, demo):
    with app.app_context():
        refused = db.session.scalar(
            select(VettingRequest.id).where(VettingRequest.name == "FaceQuiz")
        )
    answer_ = answer(as_, demo, request_id=refused, items=item_ids(app))
    assert answer_.status_code == 200
    assert "Choose one of the tools listed." in text(answer_)
    assert guideline_uses(app, demo.sections["room12"]) == []


def decide(app, demo, as_, request_id, **answers):
    """The committee reviews the request, then the office decides it."""
    reviewed(app, demo, request_id)
    return as_("lee").post(f"/vetting/{request_id}/decide", answers)


def kim_emails(app, smtp, subject_part):
    with app.app_context():
        assert deliver_due().failed == 0
    return [m for m in smtp.to(KIM) if subject_part in m["Subject"]]


def test_a_declined_tool_ends_the_use_and_the_teacher_is_told(app, as_, demo, smtp):
    answer_ = decide(
        app,
        demo,
        as_,
        wordwall(app),
        decision="not_approved",
        note="It shows advertising to children.",
    )
    assert answer_.status_code == 302
    (use,) = guideline_uses(app)
    assert use.status is GuidelineStatus.DECLINED and use.ended_at is not None
    with app.app_context():
        tool = db.session.get(Tool, use.tool_id)
        assert tool.vetting_status is VettingStatus.NOT_APPROVED
        assert not reaches_student(demo.students["noah"], tool.id, clock.today())
    assert "Wordwall" not in text(as_("kim").get(f"/students/{demo.students['noah']}"))
    # Mr. Kim asked for Wordwall too: one message says the decision, one that his class stops.
    (email,) = kim_emails(app, smtp, "stop using it in your class")
    assert "Wordwall was not approved" in email["Subject"]
    assert "Not approved: the use ended" in text(as_("kim").get("/guideline-uses?settled=1"))
    assert "No tool is in use under the guidelines." in text(as_("kim").get("/guideline-uses"))
    # Nothing left for the office to chase: the use ended with the decision.
    assert "Wordwall" not in text(as_("lee").get("/tool-uses/needs-action"))


def test_an_approved_tool_keeps_the_class_use(app, as_, demo, smtp):
    answer_ = decide(
        app, demo, as_, wordwall(app), decision="approved", legal_basis="school_official"
    )
    assert answer_.status_code == 302
    (use,) = guideline_uses(app)
    assert use.status is GuidelineStatus.APPROVED
    with app.app_context():
        tool = db.session.get(Tool, use.tool_id)
        assert tool.vetting_status is VettingStatus.APPROVED
        assert tool.next_review_on is not None
        assert reaches_student(demo.students["noah"], tool.id, clock.today())
    (email,) = kim_emails(app, smtp, "your class may go on using it")
    assert "Wordwall was approved" in email["Subject"]


def test_a_pending_use_is_not_on_the_needs_action_list(as_):
    assert "Wordwall" not in text(as_("lee").get("/tool-uses/needs-action"))


def test_a_school_wide_use_still_needs_a_signed_agreement(app, as_, demo):
    """Khan Academy is approved but its agreement is still being negotiated: a class may use
    it, a whole school may not."""
    today = clock.today()
    wide = select(func.count(ToolUse.id)).where(
        ToolUse.tool_id == demo.tools["khan"], ToolUse.scope != UseScope.SECTION
    )
    with app.app_context():
        before = db.session.scalar(wide)
    answer_ = as_("lee").post(
        "/tool-uses",
        {
            "tool": str(demo.tools["khan"]),
            "school": str(demo.schools["oakwood"]),
            "starts_on": str(today),
        },
    )
    assert answer_.status_code == 200
    assert "no signed data agreement in force" in text(answer_)
    with app.app_context():
        assert db.session.scalar(wide) == before
    # Zoom's agreement is signed and in force: the office may.
    answer_ = as_("lee").post(
        "/tool-uses",
        {
            "tool": str(demo.tools["zoom"]),
            "school": str(demo.schools["oakwood"]),
            "starts_on": str(today),
        },
    )
    assert answer_.status_code == 302


def test_the_teacher_may_stop_the_use_and_start_it_again(app, as_, demo):
    (use,) = guideline_uses(app)
    kim = as_("kim")
    url = f"/tool-uses/{use.tool_use_id}/end"
    answer_ = kim.post(url, {"stop_from": str(clock.today())}, token_from=url)
    assert answer_.status_code == 302
    with app.app_context():
        tool_id = use.tool_id
        assert not reaches_student(demo.students["noah"], tool_id, clock.today())
    assert "Pending review, ended by the teacher" in text(kim.get("/guideline-uses"))
    again = answer(
        as_, demo, request_id=wordwall(app), items=item_ids(app), section="room15", persona="kim"
    )
    assert again.status_code == 302
    with app.app_context():
        assert reaches_student(demo.students["noah"], tool_id, clock.today())
