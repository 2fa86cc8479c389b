"""Birth dates from the roster (OneRoster demographics.csv, SDS demographics.csv): read when
they are real YYYY-MM-DD dates, otherwise reported as notes in the import summary and never
guessed; only birthDate is read from the file."""

from datetime import date

from consent.roster.importer.readers import read_roster
from tests.roster.helpers import OR11, OR12, SDS_SAMPLE, copy_set, edit

HEADER = (
    "sourcedId,status,dateLastModified,birthDate,sex,americanIndianOrAlaskaNative,asian,"
    "blackOrAfricanAmerican,nativeHawaiianOrOtherPacificIslander,white,"
    "demographicRaceTwoOrMoreRaces,hispanicOrLatinoEthnicity,countryOfBirthCode,"
    "stateOfBirthAbbreviation,cityOfBirth,publicSchoolResidenceStatus\n"
)


def with_demographics(source, tmp_path, rows: str):
    folder = copy_set(source, tmp_path)
    edit(folder, "manifest.csv", "file.demographics,absent", "file.demographics,bulk")
    (folder / "demographics.csv").write_text(HEADER + rows, encoding="utf-8")
    return folder


def notes_at(roster) -> dict[tuple[int, str], str]:
    return {(n.line, n.column): n.message for n in roster.notes}


def test_oneroster_11_birth_dates_are_read_and_the_bad_or_missing_ones_reported(tmp_path):
    folder = with_demographics(
        OR11,
        tmp_path,
        "stu1,,,2008-05-14,female,,,,,,,,,,,\n"
        "stu2,,,2008-02-30,,,,,,,,,,,,\n"
        "stu3,,,,,,,,,,,,,,,\n"
        "g1,,,1980-01-01,,,,,,,,,,,,\n",
    )
    roster = read_roster(folder)
    assert roster.problems == []
    assert roster.students["stu1"].birth_date == date(2008, 5, 14)
    assert roster.students["stu2"].birth_date is None  # 30 February: not guessed
    assert roster.students["stu3"].birth_date is None
    notes = notes_at(roster)
    assert "2008-02-30" in notes[(3, "birthDate")]
    assert "no birth date is given" in notes[(4, "birthDate")]
    assert 'student "stu4" has no row' in notes[(0, "")]
    assert not any("g1" in n.message for n in roster.notes)  # a parent's row is not a student's


def test_oneroster_12_birth_dates_are_read(tmp_path):
    folder = with_demographics(OR12, tmp_path, "stu1,,,2007-12-01,,,,,,,,,,,,\n")
    roster = read_roster(folder)
    assert roster.problems == []
    assert roster.students["stu1"].birth_date == date(2007, 12, 1)
    assert roster.students["stu2"].birth_date is None


def test_a_set_without_demographics_says_so_once_and_changes_no_date():
    roster = read_roster(OR11)
    assert roster.problems == []
    assert len(roster.notes) == 1 and "no demographics.csv" in roster.notes[0].message
    assert all(s.birth_date is None for s in roster.students.values())


def test_the_sds_sample_gives_birth_dates_and_student_addresses():
    roster = read_roster(SDS_SAMPLE)
    assert roster.students["114001"].birth_date == date(2001, 7, 2)
    assert roster.students["114003"].birth_date == date(2002, 3, 2)
    # SDS students sign in with a username that is an address: it is where their invitation goes.
    assert roster.students["114001"].email == "jcraig@classrmtest31.org"
