"""Broken copies of the good sets, built in tmp_path: each kind of problem is reported with its
file, line (header = 1), column and a plain message, and reading goes on to find the others."""

from datetime import date, timedelta

import pytest

from consent.roster.importer import csvfiles
from consent.roster.importer.readers import read_roster
from consent.roster.importer.records import Problem
from tests.roster.helpers import (
    GRAND_BEND,
    OR11,
    OR11_DELTA,
    OR12,
    SDS_SAMPLE,
    copy_set,
    edit,
    only_problem,
    problem_at,
)


@pytest.fixture
def or11(tmp_path):
    return copy_set(OR11, tmp_path)


@pytest.fixture
def or12(tmp_path):
    return copy_set(OR12, tmp_path)


@pytest.fixture
def delta(tmp_path):
    return copy_set(OR11_DELTA, tmp_path)


@pytest.fixture
def sds(tmp_path):
    return copy_set(SDS_SAMPLE, tmp_path)


# --- headers -------------------------------------------------------------------------------------


def test_unknown_column(or11):
    edit(or11, "classes.csv", ",periods", ",period")

    problem = only_problem(read_roster(or11))

    assert (problem.file, problem.line, problem.column) == ("classes.csv", 1, "period")
    assert problem.message == (
        'unknown column "period". Extra columns are allowed only on the right and named '
        '"metadata.something".'
    )


def test_headers_are_case_sensitive(or11):
    edit(or11, "users.csv", ",role,", ",Role,")

    roster = read_roster(or11)

    assert problem_at(roster, "users.csv", 1, "Role").message == (
        'unknown column "Role". Column names are case-sensitive: did you mean "role"?'
    )
    assert problem_at(roster, "users.csv", 1, "role").message == (
        'the required column "role" is missing.'
    )
    assert roster.students == {}  # a file with a broken header is not read at all


def test_columns_out_of_spec_order(or11):
    edit(or11, "users.csv", ",givenName,familyName,", ",familyName,givenName,")

    problem = only_problem(read_roster(or11))

    assert (problem.file, problem.line, problem.column) == ("users.csv", 1, "givenName")
    assert problem.message == (
        'the column "givenName" must come before "familyName" (columns must be in the order the '
        "specification gives)."
    )


def test_metadata_columns_come_last(or11):
    edit(or11, "orgs.csv", ",parentSourcedId,metadata.city,", ",metadata.city,parentSourcedId,")

    problem = only_problem(read_roster(or11))

    assert (problem.file, problem.line, problem.column) == ("orgs.csv", 1, "parentSourcedId")
    assert "metadata.* columns must come last" in problem.message


def test_optional_columns_may_be_left_out(or11):
    (or11 / "classes.csv").write_text(
        "sourcedId,status,dateLastModified,title,courseSourcedId,classType,schoolSourcedId,"
        "termSourcedIds\n"
        "c1,,,Homeroom 3,k-hr3,homeroom,s1,y2026\n"
        "c2,,,Math 7,k-math7,scheduled,s2,t2025f\n"
        "c3,,,Science 5,k-sci5,scheduled,s1,t2025f\n"
    )

    roster = read_roster(or11)

    assert roster.problems == []
    assert roster.sections["c2"].teacher_sourced_ids == ("t2", "t1")


def test_empty_file(or11):
    (or11 / "orgs.csv").write_bytes(b"")

    roster = read_roster(or11)

    assert problem_at(roster, "orgs.csv", 1, "").message == (
        "this file is empty; it needs at least a header row."
    )


# --- rows ----------------------------------------------------------------------------------------


def test_row_with_too_few_fields(or11):
    edit(or11, "enrollments.csv", "e3,,,c2,s2,stu3,student,,2025-08-18,", "e3,,,c2,s2,stu3,student")

    problem = only_problem(read_roster(or11))

    assert (problem.file, problem.line, problem.column) == ("enrollments.csv", 4, "")
    assert problem.message == "this row has 7 fields but the header has 10 (3 fields too few)."


