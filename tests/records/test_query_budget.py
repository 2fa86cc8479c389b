"""The records pages answer from the same number of statements with 3 requests or 30."""

from consent.accounts.models import Account
from consent.extensions import db
from consent.records import operations as ops
from consent.records.models import DisclosureBasis, RequestKind
from consent.roster.models import Student
from tests.support import count_queries

PAGES = {
    "lee": ["/records-requests", "/disclosures"],
    "brooks": ["/records-requests", "/disclosures"],
    "maria": ["/records"],
}


def add(app, demo, n: int) -> None:
    with app.app_context():
        lee = db.session.get(Account, demo.accounts["lee"])
        for i in range(n):
            guardian, student = [("maria", "sofia"), ("james", "ava"), ("maria", "mateo")][i % 3]
            rr = ops.file_records_request(
                actor=db.session.get(Account, demo.accounts[guardian]),
                student=db.session.get(Student, demo.students[student]),
                kind=RequestKind.INSPECT,
                records_sought=f"Report card {i}",
            )
            ops.record_disclosure(
                actor=lee,
                student=rr.student,
                recipient=f"School {i}",
                basis=DisclosureBasis.TRANSFER,
                interest="Enrolment",
                records="Transcript",
                disclosed_on=rr.filed_on,
            )
        db.session.commit()
        db.session.remove()


def counts(app, as_):
    found = {}
    for persona, pages in PAGES.items():
        client = as_(persona)
        for page in pages:
            with count_queries(app) as statements:
                assert client.get(page).status_code == 200
            found[(persona, page)] = len(statements)
    return found


def test_list_pages_do_not_grow_with_the_number_of_requests(app, as_, demo):
    add(app, demo, 3)
    few = counts(app, as_)
    add(app, demo, 27)
    many = counts(app, as_)
    assert many == few
    assert max(few.values()) <= 20, few
