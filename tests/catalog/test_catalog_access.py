"""Only the privacy office adds and edits tools; anyone else meets a 404 (and the refusal is
audited), and nobody signed out gets further than the sign-in page."""

import pytest
from sqlalchemy import func, select

from consent.audit.models import AuditEvent
from consent.catalog.models import Tool, ToolRevision
from consent.extensions import db
from tests.catalog.helpers import tool_form

NOT_OFFICE = ["maria", "grace", "johnson", "brooks", "reed"]


def edit_urls(demo):
    zoom = demo.tools["zoom"]
    return [
        ("GET", "/tools/new"),
        ("POST", "/tools/new"),
        ("GET", f"/tools/{zoom}/edit"),
        ("POST", f"/tools/{zoom}/edit"),
        ("GET", f"/tools/{zoom}/history"),
        ("GET", "/tools/987654/edit"),
    ]


def state(app):
    with app.app_context():
        result = (
            db.session.scalar(select(func.count()).select_from(Tool)),
            db.session.scalar(select(func.count()).select_from(ToolRevision)),
            db.session.scalar(select(Tool.vendor).where(Tool.name == "Zoom")),
        )
        db.session.remove()
    return result


def denied(app) -> list[str]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent.target)
            .where(AuditEvent.action == "access.denied")
            .order_by(AuditEvent.id)
        ).all()
        db.session.remove()
    return rows


@pytest.mark.parametrize("persona", NOT_OFFICE)
def test_other_roles_get_404_and_the_refusal_is_audited(app, as_, demo, persona):
    person = as_(persona)
    token_page = "/rights"
    before = state(app)
    for method, url in edit_urls(demo):
        if method == "GET":
            answer = person.get(url)
        else:
            answer = person.post(
                url, tool_form(name="Sneaky", vendor="Zoom?"), token_from=token_page
            )
        assert answer.status_code == 404, f"{persona} {method} {url}"
    assert state(app) == before
    targets = denied(app)
    assert len(targets) == len(edit_urls(demo))
    assert f"tool:{demo.tools['zoom']}:edit" in targets


def test_anonymous_visitors_are_sent_to_sign_in(app, browser, demo):
    before = state(app)
    for method, url in [
        *edit_urls(demo),
        ("GET", "/tools"),
        ("GET", f"/tools/{demo.tools['zoom']}"),
    ]:
        if method == "GET":
            answer = browser.get(url)
        else:
            answer = browser.post(url, tool_form(), token_from="/signin")
        assert answer.status_code == 302, f"{method} {url}"
        assert "/signin" in answer.headers["Location"]
    assert state(app) == before


def test_the_office_may_and_a_missing_tool_is_404(as_, demo):
    lee = as_("lee")
    assert lee.get("/tools/new").status_code == 200
    assert lee.get(f"/tools/{demo.tools['zoom']}/edit").status_code == 200
    assert lee.get(f"/tools/{demo.tools['zoom']}/history").status_code == 200
    assert lee.get("/tools/987654/edit").status_code == 404
    assert lee.get("/tools/987654/history").status_code == 404


def test_staff_read_the_catalog_list_but_only_the_office_sees_edit_links(as_, demo):
    teacher = as_("johnson").get("/tools").get_data(as_text=True)
    assert "Google Classroom" in teacher and "Edit Zoom" not in teacher
    assert "Add a tool" not in teacher
    office = as_("lee").get("/tools").get_data(as_text=True)
    assert "Edit Zoom" in office and "Add a tool" in office
    assert as_("maria").get("/tools").status_code == 404  # a guardian's list is per child


def test_the_list_filters_and_paginates(app, as_):
    lee = as_("lee")
    page = lee.get("/tools?agreement=negotiating").get_data(as_text=True)
    assert "Khan Academy" in page and "Google Classroom" not in page
    page = lee.get("/tools?category=Other").get_data(as_text=True)
    assert "Zoom" in page and "Seesaw" not in page
    page = lee.get("/tools?q=goog").get_data(as_text=True)
    assert "Google Classroom" in page and "1 tool " in page
    page = lee.get("/tools?agreement=expiring").get_data(as_text=True)
    assert "Zoom" in page and "Google Classroom" not in page
    page = lee.get("/tools?q=nothing-like-this").get_data(as_text=True)
    assert "No tools match." in page
    app.config["PAGE_SIZE"] = 4
    first = lee.get("/tools").get_data(as_text=True)
    assert "Page 1 of 2" in first and "Next page" in first
    second = lee.get("/tools?page=2").get_data(as_text=True)
    assert "Zoom" in second and "Google Classroom" not in second
