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
