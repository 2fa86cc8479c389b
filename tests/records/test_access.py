"""Access probes for every records and disclosure URL, for every persona and an anonymous
visitor, against requests and disclosures of children at both schools and against ids that do
not exist. The expected answer comes from the oracle of tests/access (the demo's own links,
schools and roles), never from consent.access: a forbidden probe answers exactly like a missing
record (404), changes nothing and leaves an `access.denied` row; an allowed staff read leaves
a `*.view` row naming the student."""

from sqlalchemy import text

from consent.accounts.models import Account
from consent.core import clock
from consent.extensions import db
from consent.records import operations as ops
from consent.records.models import DisclosureBasis, RequestKind
from consent.roster.models import Student
from tests.access.test_probes import (
    ANONYMOUS,
    GUARDIAN,
    LEADS,
    MISSING,
    OFFICE,
    PERSONAS,
    STAFF_ROLES,
    Client,
    Oracle,
    Probe,
    normalised,
)
from tests.support import PROBE_COUNTS

FILED = {"sofia": "maria", "mateo": "luis", "ava": "james", "olivia": "patricia"}
FAMILY_AND_LEADS = frozenset({GUARDIAN}) | LEADS  # teachers have no records pages
FAMILY = frozenset({GUARDIAN})
STATE_SQL = (
    "SELECT (SELECT COUNT(*) FROM records_request_event), (SELECT COUNT(*) FROM disclosure), "
    "(SELECT COUNT(*) FROM disagreement_statement), (SELECT COUNT(*) FROM notification), "
    "(SELECT COUNT(*) FROM records_request)"
)


def make_records(app, demo):
    """A request per child (two at one school, two at the other) and a disclosure for Ava
    and a hidden one for Olivia; returns {key: (id, student key)}."""
    made = {}
    with app.app_context():
        lee = db.session.get(Account, demo.accounts["lee"])
        for student, guardian in FILED.items():
            rr = ops.file_records_request(
                actor=db.session.get(Account, demo.accounts[guardian]),
                student=db.session.get(Student, demo.students[student]),
                kind=RequestKind.AMEND,
                record_description="Attendance",
                what_is_wrong="Wrong",
            )
            made[f"rr-{student}"] = (rr.id, student)
        for student, basis, seen in [
            ("ava", DisclosureBasis.TRANSFER, True),
            ("olivia", DisclosureBasis.COURT_ORDER, False),
        ]:
            found = ops.record_disclosure(
                actor=lee,
                student=db.session.get(Student, demo.students[student]),
                recipient="Another school",
                basis=basis,
                interest="Enrolment",
                records="Transcript",
                disclosed_on=clock.today().replace(day=1),
                family_may_see=seen,
            )
            made[f"d-{student}"] = (found.id, student)
        for student in ["sofia", "ava"]:
            made[f"link-{student}"] = (
                db.session.scalar(
                    text("SELECT MIN(id) FROM guardian_link WHERE student_id = :s"),
                    {"s": demo.students[student]},
                ),
                student,
            )
        db.session.commit()
        db.session.remove()
    return made


def probes_for(persona, oracle: Oracle, demo, made) -> list[Probe]:
    role = oracle.role(persona)
    out = [
        Probe("GET", "/records", FAMILY, True),
        Probe("GET", "/records-requests", LEADS, True),
        Probe("GET", "/disclosures", LEADS, True),
    ]
    for student in ["sofia", "mateo", "ava", "olivia", "liam", None]:
        sid = demo.students[student] if student else MISSING
        sees = oracle.sees(persona, student)
        files = sees and oracle.files_for(persona, student)
        new = f"/students/{sid}/records-requests/new"
        disclose = f"/students/{sid}/disclosures/new"
        office = frozenset({OFFICE})
        rel = {"related": sees or student is None}
        out += [
            Probe("GET", new, FAMILY, files, **rel),
            Probe("POST", new, FAMILY, files, data={"kind": ""}, **rel),
            Probe("GET", disclose, office, sees, sid, "student.view", **rel),
            Probe("POST", disclose, office, sees, sid, data={"recipient": ""}, **rel),
        ]
    records = [(made[f"rr-{s}"][0], s) for s in FILED] + [(MISSING, None)]
    for rr_id, student in records:
        sid = demo.students[student] if student else None
        sees = oracle.sees(persona, student)
        family = sees and oracle.files_for(persona, student)
        base = f"/records-requests/{rr_id}"
        rel = {"related": sees or student is None}
        out += [
            Probe(
                "GET",
                base,
                FAMILY_AND_LEADS,
                family if role == GUARDIAN else sees,
                sid,
                "records_request.view",
                **rel,
            ),
            Probe("GET", f"{base}/hearing-request", FAMILY, family, sid, **rel),
            Probe("POST", f"{base}/hearing-request", FAMILY, family, sid, **rel),
            Probe("GET", f"{base}/statement", FAMILY, family, sid, **rel),
            Probe("POST", f"{base}/statement", FAMILY, family, sid, data={"text": ""}, **rel),
        ]
        for action, field in [
            ("made-available", "how"),
            ("decision", "decision"),
            ("hearing", "officer"),
            ("hearing-outcome", "outcome"),
            ("close", "reason"),
        ]:
            url = f"{base}/{action}"
            out += [
                Probe("GET", url, LEADS, sees, sid, "records_request.view", **rel),
                Probe("POST", url, LEADS, sees, sid, data={field: ""}, **rel),
            ]
    for key in ["d-ava", "d-olivia", None]:
        d_id, student = made[key] if key else (MISSING, None)
        sid = demo.students[student] if student else None
        sees = oracle.sees(persona, student)
        out.append(
            Probe(
                "GET",
                f"/disclosures/{d_id}",
                LEADS,
                sees,
                sid,
                "disclosure.view",
                related=sees or student is None,
            )
        )
    # Court orders: the office only; a link under another child's address is like a missing one.
    for key, under in [("link-sofia", "sofia"), ("link-ava", "ava"), ("link-ava", "sofia")]:
        link, student = made[key]
        sid = demo.students[under]
        allowed = oracle.sees(persona, student) and student == under
        url = f"/students/{sid}/guardian-links/{link}/restrict"
        office = frozenset({OFFICE})
        out += [
            Probe("GET", url, office, allowed, sid, "student.view"),
            Probe("POST", url, office, allowed, sid, data={"reference": ""}),
        ]
    return [p for p in out if role is None or role in p.roles or p.related]


