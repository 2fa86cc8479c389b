"""Every page answers from a bounded number of SQL statements, whatever the data size.

Only the GET of the page itself is counted (signing in is not), and the count includes
everything the request does: loading the signed-in account, the page's queries, and the audit
rows a staff read writes.
"""

import re

import pytest
from sqlalchemy import func, select

from consent.accounts.models import Account
from consent.catalog.models import Tool
from consent.demo.operations import DEMO_PASSWORD
from consent.extensions import db
from consent.optouts import operations
from consent.optouts.models import OptOut, Task
from consent.roster.models import Section, StaffRole, Student
from tests import factories, support

BUDGET = 12


@pytest.fixture
def suite():
    """The shared helpers (PERSONAS, count_queries)."""
    return support


def signed_in(app, email: str):
    """A test client signed in through the real form."""
    client = app.test_client()
    answer = support.sign_in_client(client, email, DEMO_PASSWORD)
    assert answer.status_code == 302, f"{email} could not sign in"
    return client


def statements_for(suite, app, client, url: str) -> tuple[list[str], str]:
    """The statements one GET of the page issues, and the page."""
    with suite.count_queries(app) as statements:
        answer = client.get(url)
    assert answer.status_code == 200, f"{url} answered {answer.status_code}"
    return list(statements), answer.get_data(as_text=True)


def pages(demo) -> list[tuple[str, str]]:
    s, o, t, sec = demo.students, demo.optouts, demo.tools, demo.sections
    return [
        ("maria", "/children"),
        ("maria", f"/students/{s['sofia']}"),
        ("maria", f"/students/{s['mateo']}"),
        ("maria", f"/tools/{t['zoom']}"),
        ("maria", "/rights"),
        ("maria", f"/requests/{o['confirmed']}"),
        ("maria", f"/requests/{o['submitted']}"),
        ("maria", "/inbox"),
        ("maria", f"/students/{s['sofia']}/optouts/new"),
        ("maria", f"/students/{s['sofia']}/optouts/new?tool={t['zoom']}"),
        ("maria", f"/students/{s['mateo']}/optouts/new?tool={t['khan']}"),
        ("grace", "/children"),
        ("grace", f"/students/{s['ava']}"),
        ("johnson", f"/students/{s['ava']}"),
        ("johnson", f"/tools/{t['seesaw']}"),
        ("johnson", "/rights"),
        ("johnson", f"/requests/{o['planned']}"),
        ("johnson", "/tasks"),
        ("johnson", "/sections"),
        ("johnson", f"/sections/{sec['room12']}"),
        ("johnson", "/inbox"),
        ("patel", "/tasks"),
        ("patel", f"/sections/{sec['math7']}"),
        ("brooks", f"/students/{s['ava']}"),
        ("brooks", f"/requests/{o['planned']}"),
        ("brooks", "/requests"),
        ("brooks", "/sections"),
        ("brooks", f"/sections/{sec['science4']}"),
        ("brooks", "/inbox"),
        ("reed", "/requests"),
        ("lee", "/requests"),
        ("lee", f"/requests/{o['returned']}"),
        ("lee", f"/students/{s['olivia']}"),
        ("lee", "/sections"),
        ("lee", f"/sections/{sec['english7']}"),
        ("lee", "/inbox"),
    ]


def test_every_page_stays_within_the_statement_budget(app, demo, suite):
    clients: dict[str, object] = {}
    over = []
    for persona, url in pages(demo):
        if persona not in clients:
            clients[persona] = signed_in(app, suite.PERSONAS[persona])
        statements, _page = statements_for(suite, app, clients[persona], url)
        if len(statements) > BUDGET:
            over.append(
                f"{persona} {url}: {len(statements)} statements\n  "
                + "\n  ".join(s.split("\n")[0][:160] for s in statements)
            )
    assert not over, f"pages over {BUDGET} statements:\n" + "\n".join(over)


# --- the same count with 1 row and with 50 -------------------------------------------------


