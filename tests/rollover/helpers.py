"""Shared steps of the rollover tests: more confirmed opt-outs than the demo's one, and a
fingerprint of the whole database to show that something changed nothing."""

from sqlalchemy import func, select

from consent.accounts.models import Account
from consent.catalog.models import Tool
from consent.core import clock
from consent.extensions import db
from consent.optouts import operations as optouts
from consent.optouts.models import OptOut, OptOutStatus, TaskStatus
from consent.rollover.models import YearEndAction
from consent.rollover.operations import set_district_rule, set_tool_rule
from consent.schoolcalendar.days import school_year_of

CARRY, END = YearEndAction.CARRY, YearEndAction.END


def this_year() -> str:
    return school_year_of(clock.today())


def _account(demo, key: str) -> Account:
    return db.session.get(Account, demo.accounts[key])


def confirm(demo, key: str, principal: str) -> None:
    """Every routed teacher plans the demo request `key`, then the principal confirms it."""
    optout = db.session.get(OptOut, demo.optouts[key])
    teachers = {staff_id: name for name, staff_id in demo.staff.items()}
    for task in list(optout.tasks):
        if task.status is not TaskStatus.CLOSED and task.status is not TaskStatus.PLANNED:
            optouts.record_plan(
                actor=_account(demo, teachers[task.teacher_id]),
                task=task,
                option=optout.accommodation,  # the plan gives what the family asked for
            )
    optouts.confirm(actor=_account(demo, principal), optout=optout)


def three_confirmed(app, demo, *, district=END, zoom=CARRY) -> None:
    """Sofia's Zoom (video) as in the demo, plus Mateo's Zoom (recording, both parents) and
    Ava's Seesaw (photos) confirmed; the rule: `district` for all tools, `zoom` for Zoom."""
    with app.app_context():
        confirm(demo, "submitted", "reed")  # Mateo, Zoom recording, Maria and Luis
        confirm(demo, "planned", "brooks")  # Ava, Seesaw photos, James
        lee = _account(demo, "lee")
        if district is not None:
            set_district_rule(actor=lee, action=district)
        if zoom is not None:
            set_tool_rule(actor=lee, tool=db.session.get(Tool, demo.tools["zoom"]), action=zoom)
        db.session.commit()
        db.session.remove()


def fingerprint(app) -> dict:
    """Rows per table, and every request's status and version: equal before and after means
    nothing changed."""
    with app.app_context():
        counts = {
            table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }
        db.session.remove()
    return {"counts": counts, "optouts": statuses(app)}


def statuses(app) -> dict[int, tuple[OptOutStatus, int]]:
    with app.app_context():
        rows = {
            id_: (status, version)
            for id_, status, version in db.session.execute(
                select(OptOut.id, OptOut.status, OptOut.version)
            )
        }
        db.session.remove()
    return rows
