"""Rights pass to the student at 18 (34 CFR 99.5): the morning job at the birthday boundary in
the district's time zone, twice without effect, and what the student and the parents may do
afterwards (the access rule lives in consent.access.links)."""

from sqlalchemy import func, select

from consent.access import can_file_for, can_see_student
from consent.accounts.models import Account
from consent.audit.models import AuditEvent
from consent.core import clock
from consent.extensions import db
from consent.notifications.models import Notification
from consent.optouts import operations as optouts
from consent.optouts.models import OptOut, OptOutStatus
from consent.records.models import RecordsRequest, RecordsStatus
from consent.records.queries import filer_if_rights_holder
from consent.rights.operations import pass_rights
from consent.roster.importer.apply import apply_roster
from consent.roster.importer.records import GuardianRecord, LinkRecord, Mode, RosterSet
from consent.roster.models import Guardian, GuardianLink, Student
from tests import factories
from tests.records.helpers import INSPECTION, file_request
from tests.rights.helpers import (
    birthday_day,
    just_after,
    just_before,
    own_record,
    set_birthday,
    turn_eighteen,
)


def account_of(guardian_id: int) -> Account:
    return db.session.scalar(select(Account).where(Account.guardian_id == guardian_id))


def test_the_job_passes_the_rights_at_midnight_district_time_and_only_once(app, demo):
    mateo = demo.students["mateo"]
    day = birthday_day(clock.today())
    set_birthday(app, mateo, day)
    with app.app_context():
        with clock.at(just_before(day)):
            assert pass_rights(today=clock.today()).students == []
        db.session.commit()
        assert own_record(app, mateo) is None
        with clock.at(just_after(day)):
            first = pass_rights(today=clock.today())
        db.session.commit()
        assert first.students == [mateo]
        assert first.invited == 1 and first.guardians_told == 2  # Maria and Luis
        assert db.session.get(Student, mateo).eligible_on == day
        messages = db.session.scalar(select(func.count()).select_from(Notification))
        audits = db.session.scalar(select(func.count()).select_from(AuditEvent))
        with clock.at(just_after(day)):
            second = pass_rights(today=clock.today())
        db.session.commit()
        assert second.students == [] and second.invited == 0
        assert db.session.scalar(select(func.count()).select_from(Notification)) == messages
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == audits
        assert (
            db.session.scalar(
                select(func.count()).select_from(Guardian).where(Guardian.student_id == mateo)
            )
            == 1
        )
        db.session.remove()


def test_a_student_without_a_birth_date_is_never_made_eligible(app, ctx, demo):
    db.session.get(Student, demo.students["sofia"]).birth_date = None
    db.session.commit()
    report = pass_rights(today=clock.today())
    assert report.students == []
    assert db.session.get(Student, demo.students["sofia"]).eligible_on is None


def test_parents_no_longer_decide_and_see_only_a_dependent(app, ctx, demo):
    mateo, sofia = demo.students["mateo"], demo.students["sofia"]
    turn_eighteen(app, mateo)
    luis = account_of(demo.guardians["luis"])
    assert not can_see_student(luis, mateo) and not can_file_for(luis, mateo)
    assert can_see_student(luis, sofia) and can_file_for(luis, sofia)  # still a minor
    db.session.get(Student, mateo).tax_dependent = True
    db.session.commit()
    assert can_see_student(luis, mateo) and not can_file_for(luis, mateo)


def test_the_pages_follow_the_rule(app, as_, demo):
    mateo, sofia = demo.students["mateo"], demo.students["sofia"]
    turn_eighteen(app, mateo)
    maria = as_("maria")
    assert maria.get(f"/students/{mateo}").status_code == 404
    assert maria.get(f"/students/{mateo}/records-requests/new").status_code == 404
    assert maria.get(f"/requests/{demo.optouts['in_progress']}").status_code == 404
    assert maria.get(f"/students/{sofia}").status_code == 200
    children = maria.get("/children").get_data(as_text=True)
    assert "Sofia" in children and "Mateo" not in children
    with app.app_context():
        db.session.get(Student, mateo).tax_dependent = True
        db.session.commit()
        db.session.remove()
    assert maria.get(f"/students/{mateo}").status_code == 200
    assert maria.get(f"/students/{mateo}/records-requests/new").status_code == 404
    assert maria.get(f"/students/{mateo}/optouts/new").status_code == 404


def test_the_eligible_student_decides_for_themselves_only(app, ctx, demo):
    mateo = demo.students["mateo"]
    turn_eighteen(app, mateo)
    own = own_record(app, mateo)
    account = factories.account(db.session.get(Guardian, own.id))
    db.session.commit()
    assert can_see_student(account, mateo) and can_file_for(account, mateo)
    for other in ("sofia", "ava", "olivia", "liam"):
        assert not can_see_student(account, demo.students[other]), other


def test_a_bulk_roster_import_keeps_the_students_own_record_and_link(app, ctx, demo):
    """The SIS never sends the eligible student's own guardian record: a bulk set that leaves it
    out must not deactivate it (nor their account)."""
    mateo = demo.students["mateo"]
    turn_eighteen(app, mateo)
    roster = RosterSet(format="oneroster-1.1", modes={"guardians": Mode.BULK, "links": Mode.BULK})
    sids = dict(db.session.execute(select(Guardian.id, Guardian.sourced_id)).all())
    students = dict(db.session.execute(select(Student.id, Student.sourced_id)).all())
    for g in db.session.scalars(select(Guardian).where(Guardian.student_id.is_(None))):
        roster.guardians[g.sourced_id] = GuardianRecord(
            g.sourced_id, g.given_name, g.family_name, g.email, g.phone, "parent", g.active
        )
    for link in db.session.scalars(select(GuardianLink)):
        if link.guardian.student_id is not None:
            continue
        key = (sids[link.guardian_id], students[link.student_id])
        roster.links[key] = LinkRecord(
            *key, link.relationship_type.value, link.has_rights, link.active
        )
    summary = apply_roster(roster, today=clock.today())
    db.session.commit()
    assert summary.counts["guardians"].deactivated == 0
    assert summary.counts["links"].deactivated == 0
    own = db.session.scalar(select(Guardian).where(Guardian.student_id == mateo))
    assert own.active
    link = db.session.scalar(select(GuardianLink).where(GuardianLink.guardian_id == own.id))
    assert link.active and link.has_rights


def test_requests_made_before_stay_and_are_now_the_students_to_change(app, as_, demo):
    mateo = demo.students["mateo"]
    asked = file_request(as_, demo, "maria", "mateo", INSPECTION)
    turn_eighteen(app, mateo)
    own = own_record(app, mateo)
    with app.app_context():
        account = factories.account(db.session.get(Guardian, own.id))
        db.session.commit()
        # The records request stands; its news now goes to the student, not the parent.
        records_request = db.session.get(RecordsRequest, asked)
        assert records_request.status is RecordsStatus.SUBMITTED
        assert filer_if_rights_holder(records_request).id == own.id
        # The opt-out Maria asked for stands too; Mateo hears of it and may withdraw it.
        optout = db.session.get(OptOut, demo.optouts["in_progress"])
        assert optout.status is OptOutStatus.IN_PROGRESS
        assert [g.id for g in optouts.requesting_guardians(optout)] == [own.id]
        assert optouts.withdraw(actor=account, optout=optout)
        db.session.commit()
        assert db.session.get(OptOut, optout.id).status is OptOutStatus.WITHDRAWN
        db.session.remove()