class School50:
    """A school of its own, so its lists can hold exactly 1 row, then exactly 50: a principal,
    a teacher with one class, and a guardian of every student there; each student has one
    request for the district-wide tool, routed to the teacher (a task) with its messages."""

    def __init__(self, app):
        self.app = app
        with app.app_context():
            school = factories.school(name="Budget Elementary School")
            principal = factories.staff(role=StaffRole.PRINCIPAL, school=school)
            teacher = factories.staff()
            section = factories.section(school=school, teachers=[teacher])
            guardian = factories.guardian()
            for person in (principal, teacher, guardian):
                factories.account(person)
            db.session.commit()
            self.school_id, self.section_id = school.id, section.id
            self.guardian_id = guardian.id
            self.emails = {
                "principal": principal.email,
                "teacher": teacher.email,
                "guardian": guardian.email,
            }
            self.tool_id = db.session.scalar(select(Tool.id).where(Tool.name == "Google Classroom"))
            db.session.remove()
        self.size = 0

    def grow_to(self, size: int) -> None:
        with self.app.app_context():
            parent = db.session.scalar(
                select(Account).where(Account.guardian_id == self.guardian_id)
            )
            tool = db.session.get(Tool, self.tool_id)
            section = db.session.get(Section, self.section_id)
            for number in range(self.size + 1, size + 1):
                student = factories.student(
                    sections=[section],
                    guardians=[parent.guardian],
                    given_name=f"Pupil{number}",
                    family_name="Budget",
                )
                operations.file_optout(
                    actor=parent,
                    student=student,
                    tool=tool,
                    feature="",
                    accommodation=tool.optout_options[0].label,
                )
            db.session.commit()
            self.size = size
            tasks = db.session.scalar(
                select(func.count())
                .select_from(Task)
                .join(OptOut, OptOut.id == Task.optout_id)
                .join(Student, Student.id == OptOut.student_id)
                .where(Student.school_id == self.school_id)
            )
            db.session.remove()
        assert tasks == size, "each student's request should be routed to the one teacher"


def list_pages(school: School50) -> list[tuple[str, str]]:
    return [
        ("principal", "/requests"),
        ("lee", "/requests"),
        ("teacher", "/tasks"),
        ("teacher", f"/sections/{school.section_id}"),
        ("principal", f"/sections/{school.section_id}"),
        ("teacher", "/inbox"),
        ("principal", "/inbox"),
        ("guardian", "/inbox"),
        ("guardian", "/children"),
    ]


def measure(suite, app, school: School50, clients) -> dict[tuple[str, str], tuple[int, str]]:
    result = {}
    for who, url in list_pages(school):
        statements, page = statements_for(suite, app, clients[who], url)
        result[(who, url)] = (len(statements), page)
    return result


@pytest.fixture
def school(app):
    app.config["PAGE_SIZE"] = 100  # every one of the 50 rows is on the page
    return School50(app)


def test_list_pages_issue_the_same_statements_for_1_row_and_for_50(app, school, suite):
    school.grow_to(1)
    clients = {who: signed_in(app, email) for who, email in school.emails.items()}
    clients["lee"] = signed_in(app, suite.PERSONAS["lee"])
    small = measure(suite, app, school, clients)
    school.grow_to(50)
    large = measure(suite, app, school, clients)

    problems = []
    for key, (count, page) in small.items():
        large_count, large_page = large[key]
        print(f"{key[0]:9} {key[1]:14} {count} statements with 1 row, {large_count} with 50")
        # The pages really show the rows: one pupil, then all fifty.
        shown_small = len(set(re.findall(r"Pupil\d+ Budget", page)))
        shown_large = len(set(re.findall(r"Pupil\d+ Budget", large_page)))
        if shown_small != 1 or shown_large != 50:
            problems.append(f"{key}: shows {shown_small} then {shown_large} pupils, not 1 and 50")
        if count != large_count:
            problems.append(f"{key}: {count} statements with 1 row, {large_count} with 50")
        if large_count > BUDGET:
            problems.append(f"{key}: {large_count} statements, over the budget of {BUDGET}")
    assert not problems, "\n".join(problems)


def test_the_request_list_picks_its_page_before_reading_students_and_tools(app, school, suite):
    """At district scale (50,000 requests for the privacy office) joining every visible request
    to its student, school and tool before keeping one page took most of the page's time: the
    page is chosen from the requests alone, then only its rows' students and tools are read."""
    app.config["PAGE_SIZE"] = 10
    school.grow_to(30)
    for who in ("principal", "lee"):
        email = school.emails.get(who) or suite.PERSONAS[who]
        statements, page = statements_for(suite, app, signed_in(app, email), "/requests")
        chosen = [s for s in statements if re.search(r"FROM optout\b", s) and "LIMIT" in s]
        assert len(chosen) == 1, f"{who}: one statement picks the page, not {len(chosen)}"
        joined = re.findall(r"JOIN (\w+)", chosen[0])
        assert joined == [], f"{who}: the page of requests is picked after joining {joined}"
        assert len(re.findall(r'href="/requests/\d+"', page)) == 10, "a page of 10 requests"