def test_empty_extra_fields_are_tolerated(or11):
    edit(
        or11,
        "enrollments.csv",
        "e3,,,c2,s2,stu3,student,,2025-08-18,",
        "e3,,,c2,s2,stu3,student,,2025-08-18,,,",
    )

    roster = read_roster(or11)

    assert roster.problems == []
    assert "e3" in roster.enrollments


def test_required_value_missing(or11):
    edit(or11, "users.csv", "Grace,Hopper", ",Hopper")

    problem = only_problem(read_roster(or11))

    assert (problem.file, problem.line, problem.column) == ("users.csv", 13, "givenName")
    assert problem.message == "this value is required but the cell is empty."


@pytest.mark.parametrize(
    ("file", "old", "new", "line", "column", "message"),
    [
        (
            "users.csv", "s1,student,jose", "s1,pupil,jose", 2, "role",
            '"pupil" is not a valid role. Use one of: administrator, aide, guardian, parent, '
            "proctor, relative, student, teacher.",
        ),
        (
            "users.csv", "s1,student,jose", "s1,Student,jose", 2, "role",
            '"Student" is not a valid role. Values are case-sensitive: did you mean "student"?',
        ),
        (
            "orgs.csv", "School,school,LES", "School,campus,LES", 3, "type",
            '"campus" is not a valid org type. Use one of: department, district, local, '
            "national, school, state.",
        ),
        (
            "classes.csv", "MA7-2,scheduled", "MA7-2,lecture", 3, "classType",
            '"lecture" is not a valid class type. Use one of: homeroom, scheduled.',
        ),
        (
            "enrollments.csv", "e2,,,c3,s1,stu2,student", "e2,,,c3,s1,stu2,learner", 3, "role",
            '"learner" is not a valid enrollment role. Use one of: administrator, proctor, '
            "student, teacher.",
        ),
        (
            "enrollments.csv", "c2,s2,t1,teacher,false", "c2,s2,t1,teacher,no", 7, "primary",
            '"no" is not a valid primary value (true or false). Use one of: false, true.',
        ),
        (
            "academicSessions.csv", "Fall 2025,semester", "Fall 2025,quarter", 3, "type",
            '"quarter" is not a valid session type. Use one of: gradingPeriod, schoolYear, '
            "semester, term.",
        ),
    ],
    ids=["role", "role-case", "org-type", "class-type", "enrollment-role", "primary", "session"],
)  # fmt: skip
def test_bad_enumerations(or11, file, old, new, line, column, message):
    edit(or11, file, old, new)

    problem = only_problem(read_roster(or11))

    assert (problem.file, problem.line, problem.column, problem.message) == (
        file,
        line,
        column,
        message,
    )


@pytest.mark.parametrize("bad", ["2025-13-01", "08/18/2025", "2025-8-18", "2025-02-30"])
def test_bad_dates(or11, bad):
    edit(
        or11,
        "enrollments.csv",
        "e2,,,c3,s1,stu2,student,,2025-08-18",
        f"e2,,,c3,s1,stu2,student,,{bad}",
    )

    problem = only_problem(read_roster(or11))

    assert (problem.file, problem.line, problem.column) == ("enrollments.csv", 3, "beginDate")
    assert problem.message == f'"{bad}" is not a valid date; write it as YYYY-MM-DD.'


def test_end_before_begin(or11):
    edit(or11, "enrollments.csv", "2025-08-18,2025-12-19", "2025-12-19,2025-08-18")

    problem = only_problem(read_roster(or11))

    assert (problem.file, problem.line, problem.column) == ("enrollments.csv", 3, "endDate")
    assert problem.message == "the end date is before the begin date."


