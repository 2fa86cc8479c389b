"""API v1 by token: who gets in (401 with no detail otherwise), what each scope and school
reads (404 outside it, audited), paging by cursor, `updated_since`, the exclusion list against
the demo district, and an audit row naming the integration for every call."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from consent.accounts.models import Account
from consent.api.schemas import StudentChoices, StudentsPage
from consent.audit.models import AuditEvent
from consent.catalog.models import ToolUse, UseScope
from consent.consentforms.models import ConsentAnswer
from consent.core import clock
from consent.demo.operations import STUDENTS as DEMO_STUDENTS
from consent.extensions import db
from consent.integrations.models import IntegrationToken
from consent.integrations.operations import revoke_token
from consent.optouts.models import OptOut
from consent.optouts.operations import withdraw
from tests.api.conftest import EVERY_SCOPE

STUDENTS = "/api/v1/students"
PROBLEM = "application/problem+json"


def _rows(app, action=None):
    with app.app_context():
        query = select(AuditEvent.action, AuditEvent.actor_role, AuditEvent.target).where(
            AuditEvent.actor_role == "integration"
        )
        if action:
            query = query.where(AuditEvent.action == action)
        return db.session.execute(query.order_by(AuditEvent.id)).all()


def _all_students(api, secret, **params) -> list[dict]:
    """Every page, following the cursor."""
    found, cursor = [], None
    while True:
        answer = api(secret).get(STUDENTS, **params, **({"cursor": cursor} if cursor else {}))
        assert answer.status_code == 200, answer.get_data(as_text=True)
        body = answer.get_json()
        found.extend(body["students"])
        cursor = body["next_cursor"]
        if cursor is None:
            return found


def _assert_unauthorized(answer):
    assert answer.status_code == 401
    assert answer.mimetype == PROBLEM
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    body = answer.get_json()
    assert body["title"] == "Unauthorized" and "detail" not in body


def test_wrong_expired_and_revoked_tokens_get_401_without_detail(app, api, make_token):
    secret = make_token()
    mark, prefix, rest = secret.split("_", 2)
    assert api(secret).get(STUDENTS).status_code == 200
    for wrong in (
        None,
        "",
        "not-a-token",
        f"{mark}_{prefix}_{rest[:-1]}x" if rest[-1] != "x" else f"{mark}_{prefix}_{rest[:-1]}y",
        f"{mark}_ffffffffffff_{rest}",
        f"other_{prefix}_{rest}",
    ):
        _assert_unauthorized(api(wrong).get(STUDENTS))
    # The token's value, typed as Basic or with no scheme, is not a bearer token either.
    client = app.test_client()
    _assert_unauthorized(client.get(STUDENTS, headers={"Authorization": secret}))
    # Expired: the day after its last day.
    with clock.at(clock.now() + timedelta(days=31)):
        _assert_unauthorized(api(secret).get(STUDENTS))
    with app.app_context():
        office = db.session.scalar(select(Account).where(Account.email.startswith("privacy@")))
        revoke_token(actor=office, token=db.session.scalar(select(IntegrationToken)))
        db.session.commit()
    _assert_unauthorized(api(secret).get(STUDENTS))
    assert _rows(app, "api.students") == [("api.students", "integration", "integration:1 SIS")]


def test_only_the_hash_is_kept(app, make_token):
    secret = make_token()
    with app.app_context():
        token = db.session.scalar(select(IntegrationToken))
        stored = [str(value) for value in token.__dict__.values()]
    assert all(secret not in value for value in stored)
    assert token.secret_hash != secret and len(token.secret_hash) == 64


def test_a_scope_outside_the_token_is_404_and_audited(app, api, make_token, demo):
    secret = make_token(scopes=["catalog:read"], name="Catalog mirror")
    flip = demo.tools["flip"]
    for url in (
        STUDENTS,
        f"{STUDENTS}/{demo.students['sofia']}",
        f"/api/v1/tools/{flip}/exclusions",
    ):
        answer = api(secret).get(url)
        assert answer.status_code == 404 and answer.mimetype == PROBLEM, url
    denied = _rows(app, "access.denied")
    assert len(denied) == 3
    assert all(target.startswith("integration:1 Catalog mirror") for _a, _r, target in denied)
    assert api(secret).get("/api/v1/tools").status_code == 200


def test_a_token_for_opt_outs_reads_no_answers(api, make_token, demo):
    secret = make_token(scopes=["optouts:read"])
    students = _all_students(api, secret)
    assert students and all(s["consent_answers"] is None for s in students)
    assert all(s["optouts"] for s in students)


@pytest.mark.parametrize("school", ["oakwood", "riverside", None])
def test_a_school_token_never_sees_another_schools_students(app, api, make_token, demo, school):
    """Probes: every demo student by id, the list, a school filter, an exclusion list."""
    secret = make_token(school=school)
    own = {
        key
        for key, (_g, _f, _grade, at, _sections) in DEMO_STUDENTS.items()
        if school is None or at == school
    }
    for key, student_id in demo.students.items():
        answer = api(secret).get(f"{STUDENTS}/{student_id}")
        if key in own:
            assert answer.status_code == 200, key
            assert answer.get_json()["id"] == student_id
        else:
            assert answer.status_code == 404, key
            assert answer.mimetype == PROBLEM
            assert "Sofia" not in answer.get_data(as_text=True)
    assert api(secret).get(f"{STUDENTS}/987654").status_code == 404
    listed = {s["id"] for s in _all_students(api, secret)}
    assert listed and listed <= {demo.students[key] for key in own}
    for other, school_id in demo.schools.items():
        answer = api(secret).get(STUDENTS, school=school_id)
        expected = 200 if school in (None, other) else 404
        assert answer.status_code == expected, other
        answer = api(secret).get(f"/api/v1/tools/{demo.tools['flip']}/exclusions", school=school_id)
        assert answer.status_code == expected, other
    excluded = api(secret).get(f"/api/v1/tools/{demo.tools['flip']}/exclusions").get_json()
    assert {s["student_id"] for s in excluded["students"]} <= {demo.students[k] for k in own}


def test_cursor_paging_walks_every_student_once(api, make_token):
    secret = make_token()
    whole = api(secret).get(STUDENTS, limit=500).get_json()
    assert whole["next_cursor"] is None
    paged = _all_students(api, secret, limit=1)
    assert [s["id"] for s in paged] == [s["id"] for s in whole["students"]]
    assert len(paged) >= 3 and len({s["id"] for s in paged}) == len(paged)
    first = api(secret).get(STUDENTS, limit=2).get_json()
    assert len(first["students"]) == 2 and first["next_cursor"]
    # A cursor the API did not give out, or one of another list, is a 400 problem.
    for bad in ("garbage!", "e30", first["next_cursor"][:-2] + "zz"):
        answer = api(secret).get(STUDENTS, cursor=bad)
        assert answer.status_code == 400 and answer.mimetype == PROBLEM, bad
    tools_cursor = api(secret).get("/api/v1/tools", limit=1).get_json()["next_cursor"]
    assert api(secret).get(STUDENTS, cursor=tools_cursor).status_code == 400


def test_invalid_parameters_are_400_problems(api, make_token, demo):
    secret = make_token()
    for params in (
        {"limit": 0},
        {"limit": 501},
        {"limit": "x"},
        {"updated_since": "yesterday"},
        {"updated_since": "2026-12-01T00:00:00"},  # no time zone: which midnight?
        {"limit": ["1", "2"]},  # one value, not a list
    ):
        answer = api(secret).get(STUDENTS, **params)
        assert answer.status_code == 400 and answer.mimetype == PROBLEM, params
        assert answer.get_json()["errors"]
    answer = api(secret).get(f"/api/v1/tools/{demo.tools['flip']}/exclusions", as_of="soon")
    assert answer.status_code == 400 and answer.mimetype == PROBLEM


def test_a_page_is_written_exactly_as_its_models_would_write_it(app, api, make_token, demo):
    """The page is written from the rows, not through pydantic: read back through its models it
    is unchanged (no field missing or extra, each typed, each instant written as pydantic writes
    it), and every opt-out and answer carries its stored instant, to the microsecond."""
    secret = make_token()
    for params in ({}, {"tool": demo.tools["flip"]}, {"school": demo.schools["oakwood"]}):
        answer = api(secret).get(STUDENTS, limit=500, **params)
        assert answer.status_code == 200 and answer.mimetype == "application/json"
        body = answer.get_json()
        again = StudentsPage.model_validate_json(answer.get_data()).model_dump(mode="json")
        assert body == again, params
    body = api(secret).get(STUDENTS, limit=500).get_json()
    for listed in body["students"]:  # one student's answer is written the same way
        answer = api(secret).get(f"{STUDENTS}/{listed['id']}")
        assert answer.status_code == 200 and answer.mimetype == "application/json"
        again = StudentChoices.model_validate_json(answer.get_data()).model_dump(mode="json")
        assert answer.get_json() == again == listed
    optouts = [o for s in body["students"] for o in s["optouts"]]
    answers = [(s["id"], a) for s in body["students"] for a in s["consent_answers"]]
    assert optouts and answers
    assert any(o["feature"] for o in optouts) and any(o["feature"] is None for o in optouts)
    with app.app_context():
        for listed in optouts:
            stored = db.session.get(OptOut, listed["id"])
            assert datetime.fromisoformat(listed["filed_at"]) == stored.filed_at
            assert listed["status"] == stored.status.value
            assert datetime.fromisoformat(listed["updated_at"]) >= stored.filed_at
        for student_id, listed in answers:
            stored = db.session.scalar(
                select(ConsentAnswer).where(
                    ConsentAnswer.student_id == student_id,
                    ConsentAnswer.form_id == listed["form_id"],
                )
            )
            assert datetime.fromisoformat(listed["answered_at"]) == stored.answered_at
            assert listed["answer"] == stored.answer.value


def test_updated_since_lists_who_changed_even_a_withdrawal(app, api, make_token, demo):
    secret = make_token()
    since = clock.now() + timedelta(minutes=1)
    assert _all_students(api, secret, updated_since=since.isoformat()) == []
    with app.app_context(), clock.at(since + timedelta(minutes=1)):
        maria = db.session.scalar(select(Account).where(Account.email.startswith("maria")))
        sofia_video = db.session.scalar(
            select(OptOut).where(OptOut.student_id == demo.students["sofia"])
        )
        assert withdraw(actor=maria, optout=sofia_video)
        db.session.commit()
    changed = _all_students(api, secret, updated_since=since.isoformat())
    assert [s["id"] for s in changed] == [demo.students["sofia"]]
    assert changed[0]["optouts"] == []  # withdrawn: in effect no more
    later = since + timedelta(minutes=5)
    assert _all_students(api, secret, updated_since=later.isoformat()) == []
    # Without it, Sofia has nothing in effect and is not listed.
    assert demo.students["sofia"] not in {s["id"] for s in _all_students(api, secret)}


def test_the_exclusion_list_follows_the_demo(app, api, make_token, demo):
    """Flip needs consent at Riverside (English 7): Mateo said yes; Lucas's father said no (and
    an opt-out followed); Olivia, Amélie and Mia have no answer on an opt-in form. Olivia also
    opted out of Flip's video. Zoom: Mateo asked for no recording, Sofia for no camera."""
    secret = make_token()
    s = demo.students
    answer = api(secret).get(f"/api/v1/tools/{demo.tools['flip']}/exclusions")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert answer.is_streamed  # written while it is read, never held whole in memory
    body = answer.get_json()
    assert body["as_of"] == clock.today().isoformat()
    by_id = {row["student_id"]: row for row in body["students"]}
    assert set(by_id) == {s["olivia"], s["amelia"], s["lucas"], s["mia"]}
    assert by_id[s["lucas"]]["reasons"] == ["consent_refused", "opted_out"]
    assert by_id[s["amelia"]]["reasons"] == ["no_consent"]
    assert by_id[s["olivia"]]["features_off"] == ["video"]
    assert all(row["do_not_roster"] for row in by_id.values())

    zoom = api(secret).get(f"/api/v1/tools/{demo.tools['zoom']}/exclusions").get_json()
    rows = {row["student_id"]: row for row in zoom["students"]}
    assert rows[s["mateo"]]["features_off"] == ["recording"]
    assert rows[s["sofia"]]["features_off"] == ["video"]
    assert not any(row["do_not_roster"] for row in rows.values())
    # A month ago nobody had asked yet.
    earlier = (clock.today() - timedelta(days=30)).isoformat()
    zoom = api(secret).get(f"/api/v1/tools/{demo.tools['zoom']}/exclusions", as_of=earlier)
    assert zoom.get_json()["students"] == []
    assert api(secret).get("/api/v1/tools/987654/exclusions").status_code == 404


