"""Reading good roster sets: the real Grand Bend (OneRoster 1.1) and Microsoft SDS v2.1 samples,
and the OneRoster 1.1 / 1.2 sets with guardians written for these tests (tests/roster/data)."""

import gc
from datetime import date

import pytest

from consent.roster.importer.readers import read_roster
from consent.roster.importer.records import KINDS, Mode
from tests.roster.helpers import (
    GRAND_BEND,
    OR11,
    OR11_DELTA,
    OR12,
    OR12_NO_RESOURCES,
    SDS_SAMPLE,
    copy_set,
    edit,
    only_problem,
)

# --- Grand Bend (a real ClassLink export) ---------------------------------------------------------


def test_grand_bend_reads_without_problems():
    roster = read_roster(GRAND_BEND)

    assert roster.problems == []
    assert roster.ok
    assert roster.format == "oneroster-1.1"
    assert roster.modes == dict.fromkeys(KINDS, Mode.BULK)
    assert list(roster.schools) == ["255901001"]  # the district org is not a school
    assert roster.schools["255901001"].name == "Grand Bend High School"
    assert len(roster.students) == 8
    mary = roster.students["604863"]
    assert (mary.given_name, mary.family_name, mary.grade) == ("Mary", "Archer", "09")
    assert mary.identifier == "604863"  # the identifier column is empty: the sourcedId stands in
    assert mary.school_sourced_id == "255901001"
    assert roster.guardians == {} and roster.links == {}
    assert {s.sourced_id: s.role for s in roster.staff.values()} == {
        "207270": "teacher",
        "207268": "teacher",
    }
    english = roster.sections["25590100101Trad120ENG112011"]
    assert english.teacher_sourced_ids == ("207268",)  # two teacher enrollments, one teacher
    assert english.term == "2020-2021 Fall Semester"  # the first of its two terms, by title
    assert len(roster.enrollments) == 20  # the 4 teacher enrollments are not enrollments
    first = roster.enrollments["6F4283DC-F831-4437-A9A3-E030C7AF0493"]
    assert (first.begin_date, first.end_date) == (date(2020, 8, 17), date(2020, 12, 18))


def test_grand_bend_teacher_rows_really_have_a_field_too_many():
    """The decision in readers' docstring rests on this quirk of the real file."""
    lines = (GRAND_BEND / "users.csv").read_text().splitlines()
    width = lines[0].count(",") + 1
    assert width == 18
    teachers = [line for line in lines if ",teacher," in line]
    assert len(teachers) == 2
    assert all(line.count(",") + 1 == 19 and line.endswith(",") for line in teachers)
    assert not (GRAND_BEND / "courses.csv").read_bytes().endswith(b"\n")


def test_an_extra_field_holding_data_is_an_error(tmp_path):
    folder = copy_set(GRAND_BEND, tmp_path)
    edit(
        folder,
        "users.csv",
        "Sara,Preston,Stacy,,Sara.Preston@studentgps.org,,,,,,",
        "Sara,Preston,Stacy,,Sara.Preston@studentgps.org,,,,,,oops",
    )

    roster = read_roster(folder)

    problem = only_problem(roster)
    assert (problem.file, problem.line, problem.column) == ("users.csv", 11, "")
    assert problem.message == (
        "this row has 19 fields but the header has 18 (1 field too many, with data in it)."
    )


# --- Microsoft School Data Sync v2.1 -------------------------------------------------------------


