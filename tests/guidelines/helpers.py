"""Shared steps for the guideline tests: the office's checklist, a teacher's answers, and the
demo's rows read in a test's own session. The demo starts with the checklist below and Mr. Kim
using Wordwall (waiting for review) in Room 15 under it."""

from sqlalchemy import select

from consent.extensions import db
from consent.guidelines.demo import DEMO_CHECKLIST
from consent.guidelines.models import GuidelineItem, GuidelineUse
from consent.vetting.models import VettingRequest

CHECKLIST = DEMO_CHECKLIST


def write_checklist(as_, lines=CHECKLIST):
    return as_("lee").post("/guidelines", {"items": "\n".join(lines)}, token_from="/guidelines")


def item_ids(app) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(GuidelineItem.id)
                .where(GuidelineItem.retired.is_(False))
                .order_by(GuidelineItem.position)
            )
        )


def wordwall(app) -> int:
    """The demo's request waiting for review that Mr. Kim uses in Room 15 (Wordwall, his own)."""
    with app.app_context():
        return db.session.scalar(select(VettingRequest.id).where(VettingRequest.name == "Wordwall"))


def answer(as_, demo, *, request_id, items, section="room12", persona="johnson"):
    url = f"/sections/{demo.sections[section]}/guideline-use"
    return as_(persona).post(
        url,
        {"request": str(request_id), "items": [str(i) for i in items]},
        token_from=url,
    )


def guideline_uses(app, section_id=None) -> list[GuidelineUse]:
    with app.app_context():
        query = select(GuidelineUse).order_by(GuidelineUse.id)
        if section_id is not None:
            query = query.where(GuidelineUse.section_id == section_id)
        rows = list(db.session.scalars(query))
        for row in rows:
            db.session.expunge(row)
        return rows
