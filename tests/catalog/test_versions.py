"""Every saved edit is a revision: who changed which field, from what to what, and when."""

from sqlalchemy import select

from consent.catalog.models import Tool, ToolRevision
from consent.extensions import db
from tests.catalog.helpers import form_of


def revisions(app, tool_id):
    with app.app_context():
        rows = [
            (
                r.number,
                r.actor.display_name if r.actor else None,
                {c.field: (c.before, c.after) for c in r.changes},
            )
            for r in db.session.scalars(
                select(ToolRevision)
                .where(ToolRevision.tool_id == tool_id)
                .order_by(ToolRevision.number)
            )
        ]
        db.session.remove()
    return rows


def zoom_form(app, demo, **changes):
    with app.app_context():
        payload = form_of(db.session.get(Tool, demo.tools["zoom"]), **changes)
        db.session.remove()
    return payload


def test_an_edit_records_each_field_before_and_after(app, as_, demo):
    lee = as_("lee")
    zoom = demo.tools["zoom"]
    categories = {
        "Student Name": "display name in the meeting",
        "Other": "video and audio of live lessons, kept 30 days",  # note changed
        "Application Technology Meta Data": "IP address, device and browser type",
        # Communications removed
    }
    payload = zoom_form(
        app,
        demo,
        vendor="Zoom Video Communications",
        categories=categories,
        features={"video": "Camera", "recording": "Recording", "chat": "Chat"},
        options=["Camera off", "Join by audio only", "Alternative activity", "Phone in"],
    )
    answer = lee.post(f"/tools/{zoom}/edit", payload)
    assert answer.status_code == 302
    [(number, who, changes)] = revisions(app, zoom)
    assert number == 1 and who == "Karen Lee"
    assert changes["vendor"] == ("Zoom Communications, Inc.", "Zoom Video Communications")
    assert changes["category:Other"] == (
        "video and audio of live lessons",
        "video and audio of live lessons, kept 30 days",
    )
    assert changes["category:Communications"] == ("chat messages in the meeting", None)
    assert changes["feature:video"] == ("Camera (video)", "Camera")
    assert changes["option:No recording while my child is present"][1] is None
    assert changes["option:Phone in"] == (None, "Phone in")
    assert "last_reviewed_on" in changes  # saving is the office's review
    assert "name" not in changes and "category:Student Name" not in changes

    history = lee.get(f"/tools/{zoom}/history").get_data(as_text=True)
    assert "Change 1" in history and "Karen Lee" in history
    assert "Zoom Video Communications" in history
    assert "Collects: Communications" in history
    assert "Opt-out option: Phone in" in history


def test_revisions_number_on_and_the_family_page_shows_last_reviewed(app, as_, demo):
    lee = as_("lee")
    zoom = demo.tools["zoom"]
    lee.post(f"/tools/{zoom}/edit", zoom_form(app, demo, grade_band="3-12"))
    lee.post(f"/tools/{zoom}/edit", zoom_form(app, demo, legal_basis="coppa_school_consent"))
    rows = revisions(app, zoom)
    assert [r[0] for r in rows] == [1, 2]
    assert rows[1][2]["legal_basis"] == ("school_official", "coppa_school_consent")
    with app.app_context():
        reviewed = db.session.get(Tool, zoom).last_reviewed_on
        db.session.remove()
    page = as_("maria").get(f"/tools/{zoom}").get_data(as_text=True)
    assert "last reviewed" in page
    history = lee.get(f"/tools/{zoom}/history").get_data(as_text=True)
    assert history.index("Change 2") < history.index("Change 1")  # newest first
    assert "Why the district may share data" in history
    assert reviewed is not None


def test_saving_without_a_change_only_marks_the_review(app, as_, demo):
    lee = as_("lee")
    zoom = demo.tools["zoom"]
    lee.post(f"/tools/{zoom}/edit", zoom_form(app, demo))
    lee.post(f"/tools/{zoom}/edit", zoom_form(app, demo))
    rows = revisions(app, zoom)
    # The first save moved "last reviewed" to today; the second changed nothing at all.
    assert len(rows) == 1 and set(rows[0][2]) == {"last_reviewed_on"}


def test_a_new_tool_starts_its_history_with_every_field(app, as_):
    from tests.catalog.helpers import tool_form

    lee = as_("lee")
    lee.post("/tools/new", tool_form())
    with app.app_context():
        tool_id = db.session.scalar(select(Tool.id).where(Tool.name == "Padlet"))
        db.session.remove()
    [(number, who, changes)] = revisions(app, tool_id)
    assert number == 1 and who == "Karen Lee"
    assert changes["name"] == (None, "Padlet")
    assert changes["category:Student Work"] == (None, "posts and pictures")
    history = lee.get(f"/tools/{tool_id}/history").get_data(as_text=True)
    assert "Added to the catalog by Karen Lee" in history
    assert "from vetting request" not in history
