"""'Who has my child's data': companies, kinds of data, basis and dates from the tool uses over
time, and the staff who read the record (names only by setting). Only guardians with rights."""

import html as html_lib
import re
from datetime import date, timedelta

import pytest
from flask_babel import format_date
from sqlalchemy import func, insert, select

from consent.accounts.models import Account
from consent.audit.models import AuditEvent
from consent.core import clock
from consent.demo.operations import TOOLS
from consent.extensions import db
from consent.roster.models import Enrollment, Section, Student
from tests import factories
from tests.support import PERSONAS, count_queries

BUDGET = 12


def today(app) -> date:
    with app.app_context():
        return clock.today()


SPEC = {t["key"]: t for t in TOOLS}


def _text(fragment: str) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _table(page: str, heading_id: str) -> list[str]:
    """The text of each body row of the table labelled by `heading_id`."""
    match = re.search(rf'aria-labelledby="{heading_id}">(.*?)</table>', page, re.S)
    if not match:
        return []
    body = match.group(1).split("<tbody>", 1)[1]
    return [_text(row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def companies(page: str) -> dict[str, str]:
    """Tool name → its row's text."""
    rows = _table(page, "companies-heading")
    return {
        spec["name"]: row
        for row in rows
        for spec in TOOLS
        if f" {spec['name']} " in f" {row} " and row.startswith(spec["vendor"])
    }


def viewers(page: str) -> list[str]:
    return _table(page, "viewers-heading")


def denied(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "access.denied")
        )


def day_text(app, day: date) -> str:
    with app.test_request_context():
        return format_date(day, "medium")


def year_start(app, demo) -> date:
    with app.app_context():
        return db.session.scalar(
            select(func.min(Enrollment.begin_date)).where(
                Enrollment.student_id == demo.students["sofia"]
            )
        )


def test_a_child_sees_each_company_with_its_data_basis_and_start(app, demo, as_):
    page = as_("maria").get(f"/students/{demo.students['sofia']}/data-sharing")
    assert page.status_code == 200
    rows = companies(page.get_data(as_text=True))
    # Sofia: Classroom (district), Seesaw (Oakwood), Zoom (Room 12), Nearpod (Grade 4 Science).
    assert set(rows) == {"Google Classroom", "Seesaw", "Zoom", "Nearpod"}
    zoom = rows["Zoom"]
    assert zoom.startswith(SPEC["zoom"]["vendor"])
    assert "Grade 4 - Room 12" in zoom
    for category, note in SPEC["zoom"]["categories"]:
        assert category in zoom and note in zoom
    assert "School official (FERPA 99.31(a)(1))" in zoom
    assert day_text(app, year_start(app, demo)) in zoom and "(still in use)" in zoom
    assert "School consents for children under 13 (COPPA)" in rows["Seesaw"]
    # Flip is used only in English 7 and Khan Academy only at Riverside: not Sofia's.
    assert "Flip" not in rows and "Khan Academy" not in rows


def test_a_past_class_still_counts_with_its_end_date(app, demo, as_):
    start = year_start(app, demo)
    ended = start + timedelta(days=20)
    with app.app_context():
        sofia = db.session.get(Student, demo.students["sofia"])
        english7 = db.session.get(Section, demo.sections["english7"])
        factories.enroll(sofia, english7, begin=start + timedelta(days=5), end=ended)
        db.session.commit()
    rows = companies(
        as_("maria").get(f"/students/{demo.students['sofia']}/data-sharing").get_data(as_text=True)
    )
    flip = rows["Flip"]
    assert day_text(app, start + timedelta(days=5)) in flip
    assert day_text(app, ended) in flip and "(still in use)" not in flip
    # A class at Riverside means she attended Riverside then: its school-wide tool reached her.
    khan = rows["Khan Academy"]
    assert day_text(app, start + timedelta(days=5)) in khan and day_text(app, ended) in khan


def test_a_class_joined_after_the_tool_started_counts_from_the_join(app, demo, as_):
    joined = today(app) - timedelta(days=3)
    with app.app_context():
        ava = db.session.get(Student, demo.students["ava"])
        english7 = db.session.get(Section, demo.sections["english7"])
        factories.enroll(ava, english7, begin=joined)
        db.session.commit()
    rows = companies(
        as_("james").get(f"/students/{demo.students['ava']}/data-sharing").get_data(as_text=True)
    )
    assert day_text(app, joined) in rows["Flip"] and "(still in use)" in rows["Flip"]


def _staff_reads(app, demo, persona: str, student: str, count: int = 1, action="student.view"):
    with app.app_context():
        account = db.session.scalar(select(Account).where(Account.email == PERSONAS[persona]))
        db.session.execute(
            insert(AuditEvent),
            [
                {
                    "at": clock.now() - timedelta(minutes=n),
                    "actor_account_id": account.id,
                    "actor_role": account.role.value,
                    "action": action,
                    "student_id": demo.students[student],
                    "target": "",
                    "request_id": "",
                    "path": "",
                }
                for n in range(count)
            ],
        )
        db.session.commit()


def test_staff_who_viewed_the_record_are_listed_by_role_without_names(app, demo, as_):
    before = viewers(
        as_("maria").get(f"/students/{demo.students['sofia']}/data-sharing").get_data(as_text=True)
    )
    as_("johnson").get(f"/students/{demo.students['sofia']}")  # a real, audited staff read
    as_("johnson").get(f"/students/{demo.students['ava']}")  # another child: not listed
    _staff_reads(app, demo, "brooks", "sofia", action="optout.confirm")  # a change, not a read
    page = as_("maria").get(f"/students/{demo.students['sofia']}/data-sharing")
    html = page.get_data(as_text=True)
    rows = viewers(html)
    assert len(rows) == len(before) + 1
    newest = rows[0]
    assert "Teacher" in newest and "Your child's page" in newest
    assert day_text(app, today(app)) in newest
    assert "Emily" not in html and "Johnson" not in html
    assert "The district shows each person's role, not their name." in html


def test_names_are_shown_when_the_district_turns_the_setting_on(app, demo, as_):
    assert app.config["SHOW_STAFF_NAMES_TO_GUARDIANS"] is False  # the default
    as_("johnson").get(f"/students/{demo.students['sofia']}")
    app.config["SHOW_STAFF_NAMES_TO_GUARDIANS"] = True
    html = (
        as_("maria").get(f"/students/{demo.students['sofia']}/data-sharing").get_data(as_text=True)
    )
    newest = viewers(html)[0]
    assert "Emily Johnson" in newest and "Teacher" in newest


def test_the_viewers_list_is_paginated(app, demo, as_):
    _staff_reads(app, demo, "lee", "mateo", count=30)
    maria = as_("maria")
    url = f"/students/{demo.students['mateo']}/data-sharing"
    first = maria.get(url).get_data(as_text=True)
    total = len(viewers(first)) + len(viewers(maria.get(f"{url}?page=2").get_data(as_text=True)))
    assert len(viewers(first)) == 25
    assert total >= 30
    assert "Page 1 of 2" in first and "Next page" in first
    assert "District privacy office" in viewers(first)[0]


def test_the_child_page_links_here_only_for_guardians_with_rights(demo, as_):
    sofia, ava = demo.students["sofia"], demo.students["ava"]
    link = "/data-sharing"
    assert link in as_("maria").get(f"/students/{sofia}").get_data(as_text=True)
    assert link in as_("james").get(f"/students/{ava}").get_data(as_text=True)
    assert link not in as_("grace").get(f"/students/{ava}").get_data(as_text=True)
    assert link not in as_("johnson").get(f"/students/{ava}").get_data(as_text=True)


ALLOWED = {("maria", "sofia"), ("maria", "mateo"), ("luis", "sofia"), ("james", "ava")}


@pytest.mark.parametrize(
    "persona", ["maria", "james", "grace", "patricia", "johnson", "brooks", "lee"]
)
@pytest.mark.parametrize("student", ["sofia", "ava", "olivia", None])
def test_access_probes(app, demo, as_, persona, student):
    student_id = demo.students[student] if student else 987_654
    before = denied(app)
    answer = as_(persona).get(f"/students/{student_id}/data-sharing")
    if (persona, student) in ALLOWED or (persona == "patricia" and student == "olivia"):
        assert answer.status_code == 200
        assert denied(app) == before
    else:
        assert answer.status_code == 404
        assert "Companies that received data" not in answer.get_data(as_text=True)
        assert denied(app) == before + 1


def test_anonymous_visitors_are_sent_to_sign_in(browser, demo):
    answer = browser.get(f"/students/{demo.students['sofia']}/data-sharing")
    assert answer.status_code == 302 and "/signin" in answer.headers["Location"]


def test_the_page_stays_within_the_statement_budget_for_1_and_50_viewers(app, demo, as_):
    maria = as_("maria")
    url = f"/students/{demo.students['sofia']}/data-sharing"
    counts = {}
    for total, add in ((1, 1), (50, 49)):
        _staff_reads(app, demo, "brooks", "sofia", count=add)
        with count_queries(app) as statements:
            page = maria.get(url)
        assert page.status_code == 200
        counts[total] = len(statements)
    assert counts[50] <= BUDGET, counts
    assert counts[1] == counts[50], counts
