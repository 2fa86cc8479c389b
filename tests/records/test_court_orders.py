"""Court orders (99.4): the office records an order restricting one parent's link; access or
decisions end at once, that parent's own open requests for the child close without naming the
order, and the other parent is told nothing unless the office chooses to tell them."""

import re

from sqlalchemy import select

from consent.audit.models import AuditEvent
from consent.core import clock
from consent.extensions import db
from consent.notifications.models import Notification
from consent.records.models import RecordsStatus
from consent.roster.models import GuardianLink
from tests.records.helpers import INSPECTION, file_request, load


def link_id(app, demo, guardian, student):
    with app.app_context():
        found = db.session.scalar(
            select(GuardianLink.id).where(
                GuardianLink.guardian_id == demo.guardians[guardian],
                GuardianLink.student_id == demo.students[student],
            )
        )
        db.session.remove()
    return found


def restrict(as_, demo, app, guardian, student, **fields):
    url = (
        f"/students/{demo.students[student]}/guardian-links/"
        f"{link_id(app, demo, guardian, student)}/restrict"
    )
    data = {
        "reference": "Circuit Court case 24-FM-1187",
        "ordered_on": clock.today().isoformat(),
        "removes": "all_rights",
        **fields,
    }
    return as_("lee").post(url, data)


def sent_to(app, guardian_id):
    with app.app_context():
        rows = db.session.execute(
            select(Notification.kind, Notification.body_text).where(
                Notification.guardian_id == guardian_id
            )
        ).all()
        db.session.remove()
    return rows


def test_all_rights_removed_ends_access_and_closes_only_that_parents_requests(
    app, as_, demo, no_backlog
):
    luis_request = file_request(as_, demo, "luis", "sofia", INSPECTION)
    maria_request = file_request(as_, demo, "maria", "sofia", INSPECTION)
    luis = as_("luis")
    assert luis.get(f"/students/{demo.students['sofia']}").status_code == 200
    maria_before = sent_to(app, demo.guardians["maria"])

    assert restrict(as_, demo, app, "luis", "sofia").status_code == 302

    assert luis.get(f"/students/{demo.students['sofia']}").status_code == 404
    assert luis.get(f"/records-requests/{luis_request}").status_code == 404
    assert luis.get(f"/students/{demo.students['mateo']}").status_code == 200  # other child
    closed = load(app, luis_request)
    assert closed.status is RecordsStatus.CLOSED
    assert closed.closed_reason == "The request no longer applies."
    assert load(app, maria_request).status is RecordsStatus.SUBMITTED
    # The other parent hears nothing; the restricted parent is not written to either.
    assert sent_to(app, demo.guardians["maria"]) == maria_before
    assert not [k for k, _ in sent_to(app, demo.guardians["luis"]) if k == "records/update"]
    with app.app_context():
        audit = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "guardian_link.restrict")
        )
        assert audit.student_id == demo.students["sofia"]
        db.session.remove()
    page = as_("lee").get(f"/students/{demo.students['sofia']}").get_data(as_text=True)
    assert "Restricted by order Circuit Court case 24-FM-1187" in page


def test_decisions_only_keeps_sight_but_not_filing(app, as_, demo):
    assert restrict(as_, demo, app, "luis", "mateo", removes="decisions").status_code == 302
    luis = as_("luis")
    assert luis.get(f"/students/{demo.students['mateo']}").status_code == 200
    assert luis.get(f"/students/{demo.students['mateo']}/records-requests/new").status_code == 404


def test_the_office_may_choose_to_tell_the_other_parent_without_the_order(
    app, as_, demo, no_backlog
):
    assert restrict(as_, demo, app, "luis", "sofia", tell_other_guardians="y").status_code == 302
    told = [
        body
        for kind, body in sent_to(app, demo.guardians["maria"])
        if kind.endswith("link_restricted")
    ]
    assert len(told) == 1
    assert "24-FM-1187" not in told[0] and "Your own rights have not changed." in told[0]


