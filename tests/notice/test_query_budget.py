"""The office's notice pages answer from the same number of statements however many people the
notice went to, and how many versions it has."""

from consent.extensions import db
from consent.roster.models import Student
from tests import factories
from tests.notice.helpers import NOTICE
from tests.support import count_queries

PAGES = [
    "/notice",
    "/notice/send",
    "/notice/not-reached",
    "/notice/without-email",
    "/notice/en/history",
]


def add_families(app, demo, n: int) -> None:
    """`n` parents of Noah with rights, half of them without an email address."""
    with app.app_context():
        noah = db.session.get(Student, demo.students["noah"])
        for i in range(n):
            factories.guardian(children=[noah], email=None if i % 2 else f"p{i}@factory.example")
        db.session.commit()
        db.session.remove()


def counts(app, lee) -> dict[str, int]:
    found = {}
    for page in PAGES:
        with count_queries(app) as statements:
            assert lee.get(page).status_code == 200, page
        found[page] = len(statements)
    return found


def test_the_notice_pages_do_not_grow_with_the_people_or_the_versions(app, as_, demo):
    lee = as_("lee")
    add_families(app, demo, 4)
    assert lee.post("/notice/send", {"expected": ""}).status_code == 302
    lee.post("/notice/en/edit", NOTICE)
    few = counts(app, lee)
    add_families(app, demo, 40)
    assert lee.post("/notice/send", {"expected": ""}).status_code == 302
    for i in range(3):
        lee.post("/notice/en/edit", {**NOTICE, "contact_phone": f"555-010{i}"})
    many = counts(app, lee)
    assert many == few
    assert max(few.values()) <= 12, few
