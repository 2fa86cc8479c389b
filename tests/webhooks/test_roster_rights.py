"""A roster import that changes who holds a child's FERPA rights tells the district systems
subscribed to `rights.changed`, as the office's own changes do: one event per link it changed
(ids and states only), in the import's transaction; a link sent again unchanged, or a district's
first import, tells nobody."""

import json

from sqlalchemy import delete

from consent.core import clock
from consent.extensions import db
from consent.roster.importer.apply import apply_roster
from consent.roster.importer.records import LinkRecord
from consent.roster.models import GuardianLink
from consent.webhooks.models import WebhookEvent
from tests.importing.test_apply import delta
from tests.webhooks.conftest import deliveries


def _changes(app) -> list[dict]:
    return sorted(
        (json.loads(d.body)["data"] for d in deliveries(app)),
        key=lambda data: (data["guardian_sourced_id"], data["student_sourced_id"]),
    )


def _import(app, *links: LinkRecord) -> None:
    with app.app_context():
        apply_roster(delta(links=list(links)), today=clock.today())
        db.session.commit()
        db.session.remove()


def test_links_the_import_changes_are_told_and_unchanged_ones_are_not(app, demo, endpoint):
    endpoint(events=[WebhookEvent.RIGHTS_CHANGED])
    _import(
        app,
        LinkRecord("guardian-maria", "student-sofia", "parent", True, active=False),  # ends
        LinkRecord("guardian-luis", "student-mateo", "parent", False),  # loses the rights
        LinkRecord("guardian-luis", "student-sofia", "parent", True),  # sent again, unchanged
        LinkRecord("guardian-james", "student-sofia", "relative", False),  # new, no rights
    )
    changes = _changes(app)
    assert [
        (c["guardian_sourced_id"], c["student_sourced_id"], c["has_rights"], c["active"])
        for c in changes
    ] == [
        ("guardian-james", "student-sofia", False, True),
        ("guardian-luis", "student-mateo", False, True),
        ("guardian-maria", "student-sofia", True, False),
    ]
    assert {c["change"] for c in changes} == {"roster_link"}
    assert all(
        set(c)
        == {"change", "student_sourced_id", "guardian_sourced_id", "has_rights", "active", "at"}
        for c in changes
    )

    _import(app, LinkRecord("guardian-luis", "student-mateo", "parent", False))  # the same again
    assert len(_changes(app)) == 3


def test_without_a_subscriber_the_import_queues_nothing(app, demo, endpoint):
    endpoint(events=[WebhookEvent.OPTOUT_CONFIRMED])
    _import(app, LinkRecord("guardian-maria", "student-sofia", "parent", True, active=False))
    assert deliveries(app) == []


def test_a_districts_first_links_change_no_ones_rights(app, demo, endpoint):
    endpoint(events=[WebhookEvent.RIGHTS_CHANGED])
    with app.app_context():
        db.session.execute(delete(GuardianLink))
        db.session.commit()
    _import(app, LinkRecord("guardian-maria", "student-sofia", "parent", True))
    assert deliveries(app) == []
