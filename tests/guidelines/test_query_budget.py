"""The guideline and re-review lists answer from a bounded number of statements, the same with
1 row as with 50; the child's page with a tool being reviewed stays within the budget."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from consent.accounts.models import Account
from consent.catalog.models import Tool, ToolUse, UseScope
from consent.core import clock
from consent.extensions import db
from consent.guidelines.models import (
    GuidelineConfirmation,
    GuidelineItem,
    GuidelineStatus,
    GuidelineUse,
)
from consent.roster.models import School, Staff
from consent.vetting.models import VettingRequest
from tests import factories
from tests.vetting.test_query_budget import BUDGET, signed_in, statements


def _guideline_uses(app, demo, first: int, n: int) -> None:
    """Classes of Mr. Kim's at Oakwood, each using Wordwall under the guidelines."""
    oakwood = db.session.get(School, demo.schools["oakwood"])
    kim = db.session.get(Staff, demo.staff["kim"])
    request = db.session.scalar(select(VettingRequest).where(VettingRequest.name == "Wordwall"))
    items = list(db.session.scalars(select(GuidelineItem)))
    for i in range(first, first + n):
        section = factories.section(school=oakwood, teachers=[kim], title=f"Budget class {i:03}")
        use = ToolUse(
            tool_id=request.tool_id,
            scope=UseScope.SECTION,
            section_id=section.id,
            starts_on=clock.today(),
        )
        db.session.add(use)
        db.session.flush()
        db.session.add(
            GuidelineUse(
                vetting_request_id=request.id,
                tool_id=request.tool_id,
                section_id=section.id,
                tool_use_id=use.id,
                teacher_account_id=demo.accounts["kim"],
                status=GuidelineStatus.PENDING_REVIEW,
                confirmations=[
                    GuidelineConfirmation(item_id=item.id, position=n, text=item.text)
                    for n, item in enumerate(items)
                ],
            )
        )


def _due_tools(app, demo, first: int, n: int) -> None:
    office = db.session.get(Account, demo.accounts["lee"])
    for i in range(first, first + n):
        tool = factories.tool(actor=office, name=f"Budget tool {i:03}")
        tool.next_review_on = clock.today() + timedelta(days=5)


def _nothing_else_due(app, demo) -> None:
    db.session.execute(update(Tool).values(next_review_on=clock.today() + timedelta(days=300)))


PAGES = {
    # name: (persona, url, add rows, set-up, rows the demo already has)
    "the teacher's guideline uses": ("kim", "/guideline-uses", _guideline_uses, None, 1),
    "the principal's guideline uses": ("brooks", "/guideline-uses", _guideline_uses, None, 1),
    "the office's guideline uses": ("lee", "/guideline-uses", _guideline_uses, None, 1),
    "re-reviews due": ("lee", "/vetting/rereviews", _due_tools, _nothing_else_due, 0),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_a_list_page_costs_the_same_with_1_and_50_rows(app, demo, name):
    persona, url, add, setup, already = PAGES[name]
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


def test_the_pages_with_a_checklist_stay_within_the_budget(app, demo):
    pages = [
        ("lee", "/guidelines"),
        ("kim", f"/sections/{demo.sections['room15']}/guideline-use"),
        ("kim", f"/sections/{demo.sections['room15']}/tools"),
    ]
    for persona, url in pages:
        assert statements(app, signed_in(app, persona), url) <= BUDGET, url
