"""Paths to the roster sets and small helpers for building broken copies of them."""

import shutil
from pathlib import Path

from consent.roster.importer.records import Problem, RosterSet

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
# The repository is /work/main and the shared fixtures live beside it in /work/shared.
FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures"
GRAND_BEND = FIXTURES / "oneroster-1.1-edfi-grand-bend"
SDS_SAMPLE = FIXTURES / "sds-v2.1-microsoft-sample"
OR11 = DATA / "oneroster-1.1-guardians"
OR12 = DATA / "oneroster-1.2-guardians"
OR12_NO_RESOURCES = DATA / "oneroster-1.2-no-resources"
OR11_DELTA = DATA / "oneroster-1.1-delta"


def copy_set(source: Path, tmp_path: Path, name: str = "set") -> Path:
    """A writable copy of a set's CSV files (licence and notes left behind)."""
    target = tmp_path / name
    target.mkdir()
    for path in source.glob("*.csv"):
        shutil.copyfile(path, target / path.name)
        (target / path.name).chmod(0o644)
    return target


def edit(folder: Path, name: str, old: str, new: str, count: int = 1) -> None:
    """Replace text in one file, keeping its BOM and line ends; `old` must be there."""
    path = folder / name
    data = path.read_bytes()
    before, after = old.encode(), new.encode()
    assert data.count(before) >= count, f"{old!r} not in {name}"
    path.write_bytes(data.replace(before, after, count))


def problem_at(roster: RosterSet, file: str, line: int, column: str) -> Problem:
    """The one problem reported at this place."""
    found = [p for p in roster.problems if (p.file, p.line, p.column) == (file, line, column)]
    assert len(found) == 1, (
        f"expected one problem at {file}:{line}:{column!r}, got {found}; all: "
        + "; ".join(map(str, roster.problems))
    )
    return found[0]


def only_problem(roster: RosterSet) -> Problem:
    assert len(roster.problems) == 1, "; ".join(map(str, roster.problems))
    return roster.problems[0]
