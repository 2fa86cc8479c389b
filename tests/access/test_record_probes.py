"""Access probes for staff recording a family's request and for the printable receipt: every
persona and an anonymous visitor, against students and requests of their own, of another
school, and ids that do not exist. Run through the same matrix as tests/access/test_probes.py:
forbidden answers exactly like missing (404), changes nothing and is audited; staff reads are
audited as a view of the student."""

from tests.access import test_probes as matrix
from tests.access.test_probes import (
    ANONYMOUS,
    GUARDIAN,
    MISSING,
    PERSONAS,
    PROBED_STUDENTS,
    PROBED_TOOLS,
    STAFF_ROLES,
    Client,
    Oracle,
    Probe,
    demo_records,
    run_matrix,
)
from tests.support import PROBE_COUNTS


def recording_probes(persona, oracle, demo, records):
    sid = lambda key: demo.students[key] if key else MISSING  # noqa: E731
    student_key = {v: k for k, v in demo.students.items()}
    out = []
    for student in PROBED_STUDENTS:
        id_ = sid(student)
        sees = oracle.sees(persona, student)
        related = sees or student is None
        base = f"/students/{id_}/optouts/record"
        out.append(Probe("GET", base, STAFF_ROLES, sees, id_, "student.view", related=related))
        for tool in PROBED_TOOLS:
            reaches = sees and oracle.reaches(tool, student)
            url = f"{base}?tool={demo.tools[tool]}"
            out += [
                Probe("GET", url, STAFF_ROLES, reaches, id_, "student.view", related=related),
                # Sent without its fields: an allowed one changes nothing either.
                Probe("POST", url, STAFF_ROLES, reaches, id_, related=related),
            ]
    for optout_id in [*demo.optouts.values(), MISSING]:
        student = student_key.get(records.optout_students.get(optout_id))
        sees = oracle.sees(persona, student)
        out.append(
            Probe(
                "GET",
                f"/requests/{optout_id}/printable",
                STAFF_ROLES,
                sees,
                records.optout_students.get(optout_id),
                "optout.view",
                related=sees or student is None,
            )
        )
    role = oracle.role(persona)
    return [p for p in out if role is None or role in p.roles or p.related]


def test_recording_and_printable_receipts_reach_exactly_whom_the_rule_allows(
    app, demo, monkeypatch
):
    records = demo_records(app, demo)
    oracle = Oracle()
    # The personas differ where it matters: own school, another school, a relative.
    assert oracle.sees("brooks", "ava") and not oracle.sees("reed", "ava")
    assert oracle.sees("patel", "mateo") and not oracle.sees("patel", "sofia")
    assert oracle.role("grace") == GUARDIAN
    monkeypatch.setattr(matrix, "probes_for", recording_probes)
    clients = {persona: Client(app, persona) for persona in [*PERSONAS, ANONYMOUS]}
    probes_run, failures = run_matrix(app, demo, oracle, clients, records)
    PROBE_COUNTS["Access: staff recording and printable receipts"] = probes_run
    assert probes_run >= 150
    assert not failures, f"{len(failures)} of {probes_run} probes failed:\n" + "\n".join(
        failures[:60]
    )
