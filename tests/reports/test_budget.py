"""Report pages answer from a bounded number of statements: at most 12, and the same count
whether each table holds 1 row or 50 (everything the request does is counted: loading the
signed-in account, the scope, the figures, and the audit rows of a list that names students)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from consent.core import clock
from consent.extensions import db
from consent.optouts.models import OptOutStatus
from consent.roster.models import Guardian, School
from tests import factories
from tests.support import count_queries

BUDGET = 12


class Growing:
    """N schools, each with one student, one tool in use school-wide there (its agreement ends
    within 90 days), an overdue request and a confirmed one: every report table gets N rows."""

    def __init__(self, app):
        self.app = app
        self.size = 0

    def grow_to(self, size: int) -> None:
        with self.app.app_context():
            today = clock.today()
            guardian = db.session.scalar(select(Guardian).limit(1))
            on = factories.district_moment
            for n in range(self.size + 1, size + 1):
                school = factories.school(name=f"Growth School {n:02d}")
                student = factories.student(
                    school=school, given_name=f"Grower{n}", family_name="Budget", grade="5"
                )
                tool = factories.tool(
                    name=f"Growtool{n:02d}", agreement_expires_on=today + timedelta(days=30)
                )
                factories.tool_use(tool, school=school, starts_on=factories.YEAR_START)
                for status, filed_days_ago, resolved in (
                    (OptOutStatus.SUBMITTED, 20, None),
                    (OptOutStatus.CONFIRMED, 30, on(today - timedelta(days=20))),
                ):
                    factories.optout(
                        student,
                        tool,
                        status=status,
                        feature="" if resolved is None else "video",
                        guardian=guardian,
                        filed_at=on(today - timedelta(days=filed_days_ago)),
                        plan_due_on=today - timedelta(days=15),
                        confirm_due_on=today - timedelta(days=13),
                        resolved_at=resolved,
                    )
            db.session.commit()
            db.session.remove()
        self.size = size


def pages(app) -> list[tuple[str, str]]:
    with app.app_context():
        oakwood = db.session.scalar(select(School.id).where(School.name.like("Oakwood%")))
    return [
        ("lee", "/reports"),
        ("lee", "/reports/overdue"),
        ("lee", "/reports/tools"),
        ("lee", f"/reports?school={oakwood}"),
        ("lee", f"/reports/tools?school={oakwood}"),
        ("brooks", "/reports"),
        ("brooks", "/reports/overdue"),
        ("brooks", "/reports/tools"),
        ("lee", "/reports/consent-forms"),
        ("brooks", "/reports/consent-forms"),
    ]


def measure(app, clients, urls) -> dict[tuple[str, str], tuple[int, str]]:
    result = {}
    for who, url in urls:
        with count_queries(app) as statements:
            answer = clients[who].get(url)
        assert answer.status_code == 200, f"{who} {url}: {answer.status_code}"
        result[(who, url)] = (len(statements), answer.get_data(as_text=True))
    return result


@pytest.fixture
def growing(app):
    app.config["PAGE_SIZE"] = 100  # all 50 overdue requests on one page
    return Growing(app)


def test_report_pages_issue_the_same_statements_for_1_row_and_for_50(app, as_, growing):
    clients = {"lee": as_("lee"), "brooks": as_("brooks")}
    urls = pages(app)
    growing.grow_to(1)
    small = measure(app, clients, urls)
    growing.grow_to(50)
    large = measure(app, clients, urls)
    problems = []
    for key, (count, page) in small.items():
        large_count, large_page = large[key]
        print(f"{key[0]:7} {key[1]:28} {count} statements with 1 row, {large_count} with 50")
        if key[0] == "lee" and key[1] in ("/reports", "/reports/overdue", "/reports/consent-forms"):
            # The district's pages really show the rows: one school, then fifty.
            shown = (large_page.count("Growth School"), page.count("Growth School"))
            if shown[1] < 1 or shown[0] < 50:
                problems.append(f"{key}: shows {shown[1]} then {shown[0]} growth schools")
        listed = (page.count("Growtool"), large_page.count("Growtool"))
        if key == ("lee", "/reports/tools") and (listed[0] < 1 or listed[1] < 50):
            problems.append(f"{key}: the growth tools are not all listed")
        if count != large_count:
            problems.append(f"{key}: {count} statements with 1 row, {large_count} with 50")
        if large_count > BUDGET:
            problems.append(f"{key}: {large_count} statements, over the budget of {BUDGET}")
    assert not problems, "\n".join(problems)
