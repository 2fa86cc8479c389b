"""Access probes for the consent-form pages: every demo persona (and an anonymous visitor)
against own, same-school and other-school students, a missing student and a missing form.

The expected answer comes from the demo district's own relationships, never from
consent.access: a guardian reaches the answer page of their own children (and may post to it
only with FERPA rights); a principal the staff entry of their school's students; the privacy
office every student; teachers none. A forbidden probe answers 404 exactly like a missing
record, changes nothing, and - when it got past the role gate - leaves an `access.denied` row.
POSTs carry no answer, so an allowed one changes nothing either.
"""

import pytest
from sqlalchemy import func, select, text

from consent.consentforms.models import ConsentAnswerEvent
from consent.demo.operations import GUARDIANS, STAFF, STUDENTS
from consent.extensions import db
from consent.roster.models import StaffRole
from tests.support import PERSONAS, Browser

MISSING = 987_654
PROBED = ["sofia", "mateo", "ava", "olivia", "liam", None]
ANONYMOUS = "anonymous"


def _role(persona):
    if persona in GUARDIANS:
        return "guardian"
    return STAFF[persona][3]


def _sees_as_guardian(persona, student):
    return any(s == student for s, _rel, _rights in GUARDIANS[persona][4])


def _files_for(persona, student):
    return any(s == student and rights for s, _rel, rights in GUARDIANS[persona][4])


def _staff_sees(persona, student):
    role = STAFF[persona][3]
    if role is StaffRole.PRIVACY_OFFICER:
        return True
    return role is StaffRole.PRINCIPAL and STUDENTS[student][3] == STAFF[persona][4]


def _denied_count() -> int:
    return db.session.scalar(
        text("SELECT count(*) FROM audit_event WHERE action = 'access.denied'")
    )


@pytest.mark.long
def test_every_persona_reaches_exactly_the_forms_the_rule_allows(app, demo, make_form):
    form_id = make_form()
    with app.app_context():  # the demo's own answers (Olivia's directory refusal)
        demo_answers = db.session.scalar(select(func.count()).select_from(ConsentAnswerEvent))
    clients = {}
    for persona in PERSONAS:
        clients[persona] = Browser(app.test_client())
        clients[persona].sign_in(persona)
    clients[ANONYMOUS] = Browser(app.test_client())
    token_page = {p: ("/forms" if p in GUARDIANS else "/inbox") for p in PERSONAS}

    failures, probes = [], 0
    for persona, client in clients.items():
        for student in PROBED:
            student_id = demo.students[student] if student else MISSING
            for form in (form_id, MISSING):
                urls = [
                    ("guardian", f"/forms/{form}/students/{student_id}"),
                    ("lead", f"/consent-forms/{form}/students/{student_id}/entry"),
                ]
                for kind, url in urls:
                    for method in ("GET", "POST"):
                        probes += 1
                        expected, gated = _expect(persona, kind, student, form, form_id, method)
                        with app.app_context():
                            before = _denied_count()
                        if persona == ANONYMOUS:
                            answer = client.client.open(url, method=method)
                        elif method == "POST":
                            answer = client.post(url, {}, token_from=token_page[persona])
                        else:
                            answer = client.get(url)
                        with app.app_context():
                            after = _denied_count()
                        got = answer.status_code
                        label = f"{persona} {method} {url}"
                        if expected == "signin" and method == "POST":
                            if got != 400:  # no session, so no CSRF token: refused first
                                failures.append(f"{label}: {got}, expected 400")
                        elif expected == "signin":
                            if got != 302 or "/signin" not in answer.headers["Location"]:
                                failures.append(f"{label}: {got}, expected sign-in")
                        elif expected == "ok":
                            if got != 200:
                                failures.append(f"{label}: {got}, expected 200")
                        else:
                            if got != 404:
                                failures.append(f"{label}: {got}, expected 404 (LEAK?)")
                            if gated and after != before + 1:
                                failures.append(f"{label}: no access.denied audit row")
    with app.app_context():
        answers = db.session.scalar(select(func.count()).select_from(ConsentAnswerEvent))
    assert answers == demo_answers, "a probe saved an answer"
    assert probes >= 400
    assert not failures, "\n".join(failures)


def _expect(persona, kind, student, form, form_id, method):
    """('signin'|'ok'|'404', whether the refusal is past the role gate and must be audited)."""
    if persona == ANONYMOUS:
        return "signin", False
    role = _role(persona)
    if kind == "guardian":
        if role != "guardian":
            return "404", False
        sees = student is not None and _sees_as_guardian(persona, student)
        if not sees or form != form_id:
            return "404", True
        if method == "POST" and not _files_for(persona, student):
            return "404", True
        return "ok", False
    if role not in (StaffRole.PRINCIPAL, StaffRole.PRIVACY_OFFICER):
        return "404", False
    if form != form_id:
        return "404", True
    if student is None or not _staff_sees(persona, student):
        return "404", True
    return "ok", False


def test_staff_lists_name_only_students_the_person_may_see(app, demo, as_, make_form):
    form_id = make_form()
    names = {key: f"{spec[0]} {spec[1]}" for key, spec in STUDENTS.items()}
    for persona in ("brooks", "reed", "lee"):
        page = as_(persona).get(f"/consent-forms/{form_id}/students").get_data(as_text=True)
        for student, name in names.items():
            assert (name in page) == _staff_sees(persona, student), f"{persona}: {name}"
    for persona in ("maria", "james"):
        page = as_(persona).get("/forms").get_data(as_text=True)
        for student, name in names.items():
            assert (name in page) == _sees_as_guardian(persona, student), f"{persona}: {name}"
    assert as_("johnson").get(f"/consent-forms/{form_id}/students").status_code == 404