# --- references ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "old", "new", "line", "column", "message"),
    [
        (
            "enrollments.csv", "e1,,,c1,", "e1,,,c9,", 2, "classSourcedId",
            'class "c9" is not in classes.csv.',
        ),
        (
            "enrollments.csv", "e2,,,c3,s1,stu2,", "e2,,,c3,s1,stu9,", 3, "userSourcedId",
            'user "stu9" is not in users.csv.',
        ),
        (
            "enrollments.csv", "e2,,,c3,s1,", "e2,,,c3,s9,", 3, "schoolSourcedId",
            'org "s9" is not in orgs.csv.',
        ),
        (
            "classes.csv", ",Lab,s1,", ",Lab,s9,", 4, "schoolSourcedId",
            'org "s9" is not in orgs.csv.',
        ),
        (
            "classes.csv", ",Lab,s1,", ",Lab,d1,", 4, "schoolSourcedId",
            'org "d1" is a district, not a school.',
        ),
        (
            "users.csv", "g3,,,true,d1,", "g3,,,true,d9,", 8, "orgSourcedIds",
            'org "d9" is not in orgs.csv.',
        ),
        (
            "users.csv", '100002,,,,"g1,g2"', '100002,,,,"g1,g7"', 3, "agentSourcedIds",
            'user "g7" is not in users.csv.',
        ),
        (
            "orgs.csv", "RMS,d1,", "RMS,d7,", 4, "parentSourcedId",
            'org "d7" is not in orgs.csv.',
        ),
        (
            "enrollments.csv", "e2,,,c3,s1,stu2,student", "e2,,,c3,s1,g1,student", 3,
            "userSourcedId",
            'user "g1" is enrolled as a student but is not a student in users.csv.',
        ),
        (
            "enrollments.csv", "e8,,,c3,s1,t1,teacher", "e8,,,c3,s1,g1,teacher", 9,
            "userSourcedId",
            'user "g1" is enrolled as a teacher but is not a teacher or principal in users.csv.',
        ),
    ],
    ids=[
        "enrollment-class", "enrollment-user", "enrollment-school", "class-school",
        "class-at-district", "user-org", "agent", "org-parent", "student-enrollment",
        "teacher-enrollment",
    ],
)  # fmt: skip
def test_dangling_references(or11, file, old, new, line, column, message):
    edit(or11, file, old, new)

    problem = only_problem(read_roster(or11))

    assert (problem.file, problem.line, problem.column, problem.message) == (
        file,
        line,
        column,
        message,
    )


def test_duplicate_sourced_id(or11):
    edit(or11, "users.csv", "\r\ng4,", "\r\ng3,")

    roster = read_roster(or11)

    assert problem_at(roster, "users.csv", 9, "sourcedId").message == (
        'sourcedId "g3" appears more than once in this file.'
    )


def test_duplicate_enrollment_sourced_id(or11):
    edit(or11, "enrollments.csv", "e10,", "e1,")

    problem = only_problem(read_roster(or11))

    assert (problem.file, problem.line, problem.column) == ("enrollments.csv", 11, "sourcedId")


def test_two_enrollments_of_a_student_in_a_section_from_the_same_day(or11):
    with (or11 / "enrollments.csv").open("a") as f:
        f.write("e11,,,c1,s1,stu1,student,,2025-08-18,\n")

    problem = only_problem(read_roster(or11))

    assert (problem.file, problem.line, problem.column) == ("enrollments.csv", 0, "sourcedId")
    assert problem.message == (
        'enrollments "e1" and "e11" both put student "stu1" in class "c1" from 2025-08-18.'
    )


def test_duplicate_student_identifier(or11):
    edit(or11, "users.csv", "Zoë,Núñez,,100002", "Zoë,Núñez,,100001")

    problem = only_problem(read_roster(or11))

    assert (problem.file, problem.line, problem.column) == ("users.csv", 3, "identifier")
    assert problem.message == 'student identifier "100001" is also used by student "stu1".'


def test_student_with_no_school(or11):
    edit(or11, "users.csv", "stu3,,,true,s2,", "stu3,,,true,d1,")

    roster = read_roster(or11)

    assert problem_at(roster, "users.csv", 4, "orgSourcedIds").message == (
        'student "stu3" is in no school: none of their orgSourcedIds is an org of type school.'
    )


