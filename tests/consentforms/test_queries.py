"""The aggregate helpers the reports use: coverage by school and by home language, and the
students nobody has answered for, each one SQL statement over the one-row-per-student shape."""

from consent.accounts.models import Account
from consent.consentforms import operations, queries
from consent.consentforms.models import Answer, AnswerMethod, ConsentForm
from consent.extensions import db
from consent.roster.models import Guardian, Student
from tests.support import count_queries


def _answer(demo, form, persona, student, answer, *, guardian=None, method=AnswerMethod.WEB):
    actor = db.session.get(Account, demo.accounts[persona])
    operations.answer_form(
        actor=actor,
        form=form,
        student=db.session.get(Student, demo.students[student]),
        answer=answer,
        method=method,
        on_behalf_of=db.session.get(Guardian, demo.guardians[guardian]) if guardian else None,
    )


def test_coverage_by_school_and_language_and_the_non_responders(app, demo, make_form):
    form_id = make_form()
    with app.app_context():
        form = db.session.get(ConsentForm, form_id)
        _answer(demo, form, "maria", "sofia", Answer.REFUSED)  # Oakwood, Spanish
        _answer(demo, form, "luis", "sofia", Answer.GRANTED)  # the refusal stands
        _answer(demo, form, "james", "ava", Answer.GRANTED)  # Oakwood, English
        _answer(
            demo, form, "lee", "noah", Answer.GRANTED, guardian="linda", method=AnswerMethod.PAPER
        )
        _answer(demo, form, "patricia", "olivia", Answer.REFUSED)  # Riverside, English
        db.session.commit()

        with count_queries(app) as statements:
            by_school = queries.coverage_by_school(form_id)
        assert len(statements) == 1
        assert [tuple(r) for r in by_school] == [
            (demo.schools["hillcrest"], "Hillcrest High School", 1, 0, 0, 0),  # Daniel
            (demo.schools["oakwood"], "Oakwood Elementary School", 6, 3, 2, 1),
            (demo.schools["riverside"], "Riverside Middle School", 6, 1, 0, 1),
        ]
        only = queries.coverage_by_school(form_id, school_id=demo.schools["riverside"])
        assert [r.school_name for r in only] == ["Riverside Middle School"]

        with count_queries(app) as statements:
            by_language = {r.language: tuple(r)[1:] for r in queries.coverage_by_language(form_id)}
        assert len(statements) == 1
        # Spanish: Sofia and Mateo (Maria is their first guardian), Noah (Linda), and Daniel,
        # who holds his own rights at 18 and kept his family's language.
        assert by_language == {"en": (9, 2, 1, 1), "es": (4, 2, 1, 1)}

        missing = db.session.scalars(queries.non_responders(form_id)).all()
        assert {s.given_name for s in missing} == {
            "Daniel",
            "Liam",
            "Emma",
            "Henry",
            "Mateo",
            "Elijah",
            "Amélie",
            "Lucas",
            "Mia",
        }
        oakwood = db.session.scalars(
            queries.non_responders(form_id, school_id=demo.schools["oakwood"])
        ).all()
        assert [s.given_name for s in oakwood] == ["Emma", "Liam", "Henry"]  # by family name


def test_scope_by_school_and_grade(app, demo, make_form):
    form_id = make_form(school_ids=[demo.schools["riverside"]], grades=["7"])
    other = make_form(grades=["5"])
    with app.app_context():
        in_scope = db.session.scalars(queries.students_in_scope(form_id)).all()
        assert len(in_scope) == 6 and {s.school_id for s in in_scope} == {demo.schools["riverside"]}
        assert {s.given_name for s in db.session.scalars(queries.students_in_scope(other))} == {
            "Noah",
            "Emma",
            "Henry",
        }