def test_sds_sample_maps_guardians_from_relationships():
    roster = read_roster(SDS_SAMPLE)

    assert roster.problems == []
    assert roster.format == "sds-2.1"
    assert roster.modes == dict.fromkeys(KINDS, Mode.BULK)
    assert list(roster.schools) == ["110003"]  # the college, department and ministry are not
    # 114008 is a college student: outside a K-12 roster, skipped without a problem
    assert sorted(roster.students) == ["114001", "114003", "114004"]
    jack = roster.students["114001"]
    assert (jack.given_name, jack.grade, jack.school_sourced_id) == ("Jack", "10", "110003")
    assert jack.identifier == "114001"
    jean = roster.guardians["114002"]
    assert (jean.email, jean.phone) == ("jean.craig@outlook.com", "+11234567890")
    assert jean.relationship == "guardian"  # her strongest: guardian of one, relative of another
    assert {k: (v.relationship, v.has_rights) for k, v in roster.links.items()} == {
        ("114002", "114001"): ("guardian", True),
        ("114002", "114003"): ("relative", False),
        ("114005", "114004"): ("guardian", True),
    }
    # Kristen Fein teaches at the school; her username is her sign-in address
    fein = roster.staff["114007"]
    assert (fein.role, fein.email) == ("teacher", "kfein@classrmtest31.org")
    assert "114006" not in roster.staff  # a professor in a college department
    assert list(roster.sections) == ["112002"]  # the college's class is skipped
    biology = roster.sections["112002"]
    assert (biology.title, biology.term, biology.school_sourced_id) == (
        "Biology 10",
        "2021 School Year",
        "110003",
    )
    assert biology.teacher_sourced_ids == ("114007",)
    assert sorted(roster.enrollments) == ["112002:114001", "112002:114003", "112002:114004"]
    enrollment = roster.enrollments["112002:114001"]
    assert (enrollment.begin_date, enrollment.end_date) == (date(2021, 8, 24), date(2022, 6, 11))
    # passwords and the special-indicator flags are never read into the roster
    assert not any("P@ssword" in repr(r) for r in roster.guardians.values())


def test_sds_sample_really_uses_crlf():
    assert b"\r\n" in (SDS_SAMPLE / "users.csv").read_bytes()


def test_sds_without_relationships_leaves_guardians_alone(tmp_path):
    folder = copy_set(SDS_SAMPLE, tmp_path)
    (folder / "relationships.csv").unlink()

    roster = read_roster(folder)

    assert roster.problems == []
    assert roster.modes["guardians"] is Mode.ABSENT
    assert roster.modes["links"] is Mode.ABSENT
    assert roster.modes["students"] is Mode.BULK
    assert roster.guardians == {} and roster.links == {}


# --- OneRoster 1.1 with guardians ----------------------------------------------------------------


def test_oneroster_11_with_guardians():
    roster = read_roster(OR11)

    assert roster.problems == []
    assert roster.format == "oneroster-1.1"
    assert roster.modes == dict.fromkeys(KINDS, Mode.BULK)
    assert sorted(roster.schools) == ["s1", "s2"]

    jose, zoe = roster.students["stu1"], roster.students["stu2"]
    assert (jose.given_name, jose.family_name) == ("José", "Núñez")
    assert zoe.given_name == "Zoë"
    assert (jose.identifier, jose.grade, jose.school_sourced_id) == ("100001", "03", "s1")
    liam = roster.students["stu4"]
    assert liam.identifier == "stu4"  # no identifier: the sourcedId
    assert liam.grade == "08"  # the first of "08,09"
    assert liam.school_sourced_id == "s2"  # the first school among "d1,s2"

    carlos = roster.guardians["g2"]
    assert carlos.email is None  # no email: reached on paper
    assert carlos.phone == "(555) 010-2000"
    assert roster.guardians["g3"].phone == "555-0103"  # no phone: the sms number
    assert roster.guardians["g5"].relationship == "relative"
    assert roster.guardians["g1"].given_name == "María"


def test_oneroster_11_links_are_the_union_of_both_directions():
    roster = read_roster(OR11)

    assert {k: (v.relationship, v.has_rights, v.active) for k, v in roster.links.items()} == {
        # siblings sharing two parents: both directions for María, student -> parent for Carlos
        ("g1", "stu1"): ("parent", True, True),
        ("g1", "stu2"): ("parent", True, True),
        ("g2", "stu1"): ("parent", True, True),
        ("g2", "stu2"): ("parent", True, True),
        # only the guardian lists the child
        ("g3", "stu3"): ("guardian", True, True),
        # both directions for the father, only the child lists the grandmother
        ("g4", "stu4"): ("parent", True, True),
        ("g5", "stu4"): ("relative", False, True),
    }


