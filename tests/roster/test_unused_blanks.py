"""Columns the specification requires but the product never reads (guardians' usernames,
enabledUser, a session's schoolYear, a class's course...) left blank: real exports do this, so
the set imports, and each blank column is said once per file and kind of row."""

from pathlib import Path

from consent.roster.importer.apply import ImportSummary
from consent.roster.importer.readers import read_roster
from consent.roster.importer.records import Unused
from tests.roster.helpers import OR11, SDS_SAMPLE, copy_set, edit, problem_at

EXTRA_GUARDIANS = 2_812  # with the set's own five: 2,817 guardian rows


def real_shaped(tmp_path: Path) -> Path:
    """The Riverside 1.1 set as a district's SIS exports it: thousands of guardians with no
    username and no enabledUser, sessions without a school year, a class without its course."""
    folder = copy_set(OR11, tmp_path)
    users = folder / "users.csv"
    lines = users.read_text(encoding="utf-8").splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        if cells[5] in ("parent", "guardian", "relative"):
            cells[3] = ""  # enabledUser
            cells[6] = ""  # username
        out.append(",".join(cells))
    for n in range(EXTRA_GUARDIANS):
        out.append(f"pg{n},,,,d1,parent,,,Parent{n},Family{n},,,p{n}@example.org,,,,,,en")
    users.write_text("\n".join(out) + "\n", encoding="utf-8")
    edit(folder, "academicSessions.csv", "y2026,2026", "y2026,", count=2)
    edit(folder, "classes.csv", ",07,k-math7,", ",07,,")
    return folder


def test_a_real_shaped_set_with_blank_unused_columns_reads_without_problems(tmp_path):
    roster = read_roster(real_shaped(tmp_path))

    assert roster.problems == []
    assert len(roster.guardians) == 5 + EXTRA_GUARDIANS
    assert ("g1", "stu1") in roster.links
    warnings = [str(n) for n in roster.notes if isinstance(n, Unused)]
    assert "users.csv: username blank on 2,817 guardian rows; not used." in warnings
    assert "users.csv: enabledUser blank on 2,817 guardian rows; not used." in warnings
    assert "academicSessions.csv: schoolYear blank on 2 rows; not used." in warnings
    assert "classes.csv: courseSourcedId blank on 1 row; not used." in warnings
    # Said once per file and column, not once a row.
    assert len(warnings) == 4


def test_the_summary_lists_the_warnings_apart_from_birth_dates(tmp_path):
    roster = read_roster(real_shaped(tmp_path))
    summary = ImportSummary(notes=list(roster.notes))

    lines = summary.lines()

    assert "warnings (imported all the same):" in lines
    assert "  users.csv: username blank on 2,817 guardian rows; not used." in lines
    # The set has no demographics.csv: that one note is the only birth-date line's count.
    assert [line for line in lines if line.startswith("birth dates not read")] == [
        "birth dates not read: 1 (never guessed; a date already known is kept)"
    ]


def test_a_column_the_product_reads_stays_required(tmp_path):
    folder = real_shaped(tmp_path)
    edit(folder, "users.csv", "Parent7,Family7", "Parent7,")

    roster = read_roster(folder)

    problem = problem_at(roster, "users.csv", 2 + 14 + 7, "familyName")
    assert problem.message == "this value is required but the cell is empty."


def test_a_wrong_value_in_an_unused_column_is_still_a_problem(tmp_path):
    folder = real_shaped(tmp_path)
    edit(folder, "users.csv", "pg3,,,,d1", "pg3,,,maybe,d1")

    roster = read_roster(folder)

    assert problem_at(roster, "users.csv", 2 + 14 + 3, "enabledUser")


def test_a_blank_school_on_an_enrollment_is_a_note(tmp_path):
    folder = copy_set(OR11, tmp_path)
    edit(folder, "enrollments.csv", "e3,,,c2,s2,stu3", "e3,,,c2,,stu3")

    roster = read_roster(folder)

    assert roster.problems == []
    assert "e3" in roster.enrollments
    assert [str(n) for n in roster.notes if isinstance(n, Unused)] == [
        "enrollments.csv: schoolSourcedId blank on 1 row; not used."
    ]


def test_school_data_sync_guardians_without_a_username(tmp_path):
    folder = copy_set(SDS_SAMPLE, tmp_path)
    edit(folder, "users.csv", "114002,jean.craig@outlook.com,", "114002,,")

    roster = read_roster(folder)

    assert roster.problems == []
    assert "114002" in roster.guardians
    assert "users.csv: username blank on 1 guardian row; not used." in [
        str(n) for n in roster.notes if isinstance(n, Unused)
    ]
