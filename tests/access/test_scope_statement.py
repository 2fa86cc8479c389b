"""The scopes of requests and students say `IN (select)` on SQLite and `= ANY(ARRAY(select))`
on PostgreSQL (`consent.db.in_select`), so PostgreSQL reads a school's requests through the
student index instead of hash-joining every request of the district. Both must give exactly
the rows the plain `IN (select)` gives, for every persona."""

from sqlalchemy import select

from consent.access import optout_or_404, visible_optouts, visible_student_ids, visible_students
from consent.accounts.models import Account
from consent.extensions import db
from consent.optouts.models import OptOut
from consent.roster.models import Student
from tests.support import PERSONAS


def _account(persona: str) -> Account:
    return db.session.scalar(select(Account).where(Account.email == PERSONAS[persona]))


def test_every_persona_sees_the_requests_and_students_a_plain_in_gives(ctx):
    every_request = set(db.session.scalars(select(OptOut.id)))
    partial = 0
    for persona in PERSONAS:
        actor = _account(persona)
        ids = visible_student_ids(actor)
        plain_requests = set(
            db.session.scalars(select(OptOut.id).where(OptOut.student_id.in_(ids)))
        )
        plain_students = set(db.session.scalars(select(Student.id).where(Student.id.in_(ids))))
        scoped = visible_optouts(actor).with_only_columns(OptOut.id)
        assert set(db.session.scalars(scoped)) == plain_requests, persona
        assert {s.id for s in db.session.scalars(visible_students(actor))} == plain_students
        partial += 0 < len(plain_requests) < len(every_request)
    assert partial >= 3, "the demo gives several personas some requests but not all"


def test_a_principal_reaches_a_request_of_their_school_and_not_of_another(ctx, app):
    brooks, reed = _account("brooks"), _account("reed")  # Oakwood, Riverside
    oakwood = db.session.scalar(
        select(OptOut).where(OptOut.student_id.in_(visible_student_ids(brooks))).limit(1)
    )
    assert oakwood is not None
    with app.test_request_context():
        assert optout_or_404(brooks, oakwood.id, action=None).id == oakwood.id
        assert oakwood.id not in set(
            db.session.scalars(visible_optouts(reed).with_only_columns(OptOut.id))
        )


def test_postgresql_is_asked_for_an_array_and_sqlite_for_in(ctx):
    statement = str(visible_optouts(_account("brooks")).compile(db.engine))
    if db.engine.dialect.name == "postgresql":
        assert "optout.student_id = ANY(ARRAY(SELECT student.id" in statement
    else:
        assert "optout.student_id IN (SELECT student.id" in statement