def test_oneroster_11_staff_and_sections():
    roster = read_roster(OR11)

    assert {s.sourced_id: (s.role, s.school_sourced_id) for s in roster.staff.values()} == {
        "t1": ("teacher", None),  # teaches in two schools
        "t2": ("teacher", None),
        "p1": ("principal", "s1"),  # an administrator at a school
        # a1 (administrator at the district) and aide1 (an aide) are not staff here
    }
    assert roster.staff["t1"].family_name == "García"

    math = roster.sections["c2"]
    assert (math.title, math.school_sourced_id, math.term) == (
        "Math 7 (period 2)",
        "s2",
        "Fall 2025",
    )
    assert math.teacher_sourced_ids == ("t2", "t1")  # the primary teacher first, each once
    assert roster.sections["c1"].teacher_sourced_ids == ("t1",)
    assert roster.sections["c1"].term == "2025-2026 School Year"
    assert roster.sections["c3"].teacher_sourced_ids == ("t1",)  # the proctor is not a teacher

    assert sorted(roster.enrollments) == ["e1", "e2", "e3", "e4"]
    assert roster.enrollments["e3"].end_date is None
    # no dates of its own: from the first start to the last end of its class's two terms
    e4 = roster.enrollments["e4"]
    assert (e4.begin_date, e4.end_date) == (date(2025, 8, 18), date(2026, 6, 12))
    assert (e4.section_sourced_id, e4.student_sourced_id) == ("c2", "stu4")


def test_oneroster_11_fixture_has_the_file_quirks():
    """The set exercises a BOM, CRLF, a missing final newline and metadata columns."""
    assert (OR11 / "orgs.csv").read_bytes().startswith(b"\xef\xbb\xbfsourcedId,")
    assert b",metadata.city,metadata.state" in (OR11 / "orgs.csv").read_bytes()
    assert (OR11 / "users.csv").read_bytes().count(b"\r\n") == 15
    assert b",metadata.homeLanguage" in (OR11 / "users.csv").read_bytes()
    assert (OR11 / "manifest.csv").read_bytes().endswith(b"\r\n")
    assert not (OR11 / "classes.csv").read_bytes().endswith(b"\n")
    assert b'"{Local:100002},{State:CA77}"' in (OR11 / "users.csv").read_bytes()


@pytest.mark.parametrize("variant", ["bom", "crlf", "no-final-newline", "lf"])
def test_line_ends_and_bom_do_not_change_the_result(tmp_path, variant):
    folder = copy_set(OR11, tmp_path)
    for path in folder.glob("*.csv"):
        text = path.read_bytes().removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")
        if variant == "bom":
            text = b"\xef\xbb\xbf" + text
        elif variant == "crlf":
            text = text.replace(b"\n", b"\r\n")
        elif variant == "no-final-newline":
            text = text.rstrip(b"\n")
        path.write_bytes(text)

    assert _records(read_roster(folder)) == _records(read_roster(OR11))


def test_quoted_newline_inside_a_field_keeps_line_numbers_right(tmp_path):
    folder = copy_set(OR11, tmp_path)
    edit(folder, "classes.csv", "Science 5,05", '"Science\n5",05')
    edit(folder, "classes.csv", ",Lab,s1,", ",Lab,nowhere,")

    roster = read_roster(folder)

    assert [(p.file, p.line, p.column) for p in roster.problems] == [
        ("classes.csv", 4, "schoolSourcedId")
    ]


# --- OneRoster 1.2 -------------------------------------------------------------------------------


