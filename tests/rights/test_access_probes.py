"""Access probes after the 18th birthday: the eligible student sees and decides for themselves
only; parents no longer decide, and see only a student the district marks a tax dependent
(99.31(a)(8)). A refusal answers like a missing page and leaves an `access.denied` row."""

import pytest
from sqlalchemy import func, select

from consent.audit.models import AuditEvent
from consent.extensions import db
from consent.roster.models import Guardian, Student
from tests import factories
from tests.rights.helpers import STUDENT_EMAIL, turn_eighteen
from tests.support import DEMO_PASSWORD, Browser

# Pages that show the child; pages only a holder of the rights reaches (filing, withdrawing,
# the data-sharing record).
SEE = ["/students/{student}", "/requests/{optout}"]
DECIDE = [
    "/students/{student}/optouts/new",
    "/students/{student}/records-requests/new",
    "/students/{student}/data-sharing",
    "/requests/{optout}/withdraw",
]
OTHERS = ["sofia", "ava", "olivia", "liam"]


def urls(template_list, demo, student: str) -> list[str]:
    # The demo's in-progress opt-out is Mateo's; the confirmed one is Sofia's.
    optout = demo.optouts["in_progress" if student == "mateo" else "confirmed"]
    return [t.format(student=demo.students[student], optout=optout) for t in template_list]


def denied(app) -> int:
    with app.app_context():
        count = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "access.denied")
        )
        db.session.remove()
    return count


def student_browser(app, demo) -> Browser:
    with app.app_context():
        own = db.session.scalar(
            select(Guardian).where(Guardian.student_id == demo.students["mateo"])
        )
        factories.account(own)
        db.session.commit()
        db.session.remove()
    browser = Browser(app.test_client())
    signed = browser.post(
        "/signin", {"email": STUDENT_EMAIL, "password": DEMO_PASSWORD}, token_from="/signin"
    )
    assert signed.status_code == 302
    return browser


def test_the_eligible_student_reaches_their_own_pages_and_no_one_elses(app, demo):
    turn_eighteen(app, demo.students["mateo"])
    student = student_browser(app, demo)
    for url in urls(SEE + DECIDE, demo, "mateo"):
        assert student.get(url).status_code == 200, url
    for other in OTHERS:
        for url in urls(SEE + DECIDE, demo, other):
            before = denied(app)
            assert student.get(url).status_code == 404, url
            assert denied(app) == before + 1, url


@pytest.mark.parametrize("dependent", [False, True])
@pytest.mark.parametrize("persona", ["maria", "luis"])
def test_parents_after_the_18th_birthday(app, as_, demo, persona, dependent):
    turn_eighteen(app, demo.students["mateo"], tax_dependent=dependent)
    parent = as_(persona)
    for url in urls(SEE, demo, "mateo"):
        assert parent.get(url).status_code == (200 if dependent else 404), url
    for url in urls(DECIDE, demo, "mateo"):
        before = denied(app)
        assert parent.get(url).status_code == 404, url
        assert denied(app) == before + 1, url
    # Their younger child is still theirs in every way.
    for url in urls(SEE + DECIDE, demo, "sofia"):
        assert parent.get(url).status_code == 200, url


def test_a_student_who_is_not_18_yet_changes_nothing(app, as_, demo):
    with app.app_context():
        db.session.get(Student, demo.students["mateo"]).tax_dependent = True
        db.session.commit()
        db.session.remove()
    for url in urls(SEE + DECIDE, demo, "mateo"):
        assert as_("maria").get(url).status_code == 200, url


MISSING = 987_654


@pytest.mark.parametrize(
    "persona", ["maria", "luis", "grace", "johnson", "patel", "brooks", "reed"]
)
def test_only_the_privacy_office_marks_a_tax_dependent(app, as_, demo, persona):
    url = f"/students/{demo.students['mateo']}/tax-dependent"
    before = denied(app)
    assert as_(persona).post(url, {}, token_from="/account").status_code == 404
    assert denied(app) == before + 1
    with app.app_context():
        assert not db.session.get(Student, demo.students["mateo"]).tax_dependent
        db.session.remove()


def test_the_office_marks_and_unmarks_a_tax_dependent(app, as_, demo):
    lee = as_("lee")
    url = f"/students/{demo.students['mateo']}/tax-dependent"
    assert lee.post(url, {}, token_from="/account").status_code == 302
    with app.app_context():
        assert db.session.get(Student, demo.students["mateo"]).tax_dependent
        actions = db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.student_id == demo.students["mateo"])
        ).all()
        assert "student.tax_dependent" in actions
        db.session.remove()
    page = lee.get(f"/students/{demo.students['mateo']}").get_data(as_text=True)
    assert "Remove the tax-dependent mark" in page
    assert lee.post(url, {}, token_from="/account").status_code == 302
    with app.app_context():
        assert not db.session.get(Student, demo.students["mateo"]).tax_dependent
        db.session.remove()
    assert (
        lee.post(f"/students/{MISSING}/tax-dependent", {}, token_from="/account").status_code == 404
    )