def test_staff_without_email(or11):
    edit(
        or11,
        "users.csv",
        "ben.adams@riverside.example,,Ben,Adams,,T2,ben.adams@riverside.example",
        "badams,,Ben,Adams,,T2,",
    )

    problem = only_problem(read_roster(or11))

    assert (problem.file, problem.line, problem.column) == ("users.csv", 12, "email")
    assert problem.message == (
        "this teacher has no email address; teachers and principals need one to sign in."
    )


def test_staff_sign_in_with_a_username_that_is_an_email_address(or11):
    edit(
        or11,
        "users.csv",
        "ben.adams@riverside.example,,Ben,Adams,,T2,ben.adams@riverside.example",
        "ben.adams@riverside.example,,Ben,Adams,,T2,",
    )

    roster = read_roster(or11)

    assert roster.ok
    assert roster.staff["t2"].email == "ben.adams@riverside.example"


def test_too_long_for_the_database(or11):
    edit(or11, "users.csv", ",03,,es", ",0333333333,,es")

    problem = only_problem(read_roster(or11))

    assert (problem.file, problem.line, problem.column) == ("users.csv", 2, "grades")
    assert problem.message == "this value is 10 characters long; at most 8 are kept."


# --- bulk and delta ------------------------------------------------------------------------------


def test_bulk_row_carrying_a_status(or11):
    edit(or11, "classes.csv", "c2,,,", "c2,active,2025-08-01T00:00:00Z,")

    problem = only_problem(read_roster(or11))

    assert (problem.file, problem.line, problem.column) == ("classes.csv", 3, "status")
    assert problem.message == 'this file is sent in bulk, so status must be empty (found "active").'


def test_delta_rows_need_a_status_and_a_date(delta):
    edit(delta, "users.csv", "stu1,active,2026-02-01T10:00:00Z", "stu1,,2026-02-01T10:00:00Z")
    edit(delta, "users.csv", "stu3,tobedeleted,2026-02-01T10:00:00.000Z", "stu3,tobedeleted,")
    edit(delta, "users.csv", "stu5,active,2026-02-02T08:15:00+00:00", "stu5,active,2026-02-02")
    edit(delta, "enrollments.csv", "e11,active,", "e11,inactive,")

    roster = read_roster(delta)

    assert problem_at(roster, "users.csv", 2, "status").message == (
        '"" is not a valid status; in a delta file each row is "active" or "tobedeleted".'
    )
    assert problem_at(roster, "users.csv", 3, "dateLastModified").message == (
        "a delta row needs the date and time it was last changed."
    )
    assert problem_at(roster, "users.csv", 4, "dateLastModified").message == (
        '"2026-02-02" is not a valid date and time; write it as ISO 8601, for example '
        "2024-08-15T09:30:00Z."
    )
    assert problem_at(roster, "enrollments.csv", 3, "status")
    assert len(roster.problems) == 4


def test_delta_does_not_check_references_it_cannot_see(delta):
    """In a delta, ids outside the set may be ones the service already holds."""
    roster = read_roster(delta)

    assert roster.ok
    assert roster.enrollments["e2"].student_sourced_id == "stu2"  # not in this users.csv


# --- manifest ------------------------------------------------------------------------------------


def test_unsupported_version(or11):
    edit(or11, "manifest.csv", "oneroster.version,1.1", "oneroster.version,1.0")

    roster = read_roster(or11)

    problem = only_problem(roster)
    assert (problem.file, problem.line, problem.column) == ("manifest.csv", 3, "value")
    assert problem.message == 'OneRoster version "1.0" is not supported; use 1.1 or 1.2.'
    assert roster.format == "unknown"


