"""Access probes for the translation pages: only the privacy office reaches them; everyone else
gets the 404 of a missing page, changes nothing, and leaves an `access.denied` row; an
anonymous visitor is sent to sign in. Missing tools and forms, and languages the district does
not offer, answer 404 to the office too."""

import re
from types import SimpleNamespace

from sqlalchemy import select, text

from consent.consentforms.models import ConsentForm
from consent.extensions import db
from tests.access.test_probes import ANONYMOUS, MISSING, PERSONAS, Client, Oracle, normalised

OFFICE = {"lee"}
STATE_SQL = "SELECT (SELECT COUNT(*) FROM district_text), (SELECT COUNT(*) FROM tool_revision)"


def flip_form_id(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(ConsentForm.id).where(ConsentForm.title == "Consent for Flip in English 7")
        )


def plain(body: str) -> str:
    """The page without what differs per request (references in any language, the menu's
    mark on the current page)."""
    body = normalised(body).replace(' aria-current="page"', "")
    return re.sub(r"\b[0-9a-f]{16}\b", "-", body)


def probes(demo, form_id: int) -> list[tuple[str, str, dict, bool]]:
    """(method, url, data, exists): `exists` is False where even the office gets a 404."""
    zoom = demo.tools["zoom"]
    purpose = {f"t_tool_{zoom}_purpose": "Sondeo"}
    title = {f"t_consent_form_{form_id}_title": "Sondeo"}
    found = [
        ("GET", f"/tools/{zoom}/translations/es", {}, True),
        ("POST", f"/tools/{zoom}/translations/es", purpose, True),
        ("GET", f"/consent-forms/{form_id}/translations/es", {}, True),
        ("POST", f"/consent-forms/{form_id}/translations/es", title, True),
        ("GET", "/translations", {}, True),
        ("GET", "/translations?language=es&page=2", {}, True),
    ]
    missing = [
        ("GET", f"/tools/{MISSING}/translations/es", {}, False),
        ("POST", f"/tools/{MISSING}/translations/es", {}, False),
        ("GET", f"/tools/{zoom}/translations/en", {}, False),  # the default is no translation
        ("GET", f"/tools/{zoom}/translations/fr", {}, False),
        ("GET", f"/consent-forms/{MISSING}/translations/es", {}, False),
        ("POST", f"/consent-forms/{form_id}/translations/fr", title, False),
        ("GET", "/translations?language=fr", {}, False),
    ]
    return found + missing


def test_only_the_privacy_office_reaches_the_translation_pages(app, demo):
    form_id = flip_form_id(app)
    clients = {persona: Client(app, persona) for persona in [*PERSONAS, ANONYMOUS]}
    missing_page = {
        persona: plain(client.client.get("/no-such-page").get_data(as_text=True))
        for persona, client in clients.items()
    }
    with app.app_context():
        conn = db.engine.connect()
    failures, run = [], 0
    try:
        for persona, client in clients.items():
            role = Oracle.role(persona)
            for method, url, data, exists in probes(demo, form_id):
                run += 1
                last = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM audit_event")).scalar()
                before = conn.execute(text(STATE_SQL)).one()
                conn.rollback()
                answer = client.send(SimpleNamespace(method=method, url=url, data=data))
                after = conn.execute(text(STATE_SQL)).one()
                actions = [
                    row[0]
                    for row in conn.execute(
                        text("SELECT action FROM audit_event WHERE id > :last"), {"last": last}
                    )
                ]
                conn.rollback()
                where = f"{persona:9} {method:4} {url}"
                status = answer.status_code
                if role is None:
                    location = answer.headers.get("Location", "")
                    if status != 302 or not location.split("?")[0].endswith("/signin"):
                        failures.append(f"{where}: anonymous got {status}, not /signin")
                    elif after != before:
                        failures.append(f"{where}: anonymous changed data")
                    continue
                if persona in OFFICE and exists:
                    if status not in (200, 302):
                        failures.append(f"{where}: office answered {status}")
                    continue
                if status != 404:
                    failures.append(f"{where}: LEAK - answered {status}, not 404")
                if after != before:
                    failures.append(f"{where}: a refused probe changed data")
                if persona not in OFFICE and "access.denied" not in actions:
                    failures.append(f"{where}: no access.denied audit row")
                if plain(answer.get_data(as_text=True)) != missing_page[persona]:
                    failures.append(f"{where}: not the page of a missing one")
    finally:
        conn.close()
    assert run >= 100
    assert not failures, f"{len(failures)} of {run} failed:\n" + "\n".join(failures[:40])