def test_every_records_url_answers_exactly_what_the_rule_allows(app, demo):
    made = make_records(app, demo)
    oracle = Oracle()
    clients = {persona: Client(app, persona) for persona in [*PERSONAS, ANONYMOUS]}
    with app.app_context():
        conn = db.engine.connect()
    failures, probes_run = [], 0
    try:
        for persona, client in clients.items():
            role = oracle.role(persona)
            account_id = demo.accounts.get(persona)
            missing_page = None
            last = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM audit_event")).scalar()
            conn.rollback()
            for probe in probes_for(persona, oracle, demo, made):
                probes_run += 1
                forbidden = role is None or role not in probe.roles or not probe.allowed
                before = conn.execute(text(STATE_SQL)).one()
                conn.rollback()
                answer = client.send(probe)
                after = conn.execute(text(STATE_SQL)).one()
                audit = conn.execute(
                    text(
                        "SELECT id, action, student_id, actor_account_id, path FROM audit_event "
                        "WHERE id > :last ORDER BY id"
                    ),
                    {"last": last},
                ).all()
                conn.rollback()
                if audit:
                    last = audit[-1][0]
                where = f"{persona:9} {probe.method:4} {probe.url}"
                status = answer.status_code
                if not forbidden:
                    if status not in (200, 302) or "/signin" in answer.headers.get("Location", ""):
                        failures.append(f"{where}: allowed but answered {status}")
                    elif probe.method == "GET" and role in STAFF_ROLES and probe.view_action:
                        wanted = (probe.view_action, probe.student_id, account_id)
                        if wanted not in [(a[1], a[2], a[3]) for a in audit]:
                            failures.append(f"{where}: no audit row {wanted}, got {audit}")
                    continue
                if after != before:
                    failures.append(f"{where}: forbidden probe changed data")
                if role is None:
                    location = answer.headers.get("Location", "")
                    if status != 302 or not location.split("?")[0].endswith("/signin"):
                        failures.append(f"{where}: anonymous got {status}, not /signin")
                    continue
                if status != 404:
                    failures.append(f"{where}: LEAK - forbidden but answered {status}")
                    continue
                body = normalised(answer.get_data(as_text=True))
                missing_page = missing_page or body
                if body != missing_page:
                    failures.append(f"{where}: forbidden 404 differs from a missing record's")
                path = probe.url.split("?")[0]
                if not any(a[1] == "access.denied" and a[4] == path for a in audit):
                    failures.append(f"{where}: no access.denied audit row")
                if any(a[1] != "access.denied" for a in audit):
                    failures.append(f"{where}: forbidden probe wrote audit rows {audit}")
    finally:
        conn.close()
    print(f"\nrecords access probes run: {probes_run}")
    PROBE_COUNTS["Records: access probes"] = probes_run
    assert probes_run >= 300
    assert not failures, f"{len(failures)} of {probes_run} failed:\n" + "\n".join(failures[:60])


def test_lists_show_only_what_the_person_may_see(app, demo, as_):
    make_records(app, demo)
    brooks = as_("brooks").get("/records-requests").get_data(as_text=True)
    assert "Ava Chen" in brooks and "Sofia Garcia" in brooks
    assert "Mateo Garcia" not in brooks and "Olivia Jones" not in brooks
    james = as_("james").get("/records").get_data(as_text=True)
    assert "Ava Chen" in james and "Sofia" not in james
    assert as_("johnson").get("/records-requests").status_code == 404
    reed = as_("reed").get("/disclosures").get_data(as_text=True)
    assert "Olivia Jones" in reed and "Ava Chen" not in reed