def test_a_second_order_or_a_missing_reference_is_refused_and_changes_nothing(app, as_, demo):
    empty = restrict(as_, demo, app, "luis", "sofia", reference=" ")
    assert empty.status_code == 200
    assert re.search(r"Give the order(&#39;|&#x27;|')s reference", empty.get_data(as_text=True))
    assert as_("luis").get(f"/students/{demo.students['sofia']}").status_code == 200
    assert restrict(as_, demo, app, "luis", "sofia").status_code == 302
    again = restrict(as_, demo, app, "luis", "sofia")
    assert "A court order is already recorded" in again.get_data(as_text=True)


def test_only_the_office_reaches_the_order_page(app, as_, demo):
    url = (
        f"/students/{demo.students['sofia']}/guardian-links/"
        f"{link_id(app, demo, 'luis', 'sofia')}/restrict"
    )
    for persona in ("brooks", "johnson", "maria"):
        assert as_(persona).get(url).status_code == 404, persona
    # A link of another child, under this child's address: like a missing one.
    wrong = (
        f"/students/{demo.students['sofia']}/guardian-links/"
        f"{link_id(app, demo, 'james', 'ava')}/restrict"
    )
    assert as_("lee").get(wrong).status_code == 404
    with app.app_context():
        denied = db.session.scalars(
            select(AuditEvent.path).where(AuditEvent.action == "access.denied")
        ).all()
        assert wrong in denied
        db.session.remove()


def test_a_roster_import_that_still_lists_the_parent_gives_back_nothing_the_order_removed(
    app, as_, demo
):
    """The roster rewrites `has_rights` and `active` on every import; the order still holds."""
    from consent.access import can_file_for, can_see_student, deciding_guardians
    from consent.accounts.models import Account
    from consent.roster.importer.apply import apply_roster
    from consent.roster.importer.records import LinkRecord, Mode, RosterSet

    assert restrict(as_, demo, app, "luis", "sofia").status_code == 302
    assert restrict(as_, demo, app, "luis", "mateo", removes="decisions").status_code == 302
    roster = RosterSet(format="oneroster-1.1", modes={"links": Mode.DELTA})
    for student in ("sofia", "mateo"):
        key = ("guardian-luis", f"student-{student}")
        roster.links[key] = LinkRecord(*key, "parent", True, active=True)
    with app.app_context():
        apply_roster(roster, today=clock.today())
        db.session.commit()
        # The import did write the roster's flags back: only the order stands in the way.
        flags = db.session.execute(
            select(GuardianLink.active, GuardianLink.has_rights).where(
                GuardianLink.guardian_id == demo.guardians["luis"]
            )
        ).all()
        assert flags and all(active and rights for active, rights in flags)
        luis = db.session.scalar(
            select(Account).where(Account.guardian_id == demo.guardians["luis"])
        )
        assert not can_see_student(luis, demo.students["sofia"])
        assert not can_file_for(luis, demo.students["sofia"])
        assert can_see_student(luis, demo.students["mateo"])
        assert not can_file_for(luis, demo.students["mateo"])
        for student in ("sofia", "mateo"):
            named = [g.id for g in deciding_guardians(demo.students[student])]
            assert demo.guardians["luis"] not in named
            assert demo.guardians["maria"] in named
        db.session.remove()

    pages = as_("luis")
    assert pages.get(f"/students/{demo.students['sofia']}").status_code == 404
    assert pages.get(f"/students/{demo.students['sofia']}/records-requests/new").status_code == 404
    assert pages.get(f"/students/{demo.students['mateo']}").status_code == 200
    assert pages.get(f"/students/{demo.students['mateo']}/records-requests/new").status_code == 404
    home = pages.get("/children").get_data(as_text=True)
    assert "Sofia" not in home and "Mateo" in home
