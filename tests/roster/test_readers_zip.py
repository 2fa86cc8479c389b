"""Roster sets uploaded as a zip: read exactly like the folder; unsafe, non-CSV, oversized and
bomb-like zips refused before anything is read."""

import zipfile
from pathlib import Path

import pytest

from consent.roster.importer import csvfiles
from consent.roster.importer.readers import read_roster
from consent.roster.importer.records import KINDS, Problem
from tests.roster.helpers import OR11, SDS_SAMPLE, copy_set, only_problem, problem_at


def make_zip(path: Path, folder: Path, prefix: str = "", **extra: bytes) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for csv in sorted(folder.glob("*.csv")):
            zf.write(csv, prefix + csv.name)
        for name, data in extra.items():
            zf.writestr(name, data)
    return path


def records(roster):
    return {kind: getattr(roster, kind) for kind in KINDS} | {
        "format": roster.format,
        "modes": roster.modes,
    }


@pytest.mark.parametrize("folder", [OR11, SDS_SAMPLE], ids=["oneroster", "sds"])
def test_a_good_zip_reads_the_same_as_its_folder(tmp_path, folder):
    roster = read_roster(make_zip(tmp_path / "roster.zip", folder))

    assert roster.problems == []
    assert records(roster) == records(read_roster(folder))


def test_files_in_a_folder_inside_the_zip_and_desktop_litter(tmp_path):
    path = make_zip(
        tmp_path / "roster.zip",
        OR11,
        prefix="riverside-2026/",
        **{"__MACOSX/riverside-2026/._users.csv": b"\x00\x05", "riverside-2026/.DS_Store": b"x"},
    )

    roster = read_roster(path)

    assert roster.problems == []
    assert records(roster) == records(read_roster(OR11))


@pytest.mark.parametrize(
    "name", ["../evil.csv", "roster/../../evil.csv", "/etc/evil.csv", "..\\evil.csv", "C:/evil.csv"]
)
def test_path_traversal_names_are_refused(tmp_path, name):
    path = make_zip(tmp_path / "roster.zip", OR11, **{name: b"a,b\n"})

    roster = read_roster(path)

    problem = only_problem(roster)
    assert (problem.file, problem.line, problem.column) == ("roster.zip", 0, "")
    assert problem.message == (
        f'the zip holds a file named "{name}" that points outside the zip (an unsafe name). '
        "Refused."
    )
    assert roster.students == {} and roster.format == "unknown"  # nothing was read


def test_a_non_csv_member_is_refused(tmp_path):
    path = make_zip(tmp_path / "roster.zip", OR11, **{"notes.txt": b"hello"})

    roster = read_roster(path)

    assert only_problem(roster).message == (
        '"notes.txt" is not a CSV file; the zip may hold only the roster\'s CSV files.'
    )
    assert roster.students == {}


def test_a_zip_bomb_is_refused(tmp_path):
    """50 MB of zeros packs into about 50 KB: a thousand to one, refused from the directory."""
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for csv in OR11.glob("*.csv"):
            if csv.name != "users.csv":
                zf.write(csv, csv.name)
        with zf.open("users.csv", "w") as member:
            chunk = bytes(1024 * 1024)
            for _ in range(50):
                member.write(chunk)
    assert path.stat().st_size < 1024 * 1024

    roster = read_roster(path)

    problem = only_problem(roster)
    assert problem.file == "bomb.zip"
    assert problem.message.startswith('"users.csv" would expand ')
    assert problem.message.endswith(
        "times its packed size, far more than any real roster file (a zip bomb?). Refused."
    )
    assert roster.students == {}


def test_a_zip_declaring_more_than_the_total_cap_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(csvfiles, "MAX_TOTAL_BYTES", 2000)

    roster = read_roster(make_zip(tmp_path / "roster.zip", OR11))

    problem = only_problem(roster)
    assert problem.message.startswith("the zip's files would take ")
    assert problem.message.endswith("Refused.")


def test_a_zip_with_too_many_members_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(csvfiles, "MAX_MEMBERS", 5)

    roster = read_roster(make_zip(tmp_path / "roster.zip", OR11))

    assert only_problem(roster).message == (
        "the zip holds 7 files; a roster set has at most 5. Refused."
    )


def test_a_non_utf8_csv_inside_a_zip(tmp_path):
    folder = copy_set(OR11, tmp_path)
    users = folder / "users.csv"
    users.write_bytes(users.read_bytes().decode("utf-8").encode("cp1252"))

    roster = read_roster(make_zip(tmp_path / "roster.zip", folder))

    problem = problem_at(roster, "users.csv", 2, "")
    assert problem.message.startswith("this file is not UTF-8 text")
    assert not roster.ok


def test_a_damaged_member_is_reported(tmp_path):
    path = tmp_path / "roster.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for csv in sorted(OR11.glob("*.csv")):
            zf.write(csv, csv.name)
    data = path.read_bytes()
    at = data.index(b"c1,,,Homeroom")  # inside classes.csv, stored as is
    path.write_bytes(data[:at] + b"C" + data[at + 1 :])

    roster = read_roster(path)

    problem = problem_at(roster, "classes.csv", 0, "")
    assert problem.message.startswith("the zip file is damaged")


def test_a_file_with_a_zip_name_that_is_not_a_zip(tmp_path):
    path = tmp_path / "roster.zip"
    path.write_bytes(b"PK but not really a zip")

    assert only_problem(read_roster(path)) == Problem(
        "roster.zip",
        0,
        "",
        "this is neither a folder nor a .zip file. Upload the roster set as "
        "a zip of its CSV files.",
    )
