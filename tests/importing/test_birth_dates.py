"""The import stores each student's birth date and address; a set that gives no date keeps the
one already known, and every missing or unreadable date is listed in the summary."""

from datetime import date

from consent.core import clock
from consent.extensions import db
from consent.roster.importer.apply import apply_roster
from consent.roster.importer.records import Problem
from consent.roster.models import Student
from tests.importing.test_apply import delta, sofia


def test_a_birth_date_is_stored_and_kept_when_a_later_set_gives_none(ctx, demo):
    born = date(2016, 3, 9)
    apply_roster(
        delta(students=[sofia(birth_date=born, email="sofia@student.example")]),
        today=clock.today(),
    )
    db.session.commit()
    student = db.session.get(Student, demo.students["sofia"])
    assert (student.birth_date, student.email) == (born, "sofia@student.example")
    summary = apply_roster(
        delta(students=[sofia(email="sofia@student.example")]), today=clock.today()
    )
    db.session.commit()
    assert db.session.get(Student, demo.students["sofia"]).birth_date == born
    assert summary.counts["students"].updated == 0


def test_missing_and_bad_dates_are_listed_in_the_summary(ctx, demo):
    roster = delta(students=[sofia()])
    roster.notes = [
        Problem("demographics.csv", 3, "birthDate", '"2016-02-30" is not a valid birth date'),
        Problem("demographics.csv", 0, "", 'student "student-sofia" has no row'),
    ]
    lines = apply_roster(roster, today=clock.today()).lines()
    assert "birth dates not read: 2 (never guessed; a date already known is kept)" in lines
    assert (
        '  demographics.csv, line 3, column birthDate: "2016-02-30" is not a valid birth date'
        in lines
    )
