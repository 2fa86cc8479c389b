"""Roster checks through the API: a district system posts a vendor's export with a token that
holds the "submit roster checks" scope; a school token checks its own school's students only.
Without the scope, or for a missing tool, the answer is 404 (audited); a bad file is 400 and
nothing is kept; every check is audited naming the integration."""

import io

from sqlalchemy import func, select

from consent.audit.models import AuditEvent
from consent.enforcement.models import RosterCheck
from consent.extensions import db
from consent.integrations.models import Scope
from consent.optouts.models import Event
from tests.enforcement.exports import identifier_csv, oneroster_zip

PROBLEM = "application/problem+json"
CHECKS = Scope.ROSTER_CHECKS.value


def post(app, secret, tool_id, content: bytes, name: str = "roster.csv", **fields):
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return app.test_client().post(
        f"/api/v1/tools/{tool_id}/roster-checks",
        data={"file": (io.BytesIO(content), name), **fields},
        content_type="multipart/form-data",
        headers=headers,
    )


def mateo_number(app) -> str:
    from consent.roster.models import Student

    with app.app_context():
        return db.session.scalar(
            select(Student.district_identifier).where(Student.sourced_id == "student-mateo")
        )


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_district_system_submits_an_export_and_reads_the_summary(app, demo, make_token):
    secret = make_token(scopes=[CHECKS], name="Rostering hub")
    khan, riverside = demo.tools["khan"], demo.schools["riverside"]
    answer = post(app, secret, khan, identifier_csv(mateo_number(app), "S999999"), vendor="KA")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert {k: body[k] for k in ("tool_id", "vendor", "format", "school_id")} == {
        "tool_id": khan,
        "vendor": "KA",
        "format": "identifiers",
        "school_id": None,
    }
    assert (body["listed"], body["excluded"], body["still_present"], body["not_present"]) == (
        2,
        1,
        1,
        0,
    )
    assert body["requests_told"] == 1
    assert body["still_present_by_school"] == [{"school_id": riverside, "still_present": 1}]
    with app.app_context():
        line = db.session.scalar(
            select(Event)
            .where(Event.optout_id == demo.optouts["in_progress"])
            .order_by(Event.id.desc())
        )
        assert (line.kind.value, line.actor_role, line.note) == (
            "roster_still_present",
            "system",
            "KA",
        )
        check = db.session.get(RosterCheck, body["id"])
        assert check.submitted_by_account_id is None and check.integration_token_id is not None
        rows = db.session.execute(
            select(AuditEvent.action, AuditEvent.target).where(
                AuditEvent.actor_role == "integration"
            )
        ).all()
    assert [(a, t) for a, t in rows] == [("api.roster_check", "integration:1 Rostering hub")]


def test_a_school_token_checks_only_its_school(app, demo, make_token):
    khan = demo.tools["khan"]
    export = oneroster_zip([("student-mateo", "")])
    oakwood = post(app, make_token(scopes=[CHECKS], school="oakwood"), khan, export, "r.zip")
    assert oakwood.status_code == 200, oakwood.get_data(as_text=True)
    body = oakwood.get_json()
    # Mateo is at Riverside: not this token's student, so not looked for (and not named).
    assert (body["school_id"], body["excluded"], body["still_present"]) == (
        demo.schools["oakwood"],
        0,
        0,
    )
    assert body["requests_told"] == 0
    riverside = post(app, make_token(scopes=[CHECKS], school="riverside"), khan, export, "r.zip")
    assert riverside.get_json()["still_present"] == 1


def test_without_the_scope_or_for_a_missing_tool_the_answer_is_404(app, demo, make_token):
    readonly = make_token(scopes=[s.value for s in Scope if s is not Scope.ROSTER_CHECKS])
    khan = demo.tools["khan"]
    answer = post(app, readonly, khan, identifier_csv(mateo_number(app)))
    assert answer.status_code == 404 and answer.mimetype == PROBLEM
    assert post(app, make_token(scopes=[CHECKS]), 987654, identifier_csv("S1")).status_code == 404
    assert post(app, None, khan, identifier_csv("S1")).status_code == 401
    assert count(app, RosterCheck) == 0
    with app.app_context():
        denied = db.session.scalars(
            select(AuditEvent.target)
            .where(AuditEvent.action == "access.denied")
            .order_by(AuditEvent.id)
        ).all()
    assert denied == [f"integration:1 SIS roster_checks:{khan}", "integration:2 SIS tool:987654"]


def test_a_bad_file_or_no_file_is_400_and_nothing_is_kept(app, demo, make_token):
    secret = make_token(scopes=[CHECKS])
    khan = demo.tools["khan"]
    answer = post(app, secret, khan, b"name,grade\nAna,7\n")
    assert answer.status_code == 400 and answer.mimetype == PROBLEM
    assert "is neither a OneRoster users.csv" in answer.get_json()["detail"]
    json_body = app.test_client().post(
        f"/api/v1/tools/{khan}/roster-checks",
        json={"file": "S1"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert json_body.status_code == 400 and json_body.mimetype == PROBLEM
    long_vendor = post(app, secret, khan, identifier_csv("S1"), vendor="V" * 121)
    assert long_vendor.status_code == 400
    assert count(app, RosterCheck) == 0
    assert count(app, Event, Event.kind.in_(["roster_not_present", "roster_still_present"])) == 0