def test_manifest_and_files_must_agree(or11):
    edit(or11, "manifest.csv", "file.courses,bulk", "file.courses,absent")
    edit(or11, "manifest.csv", "file.demographics,absent", "file.demographics,bulk")
    edit(or11, "manifest.csv", "file.results,absent", "file.results,sometimes")
    (or11 / "extra.csv").write_text("a,b\n")

    roster = read_roster(or11)

    assert problem_at(roster, "manifest.csv", 12, "value").message == (
        "manifest.csv lists demographics.csv as bulk, but the set has no such file."
    )
    assert problem_at(roster, "manifest.csv", 17, "value").message == (
        '"sometimes" is not a valid file mode for file.results; use bulk, delta or absent.'
    )
    assert problem_at(roster, "courses.csv", 0, "").message == (
        "manifest.csv says this file is absent, but it is in the set."
    )
    assert problem_at(roster, "extra.csv", 0, "").message == (
        "this file is not listed in manifest.csv."
    )
    assert len(roster.problems) == 4


def test_bulk_classes_need_enrollments(or11):
    edit(or11, "manifest.csv", "file.enrollments,bulk", "file.enrollments,absent")
    (or11 / "enrollments.csv").unlink()

    problem = only_problem(read_roster(or11))

    assert (problem.file, problem.line, problem.column) == ("manifest.csv", 13, "value")
    assert "enrollments.csv must be sent too" in problem.message


def test_oneroster_set_without_manifest(or11):
    (or11 / "manifest.csv").unlink()

    problem = only_problem(read_roster(or11))

    assert (problem.file, problem.line, problem.column) == ("manifest.csv", 0, "")
    assert "manifest.csv is missing" in problem.message


# --- 1.2 roles -----------------------------------------------------------------------------------


def test_12_roles_problems(or12):
    edit(or12, "roles.csv", "r-g5,,,g5,primary,", "r-g5,,,g9,primary,")
    edit(or12, "roles.csv", "r-g4,,,g4,primary,parent", "r-g4,,,g4,main,parent")
    edit(or12, "roles.csv", "r-t2,,,t2,primary,teacher,,,s2", "r-t2,,,t2,primary,teacher,,,s9")
    edit(or12, "roles.csv", "r-p2,,,p2,primary,siteAdministrator", "r-p2,,,p2,primary,headmaster")

    roster = read_roster(or12)

    assert problem_at(roster, "roles.csv", 11, "userSourcedId").message == (
        'user "g9" is not in users.csv.'
    )
    assert problem_at(roster, "roles.csv", 10, "roleType").message == (
        '"main" is not a valid role type. Use one of: primary, secondary.'
    )
    assert problem_at(roster, "roles.csv", 14, "orgSourcedId").message == (
        'org "s9" is not in orgs.csv.'
    )
    assert problem_at(roster, "roles.csv", 17, "role").message.startswith(
        '"headmaster" is not a valid role. Use one of: aide, counselor, districtAdministrator,'
    )
    # g5's only role row now names g9: g5 has no role
    assert problem_at(roster, "users.csv", 10, "").message == (
        'user "g5" has no row in roles.csv, so it is not known whether they are a student, a '
        "guardian or staff."
    )
    assert len(roster.problems) == 5


def test_12_student_without_a_school_role(or12):
    edit(
        or12,
        "roles.csv",
        "r-stu3,,,stu3,primary,student,,,s2,",
        "r-stu3,,,stu3,primary,student,,,d1,",
    )
    # and the primaryOrgSourcedId of users.csv, which would otherwise name the school
    edit(
        or12,
        "users.csv",
        '"res-math,res-reading",,,,s2,\r\nstu4',
        '"res-math,res-reading",,,,d1,\r\nstu4',
    )

    problem = only_problem(read_roster(or12))

    assert (problem.file, problem.line, problem.column) == ("users.csv", 4, "")
    assert problem.message == (
        'student "stu3" is in no school: none of their student roles in roles.csv is at an org '
        "of type school."
    )


def test_12_roles_and_users_modes_must_match(or12):
    edit(or12, "manifest.csv", "file.roles,bulk", "file.roles,delta")

    roster = read_roster(or12)

    assert problem_at(roster, "manifest.csv", 22, "value").message.startswith(
        "file.roles and file.users must have the same mode"
    )


# --- encodings -----------------------------------------------------------------------------------


