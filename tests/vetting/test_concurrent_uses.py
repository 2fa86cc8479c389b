"""Two teachers of the same class add the same tool at the same moment. The second to arrive
must see the first one's use and be refused with the clear message: never two overlapping uses
of one tool in one class. Each trial is two real requests on two threads (two app contexts, two
sessions), released together; on PostgreSQL nothing but the tool's row lock keeps them apart,
on SQLite the requests' BEGIN IMMEDIATE does."""

import html
import random
import threading
import time
from datetime import timedelta

from sqlalchemy import delete, select

from consent.accounts.models import Account
from consent.catalog.models import Tool, ToolUse
from consent.core import clock
from consent.core.transaction import immediate_transactions
from consent.extensions import db
from consent.optouts.models import Task
from consent.roster.models import Section
from consent.vetting.operations import declare_use, reroute
from tests.support import csrf_from

TRIALS = 12


def _declare(gate, delay, answers, who, browser, token, *, url, form):
    gate.wait(timeout=30)
    time.sleep(delay)  # randomized overlap, not synchronization
    answers[who] = browser.client.post(url, data={"csrf_token": token, **form})


def test_two_teachers_adding_the_same_tool_at_once_make_one_use(app, as_, demo):
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    with app.app_context():
        today = clock.today()
    url = f"/sections/{demo.sections['science4']}/tools"  # Ms. Johnson and Mr. Kim both teach it
    form = {"tool": str(demo.tools["zoom"]), "starts_on": str(today), "ends_on": ""}
    teachers = {name: as_(name) for name in ("johnson", "kim")}
    tokens = {name: csrf_from(b.get(url).get_data(as_text=True)) for name, b in teachers.items()}
    zoom_in_science4 = (
        ToolUse.tool_id == demo.tools["zoom"],
        ToolUse.section_id == demo.sections["science4"],
    )
    for trial in range(TRIALS):
        with app.app_context():
            db.session.execute(delete(ToolUse).where(*zoom_in_science4))
            db.session.commit()
        gate = threading.Barrier(2)
        answers: dict[str, object] = {}
        threads = [
            threading.Thread(
                target=_declare,
                args=(gate, rng.uniform(0, 0.01), answers, name, browser, tokens[name]),
                kwargs={"url": url, "form": form},
            )
            for name, browser in teachers.items()
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        context = f"trial {trial} (seed {seed})"
        codes = sorted(answer.status_code for answer in answers.values())
        assert codes == [200, 302], f"{context}: {codes}"
        refused = next(a for a in answers.values() if a.status_code == 200)
        message = f"Zoom is already in use there from {today.isoformat()}."
        assert message in html.unescape(refused.get_data(as_text=True)), context
        with app.app_context():
            uses = db.session.scalars(select(ToolUse).where(*zoom_in_science4)).all()
            assert len(uses) == 1, f"{context}: {len(uses)} uses"


def _route(gate, delay, errors, app, day):
    """What `flask vetting follow-uses` does, in a process of its own."""
    gate.wait(timeout=30)
    time.sleep(delay)
    try:
        with app.app_context(), immediate_transactions():
            reroute(day)
            db.session.commit()
    except Exception as error:  # noqa: BLE001 - reported by the test
        errors.append(error)


def test_two_routing_runs_at_once_add_one_task(app, demo):
    """The daily run started twice (cron on two hosts, or a slow run meeting the next), while
    a use declared ahead starts: one task for the class's new teacher, and neither run fails."""
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    with app.app_context():
        today = clock.today()
        declare_use(
            actor=db.session.get(Account, demo.accounts["lee"]),
            tool=db.session.get(Tool, demo.tools["zoom"]),
            section=db.session.get(Section, demo.sections["science4"]),
            starts_on=today + timedelta(days=1),
        )
        db.session.commit()
    kims_zoom_tasks = (
        Task.teacher_id == demo.staff["kim"],
        Task.optout_id == demo.optouts["confirmed"],  # Sofia's Zoom camera opt-out
    )
    for trial in range(TRIALS):
        with app.app_context():
            db.session.execute(delete(Task).where(*kims_zoom_tasks))
            db.session.commit()
        gate, errors = threading.Barrier(2), []
        runs = [
            threading.Thread(
                target=_route,
                args=(gate, rng.uniform(0, 0.01), errors, app, today + timedelta(days=1)),
            )
            for _ in range(2)
        ]
        for run in runs:
            run.start()
        for run in runs:
            run.join(timeout=60)
        context = f"trial {trial} (seed {seed})"
        assert errors == [], f"{context}: {errors}"
        with app.app_context():
            tasks = db.session.scalars(select(Task).where(*kims_zoom_tasks)).all()
            assert len(tasks) == 1, f"{context}: {len(tasks)} tasks"
