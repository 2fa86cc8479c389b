"""Access probes for the do-not-release list and its CSV: every persona, anonymous, own and
other school, and a school that does not exist. Principals list their own school only; the
privacy office the district or any school; everyone else meets a missing page, audited."""

import pytest
from sqlalchemy import func, select

from consent.audit.models import AuditEvent
from consent.demo.operations import STAFF
from consent.extensions import db
from consent.roster.models import StaffRole
from tests.access.test_probes import ANONYMOUS, MISSING, PERSONAS

SCHOOL_OF = {"brooks": "oakwood", "reed": "riverside"}


def expected(persona: str, school: str | None) -> int:
    """200 when the rule allows, 404 otherwise (302 to sign in for an anonymous visitor)."""
    if persona == ANONYMOUS:
        return 302
    role = STAFF[persona][3] if persona in STAFF else None
    if role is StaffRole.PRIVACY_OFFICER:
        return 404 if school == "missing" else 200
    if role is StaffRole.PRINCIPAL:
        return 200 if school in (None, SCHOOL_OF[persona]) else 404
    return 404


def _denied(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "access.denied")
        )


@pytest.mark.parametrize("persona", [*PERSONAS, ANONYMOUS])
def test_the_do_not_release_list_reaches_exactly_whom_the_rule_allows(app, demo, as_, persona):
    client = app.test_client() if persona == ANONYMOUS else as_(persona)
    problems = []
    for school in (None, "oakwood", "riverside", "missing"):
        if school is None:
            query = ""
        else:
            query = f"?school={demo.schools[school] if school != 'missing' else MISSING}"
        for path in ("/do-not-release", "/do-not-release.csv"):
            before = _denied(app)
            answer = client.get(path + query)
            answer.get_data()  # a streamed download holds its request until read
            want = expected(persona, school)
            if answer.status_code != want:
                problems.append(f"{persona} {path}{query}: {answer.status_code}, not {want}")
            if want == 404 and _denied(app) != before + 1:
                problems.append(f"{persona} {path}{query}: refusal not audited")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("persona", [*PERSONAS, ANONYMOUS])
def test_the_list_by_day_and_page_reaches_exactly_whom_the_rule_allows(app, demo, as_, persona):
    """The same rule holds for a chosen day and a later page of the list."""
    client = app.test_client() if persona == ANONYMOUS else as_(persona)
    problems = []
    for query in ("?day=2026-09-01&page=2", "?page=999", f"?school={MISSING}&page=2"):
        school = "missing" if "school=" in query else None
        want = expected(persona, school)
        for path in ("/do-not-release", "/do-not-release.csv"):
            answer = client.get(path + query)
            answer.get_data()
            if answer.status_code != want:
                problems.append(f"{persona} {path}{query}: {answer.status_code}, not {want}")
    assert not problems, "\n".join(problems)


# Flip's consent form (Riverside): whose answer page the tool card links to, and who may open
# it. Only a guardian linked to the child reaches it (a relative reads, a rights holder answers).
LINKED = {"maria": {"mateo"}, "luis": {"mateo"}, "patricia": {"olivia"}}
FLIP_CHILDREN = ["mateo", "olivia", "lucas", "sofia"]


def _flip_form(app) -> int:
    from consent.consentforms.models import ConsentForm

    with app.app_context():
        return db.session.scalar(
            select(ConsentForm.id).where(ConsentForm.title == "Consent for Flip in English 7")
        )


@pytest.mark.parametrize("persona", [*PERSONAS, ANONYMOUS])
def test_the_tool_cards_answer_page_reaches_exactly_the_childs_guardians(app, demo, as_, persona):
    from consent.consentforms.models import ConsentAnswerEvent

    form_id = _flip_form(app)
    client = app.test_client() if persona == ANONYMOUS else as_(persona)
    problems = []
    for child in [*FLIP_CHILDREN, None]:
        student = demo.students[child] if child else MISSING
        url = f"/forms/{form_id}/students/{student}"
        if persona == ANONYMOUS:
            want = 302
        else:
            # Sofia attends Oakwood: the Riverside form is not hers, even for her parents.
            want = 200 if child in LINKED.get(persona, set()) and child != "sofia" else 404
        answer = client.get(url)
        if answer.status_code != want:
            problems.append(f"{persona} GET {url}: {answer.status_code}, not {want}")
        if want != 200:
            with app.app_context():
                before = db.session.scalar(select(func.count()).select_from(ConsentAnswerEvent))
            if persona == ANONYMOUS:
                posted = client.post(url, data={"answer": "refused"})
            else:  # a real token, from a page the person may open
                posted = client.post(url, {"answer": "refused"}, token_from="/rights")
            allowed = (302, 400) if persona == ANONYMOUS else (404,)  # 400: no token, no session
            if posted.status_code not in allowed:
                problems.append(f"{persona} POST {url}: {posted.status_code}")
            with app.app_context():
                after = db.session.scalar(select(func.count()).select_from(ConsentAnswerEvent))
            if after != before:
                problems.append(f"{persona} POST {url}: an answer was saved")
    assert not problems, "\n".join(problems)