def test_a_latin1_file_is_refused_naming_the_file_and_line(or11):
    path = or11 / "users.csv"
    path.write_bytes(path.read_bytes().decode("utf-8").encode("latin-1"))

    roster = read_roster(or11)

    problem = problem_at(roster, "users.csv", 2, "")  # José is on line 2
    assert problem.message == (
        "this file is not UTF-8 text (it looks like another encoding, such as Windows-1252 or "
        'Latin-1). Save it as "CSV UTF-8" and try again.'
    )
    assert not roster.ok


def test_a_bad_byte_deep_in_a_long_file_is_found_on_its_line(or11):
    days = (date(2020, 1, 1) + timedelta(days=n) for n in range(6000))
    rows = [f"x{n},,,c3,s1,stu1,student,,{day.isoformat()}," for n, day in enumerate(days)]
    rows[3988] = rows[3988].replace("student", "st\xe9dent")  # the file had 11 lines: line 4000
    body = "\n".join(rows).encode("utf-8").replace(b"\xc3\xa9", b"\xe9")
    path = or11 / "enrollments.csv"
    path.write_bytes(path.read_bytes() + body + b"\n")

    roster = read_roster(or11)

    assert [(p.file, p.line, p.column) for p in roster.problems] == [("enrollments.csv", 4000, "")]


def test_every_problem_is_reported_not_just_the_first(or11):
    edit(or11, "users.csv", "s1,student,jose", "s1,pupil,jose")
    edit(or11, "users.csv", "stu3,,,true,s2,", "stu3,,,true,d1,")
    edit(or11, "classes.csv", "c2,,,", "c2,active,,")
    edit(or11, "enrollments.csv", "e1,,,c1,", "e1,,,c9,")
    edit(or11, "enrollments.csv", "2025-08-18,2025-12-19", "2025-08-18,2025-12-32")

    roster = read_roster(or11)

    assert [(p.file, p.line, p.column) for p in roster.problems] == [
        ("users.csv", 2, "role"),
        ("users.csv", 4, "orgSourcedIds"),
        ("classes.csv", 3, "status"),
        ("enrollments.csv", 2, "classSourcedId"),
        ("enrollments.csv", 3, "endDate"),
    ]
    assert str(roster.problems[0]) == (
        'users.csv, line 2, column role: "pupil" is not a valid role. Use one of: administrator, '
        "aide, guardian, parent, proctor, relative, student, teacher."
    )


def test_a_file_wrong_on_every_row_lists_the_first_problems_and_counts_the_rest(or11, monkeypatch):
    monkeypatch.setattr(csvfiles, "MAX_PROBLEMS_PER_FILE", 3)
    path = or11 / "enrollments.csv"
    path.write_bytes(path.read_bytes().replace(b",student,", b",pupil,"))

    roster = read_roster(or11)

    assert [p.line for p in roster.problems] == [2, 3, 4, 0]
    assert roster.problems[-1] == Problem(
        "enrollments.csv", 0, "", "1 more problem in this file, not listed."
    )


# --- paths ---------------------------------------------------------------------------------------


def test_a_path_that_is_neither_folder_nor_zip(tmp_path):
    path = tmp_path / "users.csv"
    path.write_text("sourcedId\n")

    problem = only_problem(read_roster(path))

    assert problem == Problem(
        "users.csv",
        0,
        "",
        "this is neither a folder nor a .zip file. Upload the roster set as "
        "a zip of its CSV files.",
    )


def test_a_missing_path(tmp_path):
    roster = read_roster(tmp_path / "nowhere")

    assert only_problem(roster).message == "there is no file or folder by this name."
    assert roster.format == "unknown"


def test_a_folder_without_roster_files(tmp_path):
    (tmp_path / "notes.csv").write_text("a\n")

    problem = only_problem(read_roster(tmp_path))

    assert problem.message.startswith("no roster files found")


# --- School Data Sync ----------------------------------------------------------------------------


