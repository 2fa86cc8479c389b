"""The catalog's pages answer from a bounded number of statements: the same for 1 row as for
50, and within the budget of tests/test_query_budget.py."""

import re

from sqlalchemy import select

from consent.accounts.models import Account
from consent.catalog import operations
from consent.catalog.models import (
    AgreementStatus,
    LegalBasis,
    Tool,
    ToolChangeNotice,
    ToolDataCategory,
    ToolFeature,
    ToolOptOutOption,
    VettingStatus,
)
from consent.core import clock
from consent.extensions import db
from tests.catalog.helpers import data_of
from tests.support import count_queries

BUDGET = 12


def add_tools(app, start: int, stop: int) -> None:
    with app.app_context():
        for number in range(start, stop):
            db.session.add(
                Tool(
                    name=f"Budgettool {number:03d}",
                    vendor="Budget Vendor",
                    purpose="Counting statements.",
                    website="https://example.com/",
                    privacy_policy_url="https://example.com/privacy",
                    grade_band="K-12",
                    legal_basis=LegalBasis.SCHOOL_OFFICIAL,
                    vetting_status=VettingStatus.APPROVED,
                    agreement_status=AgreementStatus.NONE,
                    data_categories=[
                        ToolDataCategory(category="Student Name", note="first name"),
                        ToolDataCategory(category="Student Work", note="work"),
                    ],
                    features=[ToolFeature(key="chat", label="Chat")],
                    optout_options=[ToolOptOutOption(label="Alternative activity")],
                )
            )
        db.session.commit()
        db.session.remove()


def statements(app, client, url, *, about: str = "") -> tuple[int, str]:
    """How many statements one GET issues (only those naming `about`, when given)."""
    with count_queries(app) as seen:
        answer = client.get(url)
    assert answer.status_code == 200, url
    return len([s for s in seen if about in s]), answer.get_data(as_text=True)


def test_catalog_lists_cost_the_same_for_1_tool_and_for_50(app, as_, browser):
    app.config["PAGE_SIZE"] = 100
    app.config["CATALOG_PUBLIC_PAGE_SIZE"] = 100
    lee, teacher = as_("lee"), as_("johnson")
    pages = [
        (lee, "/tools?q=budgettool"),
        (teacher, "/tools?q=budgettool&category=Student+Work"),
        (browser, "/catalog"),
    ]
    add_tools(app, 0, 1)
    small = [statements(app, client, url) for client, url in pages]
    add_tools(app, 1, 50)
    large = [statements(app, client, url) for client, url in pages]
    for (_client, url), (n_small, page_small), (n_large, page_large) in zip(
        pages, small, large, strict=True
    ):
        shown = (
            len(set(re.findall(r"Budgettool \d+", page_small))),
            len(set(re.findall(r"Budgettool \d+", page_large))),
        )
        assert shown == (1, 50), f"{url} shows {shown}"
        assert n_small == n_large, f"{url}: {n_small} statements for 1 tool, {n_large} for 50"
        assert n_large <= BUDGET, f"{url}: {n_large} statements"


def test_history_and_the_childs_changes_cost_the_same_for_1_and_for_50(app, as_, demo):
    app.config["PAGE_SIZE"] = 100
    lee, maria = as_("lee"), as_("maria")
    zoom, sofia = demo.tools["zoom"], demo.students["sofia"]

    def edits(count: int) -> None:
        with app.app_context():
            actor = db.session.get(Account, demo.accounts["lee"])
            for _ in range(count):
                tool = db.session.get(Tool, zoom)
                operations.update_tool(
                    actor=actor,
                    tool=tool,
                    data=data_of(tool, purpose=f"{tool.purpose}!"),
                    today=clock.today(),
                )
                db.session.add(
                    ToolChangeNotice(
                        tool_id=zoom,
                        created_at=clock.now(),
                        new_categories="Student Survey Responses",
                        agreement_lapsed=False,
                        no_longer_approved=False,
                        vetting_status=VettingStatus.APPROVED,
                        guardians_notified=0,
                    )
                )
            db.session.commit()
            db.session.remove()

    # The child's page belongs to the roster (its budget is tests/test_query_budget.py's);
    # here, the listing of changes on it costs one statement however many there are.
    pages = [(lee, f"/tools/{zoom}/history", ""), (maria, f"/students/{sofia}", "tool_change")]
    edits(1)
    small = [statements(app, client, url, about=about) for client, url, about in pages]
    edits(49)
    large = [statements(app, client, url, about=about) for client, url, about in pages]
    with app.app_context():
        assert len(db.session.scalars(select(ToolChangeNotice)).all()) == 50
        db.session.remove()
    (h1, hist1), (c1, child1) = small
    (h50, hist50), (c50, child50) = large
    assert (hist1.count("Change "), hist50.count("Change ")) == (1, 50)
    assert (child1.count("Now collects:"), child50.count("Now collects:")) == (1, 50)
    assert h1 == h50 <= BUDGET, (h1, h50)
    assert c1 == c50 == 1, (c1, c50)
