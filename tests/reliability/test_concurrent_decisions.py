"""Concurrent decisions: two people act on the same request at once, each on the version their
page showed them (confirm vs. return; withdraw vs. confirm). In 100 randomized trials exactly one
wins, the other gets the "this request changed" page (409), and nothing of the loser's action
is saved: no lost update, no double transition."""

import random
import threading
import time
from datetime import datetime

from sqlalchemy import select, update

from consent.core import clock
from consent.extensions import db
from consent.notifications.models import Notification
from consent.optouts.models import Event, OptOut, OptOutStatus, Task, TaskStatus
from tests.support import csrf_from

TRIALS = 100
OUTCOME = {
    "confirm": (OptOutStatus.CONFIRMED, "confirmed", "optouts/confirmed"),
    "return": (OptOutStatus.IN_PROGRESS, "returned", "optouts/returned"),
    "withdraw": (OptOutStatus.WITHDRAWN, "withdrawn", "optouts/withdrawn"),
}
PAIRS = [(("confirm", "brooks"), ("return", "lee")), (("withdraw", "james"), ("confirm", "brooks"))]


def _back_to_planned(optout_id: int) -> tuple[int, datetime]:
    """Every teacher has planned and the request waits for the principal; a new version."""
    db.session.execute(
        update(OptOut)
        .where(OptOut.id == optout_id)
        .values(
            status=OptOutStatus.PLANNED,
            resolved_at=None,
            ended_at=None,
            version=OptOut.version + 1,
        )
    )
    db.session.execute(
        update(Task)
        .where(Task.optout_id == optout_id)
        .values(status=TaskStatus.PLANNED, closed_reason="")
    )
    db.session.commit()
    return db.session.scalar(select(OptOut.version).where(OptOut.id == optout_id)), clock.now()


def _request(browser, token: str, action: str, optout_id: int, version: int):
    base = f"/requests/{optout_id}"
    if action == "confirm":  # the button carries the version in its address
        return browser.client.post(f"{base}/confirm?version={version}", data={"csrf_token": token})
    data = {"csrf_token": token, "version": str(version)}
    if action == "return":
        data["note"] = "Please say how Ava's photos are left out."
    return browser.client.post(f"{base}/{action}", data=data)


def _act(gate, delay, responses, action, browser, token, *, optout_id, version):
    gate.wait(timeout=30)
    time.sleep(delay)  # randomized overlap, not synchronization
    responses[action] = _request(browser, token, action, optout_id, version)


def test_two_people_deciding_at_once_one_wins_the_other_is_told(app, demo, as_):
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    optout_id = demo.optouts["planned"]  # Ava's Seesaw photos: planned, waiting for Ms. Brooks
    people = {name: as_(name) for name in ("brooks", "lee", "james")}
    tokens = {
        name: csrf_from(b.get(f"/requests/{optout_id}").get_data(as_text=True))
        for name, b in people.items()
    }
    wins: dict[str, int] = {}
    for trial in range(TRIALS):
        with app.app_context():
            version, started = _back_to_planned(optout_id)
        pair = list(rng.choice(PAIRS))
        rng.shuffle(pair)
        delays = [rng.uniform(0, 0.02) for _ in pair]
        gate = threading.Barrier(2)
        responses: dict[str, object] = {}
        threads = [
            threading.Thread(
                target=_act,
                args=(gate, delay, responses, action, people[person], tokens[person]),
                kwargs={"optout_id": optout_id, "version": version},
            )
            for (action, person), delay in zip(pair, delays, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        context = f"trial {trial} (seed {seed}): {pair}"
        codes = {action: r.status_code for action, r in responses.items()}
        assert sorted(codes.values()) == [302, 409], f"{context}: {codes}"
        winner = next(action for action, code in codes.items() if code == 302)
        loser = next(action for action, code in codes.items() if code == 409)
        assert "This request changed" in responses[loser].get_data(as_text=True), context

        with app.app_context():
            optout = db.session.get(OptOut, optout_id)
            assert optout.status is OUTCOME[winner][0], context
            assert optout.version == version + 1, f"{context}: exactly one update"
            kinds = db.session.scalars(
                select(Event.kind).where(Event.optout_id == optout_id, Event.at >= started)
            ).all()
            assert kinds == [OUTCOME[winner][1]], f"{context}: {kinds}"
            told = set(
                db.session.scalars(
                    select(Notification.kind).where(
                        Notification.optout_id == optout_id, Notification.created_at >= started
                    )
                )
            )
            assert OUTCOME[winner][2] in told, context
            assert OUTCOME[loser][2] not in told or loser == winner, f"{context}: {told}"
        wins[winner] = wins.get(winner, 0) + 1
    assert sum(wins.values()) == TRIALS
