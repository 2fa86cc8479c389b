"""Shared steps for the guideline tests: the office's checklist, a teacher's answers, the
committee's decision, and the demo's rows read in a test's own session."""

from sqlalchemy import select

from consent.extensions import db
from consent.guidelines.models import GuidelineItem, GuidelineUse
from consent.vetting.models import VettingRequest

CHECKLIST = [
    "Students create no account",
    "No personal information is entered",
    "No advertising is shown",
    "I have read the privacy policy",
    "It is right for the students' age",
]


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


def padlet(app) -> int:
    """The demo's request waiting for review (Padlet, sent by Ms. Johnson)."""
    with app.app_context():
        return db.session.scalar(select(VettingRequest.id).where(VettingRequest.name == "Padlet"))


def answer(as_, demo, *, request_id, items, section="room15", persona="kim"):
    url = f"/sections/{demo.sections[section]}/guideline-use"
    return as_(persona).post(
        url,
        {"request": str(request_id), "items": [str(i) for i in items]},
        token_from=url,
    )


def guideline_uses(app) -> list[GuidelineUse]:
    with app.app_context():
        rows = list(db.session.scalars(select(GuidelineUse).order_by(GuidelineUse.id)))
        for row in rows:
            db.session.expunge(row)
        return rows
