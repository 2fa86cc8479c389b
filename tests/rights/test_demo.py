"""The demo district's eligible student: Daniel Ortiz (grade 12, Hillcrest High) turned 18 before
the demo's today, the morning job made the rights his, and he signs in with his own account. His
mother Rosa (no account) was told, and her link no longer decides nor sees."""

from sqlalchemy import select

from consent.access.links import deciding_link, seeing_link
from consent.demo.operations import DANIEL_EMAIL
from consent.extensions import db
from consent.roster.models import Guardian, GuardianLink, Student
from tests.support import DEMO_PASSWORD, Browser


def sign_in_daniel(app) -> Browser:
    browser = Browser(app.test_client())
    signed = browser.post(
        "/signin", {"email": DANIEL_EMAIL, "password": DEMO_PASSWORD}, token_from="/signin"
    )
    assert signed.status_code == 302
    return browser


def test_daniel_signs_in_and_sees_his_own_page_and_no_ones_children(app, demo):
    app.config["LANGUAGES"] = ("en", "es")  # what the demo district offers (config.LANGUAGES)
    daniel = sign_in_daniel(app)
    start = daniel.get("/children").get_data(as_text=True)
    # His pages are in Spanish, his family's language, until he changes it on Account.
    assert "Mis expedientes escolares" in start and "Daniel Ortiz" in start
    assert "Mis hijos" not in start and "My children" not in start
    for other in ("Mateo", "Sofia", "Ava", "Olivia", "Lucas"):
        assert other not in start, other
    page = f"/students/{demo.students['daniel']}"
    own = daniel.get(page)
    assert own.status_code == 200 and "Daniel Ortiz" in own.get_data(as_text=True)
    assert daniel.get(f"{page}/records-requests/new").status_code == 200
    for other in ("mateo", "sofia", "ava", "olivia", "lucas"):
        assert daniel.get(f"/students/{demo.students[other]}").status_code == 404, other


def test_rosas_link_no_longer_decides_nor_sees(ctx, demo):
    daniel = db.session.get(Student, demo.students["daniel"])
    assert daniel.eligible_on is not None and not daniel.tax_dependent
    rosa = db.session.get(Guardian, demo.guardians["rosa"])
    assert rosa.preferred_language == "es"
    links = select(GuardianLink.id).where(
        GuardianLink.guardian_id == rosa.id, GuardianLink.student_id == daniel.id
    )
    assert db.session.scalars(links).all(), "the roster still names her his parent"
    assert db.session.scalars(links.where(deciding_link())).all() == []
    assert db.session.scalars(links.where(seeing_link())).all() == []
    # The rights are his own link's now.
    own = select(GuardianLink.guardian_id).where(
        GuardianLink.student_id == daniel.id, deciding_link()
    )
    assert db.session.scalars(own).all() == [demo.guardians["daniel"]]
