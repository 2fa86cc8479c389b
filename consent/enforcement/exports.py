"""Reading a vendor's roster export: which students it lists, by their identifiers.

Three shapes are read, streamed row by row (a district-wide export lists 160,000 students):

- a OneRoster set as a .zip: its users.csv, the rows whose `role` is `student` (1.1), or, with
  no role column, the users roles.csv names as students (1.2); the zip is checked as the
  roster import checks one (consent.roster.importer.csvfiles) before anything is read;
- a OneRoster users.csv alone (a first line with `sourcedId` and other columns), the same way;
- a plain CSV of one column naming the identifier: `sourcedId`, or the student number
  (`identifier`, `student number`, `student_id`, `district identifier`).

Each student row gives its `sourcedId` and, when present, its `identifier` (the student
number): a student of the district is in the export when either matches. Anything else — not
UTF-8, no such column, a damaged or unsafe zip, no student at all — is an `ExportError` whose
message says what to fix; nothing is kept of a file that fails."""

import csv
import io
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from flask_babel import lazy_gettext as _l

from consent.core.errors import DomainError
from consent.roster.importer.csvfiles import Problems, SourceError, open_source

#: More rows than any district's export: a file past it is refused, not read on.
MAX_ROWS = 2_000_000
#: The widest identifier a student record keeps (consent.roster.models.Student.sourced_id).
MAX_IDENTIFIER = 255

#: Names of the one column of a plain identifier list, compared without case, spaces or "_".
IDENTIFIER_COLUMNS = {
    "sourcedid",
    "identifier",
    "studentnumber",
    "studentid",
    "districtidentifier",
}

ONEROSTER = "oneroster"
IDENTIFIERS = "identifiers"


class ExportError(DomainError):
    """A vendor export that cannot be read; the message (translatable) says why."""


@dataclass
class Export:
    format: str
    #: Every sourcedId and student number the export gives for a student.
    identifiers: set[str] = field(default_factory=set)
    #: Student rows read.
    rows: int = 0


def _norm(name: str) -> str:
    return "".join(name.split()).replace("_", "").replace("-", "").lower()


def _rows(raw: BinaryIO, name: str) -> Iterator[list[str]]:
    """The CSV rows of `raw`, stripped; UTF-8 (with or without a BOM) only."""
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    line = 0
    try:
        for line, row in enumerate(csv.reader(text), 1):  # noqa: B007 - read after the loop
            if line > MAX_ROWS + 1:
                raise ExportError(
                    _l("%(file)s has more than %(count)s rows; no district's export is this big.")
                    % {"file": name, "count": f"{MAX_ROWS:,}"}
                )
            yield [cell.strip() for cell in row]
    except UnicodeDecodeError as error:
        raise ExportError(
            _l("%(file)s is not UTF-8 text (line %(line)s): export it as UTF-8 CSV.")
            % {"file": name, "line": line + 1}
        ) from error
    except csv.Error as error:
        raise ExportError(
            _l("%(file)s is not a readable CSV file (line %(line)s).")
            % {"file": name, "line": line + 1}
        ) from error
    except SourceError as error:
        raise ExportError(
            _l("%(file)s could not be read: %(why)s") % {"file": name, "why": error}
        ) from error
    finally:
        text.detach()  # the caller closes `raw`, read to the end or not


def _add(export: Export, *values: str) -> None:
    for value in values:
        if value:
            export.identifiers.add(value[:MAX_IDENTIFIER])


def _users(rows: Iterator[list[str]], header: list[str], name: str, students: set[str] | None):
    """A OneRoster users.csv: its student rows' sourcedId and identifier."""
    columns = {column: i for i, column in enumerate(header)}
    sourced = columns["sourcedId"]
    number = columns.get("identifier")
    role = columns.get("role")
    export = Export(format=ONEROSTER)
    for row in rows:
        if len(row) <= sourced or not row[sourced]:
            continue
        if role is not None and (len(row) <= role or row[role].lower() != "student"):
            continue
        if role is None and students is not None and row[sourced] not in students:
            continue
        export.rows += 1
        _add(export, row[sourced], row[number] if number is not None and len(row) > number else "")
    return export


def _student_ids_of_roles(rows: Iterator[list[str]], name: str) -> set[str]:
    """OneRoster 1.2 roles.csv: the users it names as students."""
    header = next(rows, [])
    if "userSourcedId" not in header or "role" not in header:
        raise ExportError(_l("%(file)s needs the columns userSourcedId and role.") % {"file": name})
    user, role = header.index("userSourcedId"), header.index("role")
    return {
        row[user] for row in rows if len(row) > max(user, role) and row[role].lower() == "student"
    }


def _read_csv(raw: BinaryIO, name: str, students: set[str] | None = None) -> Export:
    with closing(_rows(raw, name)) as rows:
        return _read_rows(rows, name, students)


def _read_rows(rows: Iterator[list[str]], name: str, students: set[str] | None) -> Export:
    header = next(rows, None)
    if not header or not any(header):
        raise ExportError(_l("%(file)s is empty.") % {"file": name})
    if "sourcedId" in header and len(header) > 1:
        return _users(rows, header, name, students)
    if len(header) == 1 and _norm(header[0]) in IDENTIFIER_COLUMNS:
        export = Export(format=IDENTIFIERS)
        for row in rows:
            if row and row[0]:
                export.rows += 1
                _add(export, row[0])
        return export
    raise ExportError(
        _l(
            "%(file)s is neither a OneRoster users.csv (with a sourcedId column) nor a list of "
            "one column named sourcedId or student number."
        )
        % {"file": name}
    )


def _read_zip(path: Path, name: str) -> Export:
    problems = Problems()
    source = open_source(path, problems)
    if source is None or problems:
        if source is not None:
            source.close()
        first = problems.result()[0]
        raise ExportError(
            _l("%(file)s was refused: %(why)s") % {"file": name, "why": first.message}
        )
    try:
        names = source.names()
        if "users.csv" not in names:
            raise ExportError(
                _l("%(file)s holds no users.csv: upload the vendor's OneRoster export.")
                % {"file": name}
            )
        students = None
        if "roles.csv" in names:
            with source.open("roles.csv") as raw, closing(_rows(raw, "roles.csv")) as rows:
                students = _student_ids_of_roles(rows, "roles.csv")
        with source.open("users.csv") as raw:
            export = _read_csv(raw, "users.csv", students)
        if export.format != ONEROSTER:
            raise ExportError(_l("users.csv in %(file)s has no sourcedId column.") % {"file": name})
        return export
    except SourceError as error:
        raise ExportError(
            _l("%(file)s could not be read: %(why)s") % {"file": name, "why": error}
        ) from error
    finally:
        source.close()


def read_export(path: Path, name: str) -> Export:
    """The students the export at `path` lists (`name`: the file's name, for messages)."""
    if zipfile.is_zipfile(path):
        export = _read_zip(path, name)
    else:
        with open(path, "rb") as raw:
            export = _read_csv(raw, name)
    if not export.identifiers:
        raise ExportError(_l("%(file)s lists no student.") % {"file": name})
    return export


def saved_upload(file_storage) -> Path:
    """An uploaded export written to a temporary file in chunks (the caller removes it): a zip
    is read from a file, and a request's body is read once."""
    handle = tempfile.NamedTemporaryFile(prefix="vendor-roster-", delete=False)  # noqa: SIM115
    with handle:
        file_storage.save(handle)
    return Path(handle.name)
