"""Access probes for every new URL (the guidelines, a class's checklist, the guideline uses, the
re-reviews due): every persona and an anonymous visitor, own and other school, a missing id.
The expected answers are written out here from the demo's relationships, not from
consent.access. A forbidden page answers like a missing one (404), changes nothing, and leaves
an `access.denied` audit row; a teacher sees only their own guideline uses."""

import html

import pytest
from sqlalchemy import func, select

from consent.audit.models import AuditEvent
from consent.catalog.models import Tool
from consent.extensions import db
from consent.guidelines.models import GuidelineItem, GuidelineUse
from tests.guidelines.helpers import answer, item_ids, wordwall
from tests.support import csrf_from

MISSING = 987_654
PERSONAS = ["maria", "grace", "johnson", "kim", "patel", "brooks", "reed", "lee"]
STAFF = {"johnson", "kim", "patel", "brooks", "reed", "lee"}


def expected(persona: str, key: str) -> int:
    """200 where the person may use the page, else 404 (never a hint that it exists)."""
    allowed = {
        "guidelines": persona == "lee",
        "room15": persona == "kim",  # Mr. Kim's own class
        "room12": persona == "johnson",  # Ms. Johnson's own class
        "math7": persona == "patel",  # Riverside
        "missing_section": False,
        "uses": persona in {"johnson", "kim", "patel", "brooks", "reed", "lee"},
        "rereviews": persona == "lee",
    }[key]
    return 200 if allowed else 404


def urls(demo) -> dict[str, str]:
    sec = demo.sections
    return {
        "guidelines": "/guidelines",
        "room15": f"/sections/{sec['room15']}/guideline-use",
        "room12": f"/sections/{sec['room12']}/guideline-use",
        "math7": f"/sections/{sec['math7']}/guideline-use",
        "missing_section": f"/sections/{MISSING}/guideline-use",
        "uses": "/guideline-uses",
        "rereviews": "/vetting/rereviews",
    }


DEMO_ROWS = (5, 1)  # the demo's checklist items, and Mr. Kim's use in Room 15
POSTS = ("guidelines", "room15", "room12", "math7", "missing_section")


def rows(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count(GuidelineItem.id))),
            db.session.scalar(select(func.count(GuidelineUse.id))),
        )


def denied(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "access.denied")
        )


def test_anonymous_visitors_are_sent_to_sign_in(app, browser, demo):
    token = csrf_from(browser.get("/signin").get_data(as_text=True))
    for key, url in urls(demo).items():
        answers = [browser.client.get(url)]
        if key in POSTS:
            answers.append(browser.client.post(url, data={"csrf_token": token, "items": "x"}))
        for answer_ in answers:
            assert answer_.status_code == 302, url
            assert answer_.headers["Location"].split("?")[0].endswith("/signin"), url
    assert rows(app) == DEMO_ROWS


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_reaches_only_its_own_pages(app, as_, demo, persona):
    person = as_(persona)
    token = csrf_from(person.get("/account").get_data(as_text=True))
    for key, url in urls(demo).items():
        want = expected(persona, key)
        before = denied(app)
        got = person.get(url)
        assert got.status_code == want, f"{persona} GET {url}: {got.status_code}"
        if want == 404 and persona in STAFF:
            assert denied(app) == before + 1, f"{persona} GET {url}: no audit row"
        if key in POSTS and want == 404:
            posted = person.client.post(url, data={"csrf_token": token, "items": "Anything"})
            assert posted.status_code == 404, f"{persona} POST {url}"
    assert rows(app) == DEMO_ROWS


def test_a_teacher_sees_only_their_own_guideline_uses(app, as_, demo):
    """Mr. Kim's Room 15 use comes with the demo; Ms. Johnson starts one in Room 12."""
    assert answer(as_, demo, request_id=wordwall(app), items=item_ids(app)).status_code == 302

    def classes_listed(persona):
        page = html.unescape(as_(persona).get("/guideline-uses").get_data(as_text=True))
        return {title for title in ("Grade 5 - Room 15", "Grade 4 - Room 12") if title in page}

    assert classes_listed("kim") == {"Grade 5 - Room 15"}
    assert classes_listed("johnson") == {"Grade 4 - Room 12"}
    assert classes_listed("patel") == set()
    assert classes_listed("brooks") == {"Grade 5 - Room 15", "Grade 4 - Room 12"}  # Oakwood
    assert classes_listed("reed") == set()  # Riverside
    assert classes_listed("lee") == {"Grade 5 - Room 15", "Grade 4 - Room 12"}


def test_families_see_the_use_on_their_own_childs_page_only(app, as_, demo):
    answer(as_, demo, request_id=wordwall(app), items=item_ids(app))
    sofia = html.unescape(as_("maria").get(f"/students/{demo.students['sofia']}").get_data(True))
    assert "Wordwall" in sofia and "Being reviewed." in sofia
    assert "Students create no account" in sofia
    # Maria may opt Sofia out of it, as of any tool Sofia uses.
    with app.app_context():
        tool_id = db.session.scalar(select(Tool.id).where(Tool.name == "Wordwall"))
    form = as_("maria").get(f"/students/{demo.students['sofia']}/optouts/new?tool={tool_id}")
    assert form.status_code == 200 and "Wordwall" in form.get_data(as_text=True)
    # Mateo is at Riverside: no Wordwall for him; Maria cannot open Noah's page.
    mateo = html.unescape(as_("maria").get(f"/students/{demo.students['mateo']}").get_data(True))
    assert "Wordwall" not in mateo
    assert as_("maria").get(f"/students/{demo.students['noah']}").status_code == 404
