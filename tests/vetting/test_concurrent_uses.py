"""Two teachers of the same class add the same tool at the same moment. The second to arrive
must see the first one's use and be refused with the clear message: never two overlapping uses
of one tool in one class. Each trial is two real requests on two threads (two app contexts, two
sessions), released together; on PostgreSQL nothing but the tool's row lock keeps them apart,
on SQLite the requests' BEGIN IMMEDIATE does."""

import html
import random
import threading
import time

from sqlalchemy import delete, select

from consent.catalog.models import ToolUse
from consent.extensions import db
from consent.schoolcalendar.operations import district_today
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
        today = district_today()
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
