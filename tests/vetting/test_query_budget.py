"""The vetting and tool-use pages answer from a bounded number of statements (at most 12), the
same with 1 row in their list as with 50."""

from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from consent.accounts.models import Account
from consent.catalog.models import Tool, ToolUse, UseScope, VettingStatus
from consent.core import clock
from consent.demo.operations import DEMO_PASSWORD
from consent.extensions import db
from consent.roster.models import School, Staff
from consent.vetting.models import RequestStatus, VettingRequest
from tests import factories
from tests.support import PERSONAS, count_queries, sign_in_client

BUDGET = 12


def signed_in(app, persona: str):
    client = app.test_client()
    answer = sign_in_client(client, PERSONAS[persona], DEMO_PASSWORD)
    assert answer.status_code == 302
    return client


def statements(app, client, url: str) -> int:
    with count_queries(app) as seen:
        answer = client.get(url)
    assert answer.status_code == 200, f"{url} answered {answer.status_code}"
    return len(seen)


# --- adding rows to each list -----------------------------------------------------------------


def _requests(app, demo, first: int, n: int, *, decided: bool = False) -> None:
    now = clock.now()
    rows = [
        {
            "name": f"Budget tool {first + i}",
            "vendor": "",
            "website": "https://example.com",
            "privacy_policy_url": "",
            "purpose": "Practice.",
            "grades": "K-5",
            "student_use": "On tablets.",
            "student_data": "Nothing.",
            "status": RequestStatus.NOT_APPROVED if decided else RequestStatus.SUBMITTED,
            "requested_by_account_id": demo.accounts["johnson"],
            "submitted_at": now,
            "decided_by_account_id": demo.accounts["lee"] if decided else None,
            "decided_at": now if decided else None,
            "decision_note": "No." if decided else "",
        }
        for i in range(n)
    ]
    db.session.execute(insert(VettingRequest), rows)


def _kim_sections(app, demo, first: int, n: int) -> None:
    """Classes of Mr. Kim's at Oakwood, each with Khan Academy declared by him."""
    oakwood = db.session.get(School, demo.schools["oakwood"])
    kim = db.session.get(Staff, demo.staff["kim"])
    khan = db.session.get(Tool, demo.tools["khan"])
    for i in range(first, first + n):
        section = factories.section(school=oakwood, teachers=[kim], title=f"Budget class {i:03}")
        factories.tool_use(
            khan, section=section, actor=db.session.get(Account, demo.accounts["kim"])
        )


def _uses(scope: UseScope, tool_key: str):
    def add(app, demo, first: int, n: int) -> None:
        today = clock.today()
        for i in range(first, first + n):
            db.session.add(
                ToolUse(
                    tool_id=demo.tools[tool_key],
                    scope=scope,
                    school_id=demo.schools["oakwood"] if scope is UseScope.SCHOOL else None,
                    section_id=demo.sections["room15"] if scope is UseScope.SECTION else None,
                    starts_on=today - timedelta(days=i + 1),
                )
            )

    return add


def _retire_flip(app, demo) -> None:
    db.session.get(Tool, demo.tools["flip"]).vetting_status = VettingStatus.NOT_APPROVED


PAGES = {
    # name: (persona, url, add rows, set-up before the first row, rows the demo already has:
    # one request of Ms. Johnson's waiting, one decided, the district's three wide uses, ...)
    "my requests": ("johnson", "/vetting", _requests, None, 1),
    "review queue": ("lee", "/vetting/review", _requests, None, 1),
    "decided": (
        "lee",
        "/vetting/review?decided=1",
        lambda app, demo, first, n: _requests(app, demo, first, n, decided=True),
        None,
        1,
    ),
    "tools in classes": ("kim", "/classes/tools", _kim_sections, None, 0),
    "one class's tools": ("kim", "room15", _uses(UseScope.SECTION, "khan"), None, 0),
    "school and district uses": ("lee", "/tool-uses", _uses(UseScope.SCHOOL, "khan"), None, 3),
    "needs action": (
        "lee",
        "/tool-uses/needs-action",
        _uses(UseScope.SECTION, "flip"),
        _retire_flip,
        1,
    ),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_a_list_page_costs_the_same_with_1_and_50_rows(app, demo, name):
    persona, url, add, setup, already = PAGES[name]
    if url == "room15":
        url = f"/sections/{demo.sections['room15']}/tools"
    client = signed_in(app, persona)
    with app.app_context():
        if setup:
            setup(app, demo)
        if already == 0:
            add(app, demo, 0, 1)
        db.session.commit()
    with_one = statements(app, client, url)
    with app.app_context():
        add(app, demo, 1, 50 - max(already, 1))
        db.session.commit()
    with_fifty = statements(app, client, url)
    assert with_one <= BUDGET, f"{name}: {with_one} statements"
    assert with_fifty == with_one, f"{name}: {with_one} with 1 row, {with_fifty} with 50"


def test_a_request_page_and_the_forms_stay_within_the_budget(app, demo):
    with app.app_context():
        _requests(app, demo, 0, 1)
        db.session.commit()
        request_id = db.session.scalar(
            select(VettingRequest.id).where(VettingRequest.name == "Budget tool 0")
        )
    pages = [
        ("johnson", f"/vetting/{request_id}"),
        ("johnson", "/vetting/new"),
        ("lee", f"/vetting/{request_id}"),
        ("lee", f"/vetting/{request_id}/decide"),
        ("johnson", f"/sections/{demo.sections['room12']}/tools"),
    ]
    for persona, url in pages:
        assert statements(app, signed_in(app, persona), url) <= BUDGET, url
