"""A family and a class made with tests/factories.py work like the demo district's: the parent
and the teacher sign in through the real form, and each finds the child and the class's tool."""

from consent.demo.operations import DEMO_PASSWORD
from consent.extensions import db
from tests import factories
from tests.support import Browser, sign_in_client


def signed_in(app, email: str) -> Browser:
    browser = Browser(app.test_client())
    answer = sign_in_client(browser.client, email, DEMO_PASSWORD)
    assert answer.status_code == 302, f"{email} could not sign in"
    return browser


def test_a_family_and_a_class_from_the_factories_sign_in_and_see_their_child(app):
    with app.app_context():
        teacher = factories.staff()
        room = factories.section(teachers=[teacher])
        parent = factories.guardian()
        child = factories.student(
            sections=[room], guardians=[parent], given_name="Kai", family_name="Factory"
        )
        factories.tool_use(factories.tool(name="Factory Notes"), section=room)
        factories.account(parent)
        factories.account(teacher)
        db.session.commit()
        child_id, room_id = child.id, room.id
        emails = {"parent": parent.email, "teacher": teacher.email}

    family = signed_in(app, emails["parent"])
    assert "Kai Factory" in family.get("/children").get_data(as_text=True)
    assert "Factory Notes" in family.get(f"/students/{child_id}").get_data(as_text=True)

    teacher = signed_in(app, emails["teacher"])
    assert "Factory Notes" in teacher.get(f"/sections/{room_id}/tools").get_data(as_text=True)
    child_page = teacher.get(f"/students/{child_id}").get_data(as_text=True)
    assert "Kai Factory" in child_page and "Factory Notes" in child_page
