"""The disclosure log (99.32): the office records who received which records, why and when;
the family sees each one on "Who has my child's data", except one under an order that forbids
telling them. Bad input is refused with a message and records nothing."""

from datetime import timedelta

from sqlalchemy import func, select

from consent.audit.models import AuditEvent
from consent.core import clock
from consent.extensions import db
from consent.records.models import Disclosure

TRANSFER = {
    "recipient": "Lincoln Middle School",
    "basis": "transfer",
    "interest": "Ava enrolls there next term.",
    "records": "Transcript and attendance",
}


def disclose(as_, demo, student="ava", **fields):
    data = {**TRANSFER, "disclosed_on": clock.today().isoformat(), **fields}
    return as_("lee").post(f"/students/{demo.students[student]}/disclosures/new", data)


def count():
    return db.session.scalar(select(func.count()).select_from(Disclosure))


def test_the_family_sees_a_recorded_disclosure(app, as_, demo):
    answer = disclose(as_, demo)
    assert answer.status_code == 302
    with app.app_context():
        found = db.session.scalar(select(Disclosure).order_by(Disclosure.id.desc()).limit(1))
        assert (found.recipient, found.basis.value, found.family_may_see) == (
            "Lincoln Middle School",
            "transfer",
            True,
        )
        audit = db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "disclosure.record",
                AuditEvent.target == f"disclosure:{found.id}",
            )
        )
        assert audit.student_id == demo.students["ava"]
        db.session.remove()
    page = as_("james").get(f"/students/{demo.students['ava']}/data-sharing")
    body = page.get_data(as_text=True)
    assert "Other disclosures of Ava" in body
    assert "Lincoln Middle School" in body and "Transcript and attendance" in body
    assert "Transfer to another school (FERPA 99.31(a)(2))" in body
    # Another family's page shows nothing of it.
    other = as_("maria").get(f"/students/{demo.students['sofia']}/data-sharing")
    assert "Lincoln Middle School" not in other.get_data(as_text=True)


def test_an_order_that_forbids_telling_hides_it_from_the_family_only(app, as_, demo):
    order = {
        "recipient": "Circuit Court for Demo County",
        "basis": "court_order",
        "interest": "Subpoena 2026-CV-0042; the order forbids disclosure to the family.",
        "hidden_from_family": "y",
    }
    assert disclose(as_, demo, **order).status_code == 302
    family = as_("james").get(f"/students/{demo.students['ava']}/data-sharing")
    assert "Circuit Court" not in family.get_data(as_text=True)
    log = as_("lee").get("/disclosures").get_data(as_text=True)
    assert "Circuit Court for Demo County" in log and "the order forbids it" in log


def test_only_an_order_may_hide_a_disclosure_and_bad_input_records_nothing(app, as_, demo):
    with app.app_context():
        before = count()
        db.session.remove()
    refused = disclose(as_, demo, hidden_from_family="y")  # a transfer, hidden: not allowed
    assert refused.status_code == 200
    assert "Only a subpoena or court order can forbid telling the family." in refused.get_data(
        as_text=True
    )
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    future = disclose(as_, demo, disclosed_on=tomorrow)
    assert "Record a disclosure once it has been made." in future.get_data(as_text=True)
    empty = disclose(as_, demo, recipient="  ", records="")
    assert "Say who received the records." in empty.get_data(as_text=True)
    wrong_basis = disclose(as_, demo, basis="because")
    assert wrong_basis.status_code == 200
    with app.app_context():
        assert count() == before
        db.session.remove()


def test_a_principal_reads_the_log_of_their_school_but_cannot_record(app, as_, demo):
    assert disclose(as_, demo).status_code == 302
    brooks = as_("brooks")
    assert "Lincoln Middle School" in brooks.get("/disclosures").get_data(as_text=True)
    assert "Lincoln Middle School" not in as_("reed").get("/disclosures").get_data(as_text=True)
    assert brooks.get(f"/students/{demo.students['ava']}/disclosures/new").status_code == 404
