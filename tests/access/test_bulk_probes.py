"""Access probes for the bulk actions: every persona and an anonymous visitor, against own,
same-school and other-school records, and ids that do not exist.

- /requests/confirm-many: principals (their school's requests) and the privacy office (any);
- /tools/<id>/close-requests: the privacy office only;
- /sections/<id>/forms and /sections/<id>/forms/<form>/answers: a teacher of the class, the
  principal of its school, the privacy office; only a published form.

The expected answer comes from the demo district's relationships (the Oracle of test_probes),
never from consent.access. A forbidden probe answers 404 like a missing record, changes
nothing, and leaves an `access.denied` audit row; an anonymous one is sent to sign in."""

import pytest
from sqlalchemy import text

from consent.accounts.models import Account
from consent.catalog.models import Tool, VettingStatus
from consent.consentforms import operations as forms
from consent.consentforms.models import FormKind, FormMode
from consent.core import clock
from consent.extensions import db
from tests.access.test_probes import (
    ANONYMOUS,
    LEADS,
    MISSING,
    OFFICE,
    PERSONAS,
    STAFF_ROLES,
    Client,
    Oracle,
    normalised,
)
from tests.support import PROBE_COUNTS

CHANGES_SQL = [
    "SELECT id, status, version FROM optout ORDER BY id",
    "SELECT COUNT(*) FROM event",
    "SELECT COUNT(*) FROM notification",
    "SELECT COUNT(*) FROM consent_answer_event",
]


def _state(app):
    with app.app_context():
        rows = [tuple(map(tuple, db.session.execute(text(sql)).all())) for sql in CHANGES_SQL]
        db.session.remove()
    return rows


def _denied(app) -> int:
    with app.app_context():
        found = db.session.scalar(
            text("SELECT COUNT(*) FROM audit_event WHERE action = 'access.denied'")
        )
        db.session.remove()
    return found


@pytest.fixture
def world(app, demo):
    """A retired tool (Nearpod), a published and a draft form, and the demo's records."""
    with app.app_context():
        db.session.get(Tool, demo.tools["nearpod"]).vetting_status = VettingStatus.RETIRED
        office = db.session.get(Account, demo.accounts["lee"])
        today = clock.today()
        made = {}
        for key, publish in (("published", True), ("draft", False)):
            form = forms.create_form(
                actor=office,
                school_year="2026-2027",
                kind=FormKind.DIRECTORY_INFORMATION,
                mode=FormMode.OPT_OUT,
                title=f"Probe form {key}",
                text="Probe text.",
                opens_on=today,
                closes_on=today,
            )
            if publish:
                forms.publish_form(actor=office, form=form)
            made[key] = form.id
        optout_students = dict(db.session.execute(text("SELECT id, student_id FROM optout")).all())
        db.session.commit()
        db.session.remove()
    return {"forms": made, "optout_students": optout_students}


def _probes(persona, oracle, demo, world):
    """(method, url, data, allowed) for the persona; allowed None = the role gate refuses."""
    role = oracle.role(persona)
    student_key = {v: k for k, v in demo.students.items()}
    out = []
    lead = role in LEADS
    out.append(("GET", "/requests/confirm-many", {}, lead))
    for optout_id in [*demo.optouts.values(), MISSING]:
        student = student_key.get(world["optout_students"].get(optout_id))
        sees = lead and oracle.sees(persona, student)
        # The review step changes nothing; the confirm step only for a request seen.
        out.append(("POST", "/requests/confirm-many", {"optouts": optout_id, "review": "1"}, sees))
        if not sees:
            out.append(
                ("POST", "/requests/confirm-many", {"optouts": optout_id, "confirm": "1"}, False)
            )
    office = role == OFFICE
    for tool in ("nearpod", "zoom", None):
        tool_id = demo.tools[tool] if tool else MISSING
        url = f"/tools/{tool_id}/close-requests"
        allowed = office and tool is not None
        out.append(("GET", url, {}, allowed))
        out.append(("POST", url, {"reason": "", "review": "1"}, allowed))
        if not allowed:
            out.append(("POST", url, {"reason": "Probe", "expected": "1", "close": "1"}, False))
    staff = role in STAFF_ROLES
    for section in [*demo.sections, None]:
        section_id = demo.sections[section] if section else MISSING
        sees = staff and oracle.sees_section(persona, section)
        out.append(("GET", f"/sections/{section_id}/forms", {}, sees))
        for form_key in ("published", "draft", None):
            form_id = world["forms"][form_key] if form_key else MISSING
            url = f"/sections/{section_id}/forms/{form_id}/answers"
            allowed = sees and form_key == "published"
            out.append(("GET", url, {}, allowed))
            # No rows: an allowed POST is refused by the operation and changes nothing.
            out.append(("POST", url, {}, allowed))
            if allowed:
                # A row for a student outside the class is a missing page, for anyone.
                outsider = demo.students["noah" if section != "room15" else "sofia"]
                out.append(
                    (
                        "POST",
                        url,
                        {"rows-0-student": outsider, "rows-0-answer": "granted"},
                        False,
                    )
                )
    return out


def test_every_bulk_url_answers_exactly_as_the_rule_allows(app, demo, world):
    oracle = Oracle()
    failures, probes = [], 0
    for persona in [*PERSONAS, ANONYMOUS]:
        client = Client(app, persona)
        missing_page = None  # the 404 page as this person sees it (their own menu)
        for method, url, data, allowed in _probes(persona, oracle, demo, world):
            probes += 1
            where = f"{persona:9} {method:4} {url} {data}"
            before_state = None if allowed else _state(app)
            before_denied = _denied(app)
            if method == "GET":
                answer = client.client.get(url)
            else:
                answer = client.client.post(url, data={"csrf_token": client.token, **data})
            status = answer.status_code
            if persona == ANONYMOUS:
                if status != 302 or "/signin" not in answer.headers.get("Location", ""):
                    failures.append(f"{where}: anonymous got {status}")
                continue
            if allowed:
                if status not in (200, 302):
                    failures.append(f"{where}: allowed but answered {status}")
                continue
            if status != 404:
                failures.append(f"{where}: LEAK - forbidden but answered {status}")
                continue
            if _state(app) != before_state:
                failures.append(f"{where}: forbidden probe changed data")
            if _denied(app) != before_denied + 1:
                failures.append(f"{where}: no access.denied audit row")
            body = normalised(answer.get_data(as_text=True))
            if missing_page is None:
                missing_page = body
            elif body != missing_page:
                failures.append(f"{where}: forbidden 404 differs from a missing record's")
    PROBE_COUNTS["bulk actions"] = probes
    assert not failures, f"{len(failures)} of {probes} probes failed:\n" + "\n".join(failures)
