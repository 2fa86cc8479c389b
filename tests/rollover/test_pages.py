"""The privacy office's rollover page: the preview counts and changes nothing; the confirm
button (with its CSRF token) rolls the year over once; the rule for all tools and each tool's
own rule are set on the same page. The page answers from a fixed number of statements."""

from sqlalchemy import func, insert, select

from consent.audit.models import AuditEvent
from consent.core import clock
from consent.extensions import db
from consent.optouts.models import OptOut
from consent.rollover.models import ToolYearEndRule, YearEndAction
from consent.rollover.rules import next_school_year
from tests import factories
from tests.i18n.support import text_of
from tests.rollover.helpers import fingerprint, this_year, three_confirmed
from tests.support import count_queries

CONFIRM_BUTTON = 'value="Roll the school year over"'


def page_html(browser, url="/rollover") -> str:
    answer = browser.get(url)
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def page_text(browser, url="/rollover") -> str:
    return text_of(page_html(browser, url))


def test_the_preview_shows_the_counts_and_reading_it_changes_nothing(app, as_, demo):
    three_confirmed(app, demo)
    lee = as_("lee")
    before = fingerprint(app)
    html = page_html(lee)
    text = text_of(html)
    year, into = this_year(), next_school_year(this_year())
    assert f"The {year} school year into {into}" in text
    assert "Preview: nothing has changed yet." in text
    assert "Opt-outs carried into the new year 2" in text
    assert "Opt-outs ended with the year 1" in text
    assert "Consent forms copied as drafts 3" in text  # photo release, directory, Flip
    assert "Guardians told 3" in text
    assert "Seesaw 1 End them with the school year" in text
    assert "Zoom 2 Carry them into the new school year" in text
    assert CONFIRM_BUTTON in html
    assert fingerprint(app) == before


def test_the_confirm_button_needs_its_csrf_token(app, as_, demo):
    lee = as_("lee")
    before = fingerprint(app)
    answer = lee.client.post("/rollover", data={"year": this_year()})
    assert answer.status_code == 400
    assert fingerprint(app) == before


def test_confirming_rolls_the_year_over_once(app, as_, demo):
    lee = as_("lee")
    answer = lee.post("/rollover", {"year": this_year()})
    assert answer.status_code == 302
    html = page_html(lee, answer.headers["Location"])
    text = text_of(html)
    assert f"The {this_year()} school year is rolled over." in text
    assert "Opt-outs carried over: 1; ended: 0. Forms copied as drafts: 3." in text
    assert "This school year was rolled over on" in text
    assert CONFIRM_BUTTON not in html  # no button any more
    after = fingerprint(app)
    again = lee.client.post(
        "/rollover",
        data={"year": this_year(), "csrf_token": _token(lee)},
    )
    assert again.status_code == 302
    assert "has already been rolled over" in page_text(lee, again.headers["Location"])
    assert fingerprint(app) == after


def _token(browser) -> str:
    from tests.support import csrf_from

    return csrf_from(browser.get("/rollover").get_data(as_text=True))


def test_the_office_sets_the_rule_for_all_tools_and_for_one_tool(app, as_, demo):
    lee = as_("lee")
    assert "No rule is set for all tools yet" in page_text(lee)
    assert lee.post("/rollover/rule", {"action": "end"}).status_code == 302
    text = page_text(lee)
    assert "The rule for all tools: End them with the school year." in text
    assert "Zoom 1 End them with the school year" in text  # Sofia's, the demo's one
    assert "Opt-outs ended with the year 1" in text

    answer = lee.post("/rollover/tools", {"tool": demo.tools["zoom"], "action": "carry"})
    assert answer.status_code == 302
    text = page_text(lee)
    assert "The rule for Zoom is saved." in text
    assert "Zoom Carry them into the new school year" in text  # in the rules table
    assert "Zoom 1 Carry them into the new school year" in text  # in the preview
    answer = lee.post("/rollover/tools", {"tool": demo.tools["zoom"], "action": "district"})
    assert answer.status_code == 302
    assert "None: every tool follows the rule for all tools." in page_text(lee)
    with app.app_context():
        targets = db.session.scalars(
            select(AuditEvent.target)
            .where(AuditEvent.action == "rollover.rule")
            .order_by(AuditEvent.id)
        ).all()
        db.session.remove()
    zoom = demo.tools["zoom"]
    assert targets == [
        "year_end:all:end",
        f"year_end:tool:{zoom}:carry",
        f"year_end:tool:{zoom}:district",
    ]


def test_a_rule_without_a_choice_is_refused_on_the_form(app, as_, demo):
    lee = as_("lee")
    before = fingerprint(app)
    answer = lee.post("/rollover/rule", {})
    assert answer.status_code == 400
    assert "Choose what happens to confirmed opt-outs." in text_of(answer.get_data(as_text=True))
    answer = lee.post("/rollover/tools", {"tool": 987_654, "action": "end"})
    assert answer.status_code == 400
    assert fingerprint(app) == before


def test_the_page_is_within_a_fixed_statement_budget(app, as_, demo):
    """Flat from one tool with confirmed opt-outs and no rules to many of each."""
    lee = as_("lee")

    def statements() -> int:
        lee.get("/rollover")  # warm: the session's first read
        with count_queries(app) as seen:
            assert lee.get("/rollover").status_code == 200
        return len(seen)

    small = statements()
    with app.app_context():
        today = clock.today()
        tools = [factories.tool() for _ in range(30)]
        template = {
            "student_id": demo.students["liam"],
            "feature": "",
            "accommodation": "Alternative activity",
            "reason": "",
            "status": "confirmed",
            "filed_by_guardian_id": demo.guardians["robert"],
            "filed_at": clock.now(),
            "plan_due_on": today,
            "confirm_due_on": today,
            "resolved_at": clock.now(),
            "version": 1,
        }
        db.session.execute(insert(OptOut), [{**template, "tool_id": t.id} for t in tools])
        db.session.add_all(
            ToolYearEndRule(tool_id=t.id, action=YearEndAction.END) for t in tools[::2]
        )
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(ToolYearEndRule)) == 15
        db.session.remove()
    assert statements() == small


def test_the_demo_district_s_office_sees_a_preview(as_, demo):
    text = page_text(as_("lee"))
    assert "Opt-outs carried into the new year 1" in text  # Sofia's camera-off, by default
    assert "Opt-outs ended with the year 0" in text
    assert "Consent forms copied as drafts 3" in text  # photo release, directory, Flip
    assert "Guardians told 2" in text  # Sofia's mother and father
    assert "No rule is set for all tools yet" in text