def test_sds_problems(sds):
    edit(sds, "relationships.csv", "114004,114005,guardian", "114004,114009,Guardian")
    edit(sds, "relationships.csv", "114003,114002,relative", "114003,114002,cousin")
    edit(sds, "roles.csv", "114004,110003,student", "114004,110009,student")
    edit(sds, "enrollments.csv", "112002,114007,teacher", "112009,114007,teacher")
    edit(sds, "orgs.csv", "School of TwoDotOne,school", "School of TwoDotOne,academy")

    roster = read_roster(sds)

    assert problem_at(roster, "orgs.csv", 4, "type").message.startswith(
        '"academy" is not a valid org type.'
    )
    assert problem_at(roster, "roles.csv", 4, "orgSourcedId").message == (
        'org "110009" is not in orgs.csv.'
    )
    assert problem_at(roster, "relationships.csv", 3, "relationshipRole").message == (
        '"cousin" is not a valid relationship role. Use one of: administrator, aide, child, '
        "doctor, guardian, other, parent, relative."
    )
    assert problem_at(roster, "relationships.csv", 4, "relationshipUserSourcedId").message == (
        'user "114009" is not in users.csv.'
    )
    assert problem_at(roster, "enrollments.csv", 7, "classSourcedId").message == (
        'class "112009" is not in classes.csv.'
    )
    # nothing more: a row with a problem does not cause others (114004's role, the school's type)
    assert len(roster.problems) == 5


def test_sds_enumerations_are_not_case_sensitive_but_headers_are(sds):
    edit(sds, "roles.csv", "114001,110003,student", "114001,110003,STUDENT")
    edit(sds, "users.csv", "sourcedId,username", "SourcedId,username")

    roster = read_roster(sds)

    assert problem_at(roster, "users.csv", 1, "SourcedId").message == (
        'unknown column "SourcedId". Column names are case-sensitive: did you mean "sourcedId"?'
    )
    assert not any(p.file == "roles.csv" for p in roster.problems)


def test_sds_column_order_is_free_and_unknown_columns_are_skipped(sds):
    path = sds / "relationships.csv"
    path.write_text(
        "relationshipRole,relationshipUserSourcedId,userSourcedId,notes\n"
        "guardian,114002,114001,x\nrelative,114002,114003,\nguardian,114005,114004,\n"
    )

    roster = read_roster(sds)

    assert roster.ok
    assert len(roster.links) == 3


def test_sds_needs_orgs_users_and_roles(sds):
    (sds / "roles.csv").unlink()
    (sds / "Users.csv").write_bytes((sds / "users.csv").read_bytes())
    (sds / "users.csv").unlink()

    roster = read_roster(sds)

    assert problem_at(roster, "roles.csv", 0, "").message == (
        "this file is missing; a School Data Sync set needs orgs.csv, users.csv and roles.csv."
    )
    assert problem_at(roster, "Users.csv", 0, "").message == (
        "this is not a School Data Sync v2.1 file. File names are case-sensitive: did you mean "
        '"users.csv"?'
    )


def test_grand_bend_short_row(tmp_path):
    folder = copy_set(GRAND_BEND, tmp_path)
    edit(folder, "orgs.csv", "255901,,,Grand Bend ISD,district,,,,,,,", "255901,,,Grand Bend ISD")

    roster = read_roster(folder)

    assert problem_at(roster, "orgs.csv", 2, "").message == (
        "this row has 4 fields but the header has 12 (8 fields too few)."
    )


def test_sds_staff_without_any_email_address(sds):
    edit(sds, "users.csv", "114007,kfein@classrmtest31.org", "114007,kfein")

    problem = only_problem(read_roster(sds))

    assert (problem.file, problem.line, problem.column) == ("users.csv", 8, "email")
    assert problem.message == (
        "this teacher or principal has no email address; they need one to sign in."
    )


def test_sds_student_at_a_district_rather_than_a_school(sds):
    edit(sds, "roles.csv", "114004,110003,student", "114004,110004,student")

    roster = read_roster(sds)

    assert problem_at(roster, "users.csv", 5, "").message == (
        'student "114004" is in no school: none of their student roles in roles.csv is at an '
        "org of type school."
    )
    assert len(roster.problems) == 1  # its enrollment and guardian link add nothing more