def test_every_call_is_audited_naming_the_integration(app, api, make_token, demo, as_):
    secret = make_token(name="LMS")
    api(secret).get(STUDENTS)
    api(secret).get(f"{STUDENTS}/{demo.students['sofia']}")
    api(secret).get(f"/api/v1/tools/{demo.tools['zoom']}/exclusions").get_data()
    api(secret).get("/api/v1/tools")
    api(secret).get(f"/api/v1/tools/{demo.tools['zoom']}")
    assert [row.action for row in _rows(app)] == [
        "api.students",
        "api.student",
        "api.exclusions",
        "api.catalog",
        "api.catalog",
    ]
    assert {row.target for row in _rows(app)} == {"integration:1 LMS"}
    # The office reads them in words on the audit log.
    log = as_("lee").get("/audit").get_data(as_text=True)
    assert "A district system read students&#39; choices through the API" in log
    assert "A district system, with its integration token" in log
    assert "integration:1 LMS" in log


def test_the_api_uses_no_session_and_no_csrf(app, api, make_token, as_):
    secret = make_token()
    answer = api(secret).get(STUDENTS)
    assert "Set-Cookie" not in answer.headers
    # A signed-in office session is no way in: only the bearer token is.
    lee = as_("lee")
    _assert_unauthorized(lee.get(STUDENTS))
    # Writes do not exist; a POST is refused as a method, not as a forged form.
    answer = api(secret).client.post(STUDENTS, headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code == 405 and answer.mimetype == PROBLEM
    assert app.test_client().get("/api/v1/nothing-here").mimetype == PROBLEM


def test_the_openapi_document_is_generated_and_covers_every_route(app, api):
    answer = api(None).get("/api/v1/openapi.json")
    assert answer.status_code == 200
    document = answer.get_json()
    assert document["openapi"] == "3.1.0"
    routes = {
        rule.rule.replace("<int:", "{").replace(">", "}")
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi"
    }
    assert set(document["paths"]) == routes
    for path, operations in document["paths"].items():
        for operation in operations.values():
            assert "401" in operation["responses"], path
            assert PROBLEM in operation["responses"]["401"]["content"], path
    assert document["security"] == [{"bearerToken": []}]
    assert document["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"


@pytest.mark.parametrize("scopes", [EVERY_SCOPE])
def test_district_token_sees_every_school(api, make_token, demo, scopes):
    secret = make_token(scopes=scopes)
    schools = {s["school_id"] for s in _all_students(api, secret)}
    assert schools >= {demo.schools["oakwood"], demo.schools["riverside"]}


def test_a_consent_tool_no_form_asked_for_excludes_the_whole_school(app, api, make_token, demo):
    """Flip needs each parent's consent and its form asks Riverside only: used school-wide at
    Oakwood too, every Oakwood student is excluded (nobody could say yes); Riverside's list is
    unchanged."""
    secret = make_token()
    url = f"/api/v1/tools/{demo.tools['flip']}/exclusions"
    before = api(secret).get(url).get_json()["students"]
    with app.app_context():
        db.session.add(
            ToolUse(
                tool_id=demo.tools["flip"],
                scope=UseScope.SCHOOL,
                school_id=demo.schools["oakwood"],
                starts_on=clock.today() - timedelta(days=3),
            )
        )
        db.session.commit()
    rows = api(secret).get(url).get_json()["students"]
    oakwood = {demo.students[key] for key, spec in DEMO_STUDENTS.items() if spec[3] == "oakwood"}
    added = [row for row in rows if row not in before]
    assert {row["student_id"] for row in added} == oakwood
    assert all(row["reasons"] == ["no_consent_form"] and row["do_not_roster"] for row in added)
    assert [row for row in rows if row["school_id"] != demo.schools["oakwood"]] == before