@pytest.mark.parametrize("folder", [OR12, OR12_NO_RESOURCES], ids=["with", "without"])
def test_oneroster_12_with_and_without_resource_ids(folder):
    roster = read_roster(folder)

    assert roster.problems == []
    assert roster.format == "oneroster-1.2"
    assert roster.modes == dict.fromkeys(KINDS, Mode.BULK)
    assert roster.students["stu1"].given_name == "José"
    assert roster.students["stu4"].school_sourced_id == "s2"  # the primary student role's org
    assert {s.sourced_id: (s.role, s.school_sourced_id) for s in roster.staff.values()} == {
        "t1": ("teacher", None),
        "t2": ("teacher", None),
        "p1": ("principal", "s1"),  # role principal
        "p2": ("principal", "s2"),  # role siteAdministrator
        # a1 is a districtAdministrator and aide1 an aide (and an ext: role): not staff
    }
    # Ben Adams teaches and is also Liam's parent: both a staff member and a guardian
    assert roster.guardians["t2"].relationship == "parent"
    assert roster.links[("t2", "stu4")].has_rights
    assert roster.links[("g5", "stu4")].relationship == "relative"
    assert not roster.links[("g5", "stu4")].has_rights


def test_oneroster_12_fixtures_differ_only_in_resource_ids():
    with_header = (OR12 / "users.csv").read_bytes().splitlines()[0]
    without_header = (OR12_NO_RESOURCES / "users.csv").read_bytes().splitlines()[0]
    assert b"resourceSourcedIds" in with_header
    assert b"resourceSourcedIds" not in without_header
    assert read_roster(OR12).students == read_roster(OR12_NO_RESOURCES).students


def test_oneroster_11_and_12_sets_agree():
    v11, v12 = read_roster(OR11), read_roster(OR12)
    for kind in ("schools", "students", "sections", "enrollments"):
        assert getattr(v11, kind) == getattr(v12, kind), kind
    assert set(v12.links) - set(v11.links) == {("t2", "stu4")}


# --- delta ---------------------------------------------------------------------------------------


def test_delta_set():
    roster = read_roster(OR11_DELTA)

    assert roster.problems == []
    assert roster.modes == {
        "schools": Mode.ABSENT,
        "students": Mode.DELTA,
        "guardians": Mode.DELTA,
        "staff": Mode.DELTA,
        "sections": Mode.ABSENT,
        "enrollments": Mode.DELTA,
        "links": Mode.DELTA,
    }
    assert roster.students["stu1"].given_name == "José Luis"
    assert roster.students["stu1"].active
    assert not roster.students["stu3"].active  # tobedeleted
    # a new student at a school this set does not describe: the service knows it
    assert roster.students["stu5"].school_sourced_id == "s1"
    assert not roster.guardians["g3"].active
    assert not roster.enrollments["e2"].active
    # a teacher enrollment reaches only sections in the same set; classes.csv is absent
    assert roster.sections == {} and "e12" not in roster.enrollments
    assert roster.enrollments["e11"].active
    # links need both people in the set; one with a deleted guardian is inactive
    assert {k: v.active for k, v in roster.links.items()} == {
        ("g1", "stu1"): True,
        ("g1", "stu5"): True,
        ("g3", "stu3"): False,
    }


def test_progress_is_reported_per_file():
    seen: dict[str, int] = {}
    read_roster(OR11, progress=lambda name, rows: seen.__setitem__(name, rows))

    assert seen["users.csv"] == 14
    assert seen["enrollments.csv"] == 10
    assert "courses.csv" not in seen  # not read: nothing in it is kept


def test_a_string_path_works():
    assert read_roster(str(OR11)).ok


def test_reading_leaves_the_garbage_collector_as_it_was():
    assert gc.isenabled()
    read_roster(OR11)
    assert gc.isenabled()


def _records(roster):
    return {kind: getattr(roster, kind) for kind in KINDS} | {"problems": roster.problems}
