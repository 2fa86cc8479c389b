"""Opening a roster set (a folder or a zip) and streaming its CSV files row by row, with every
problem recorded against file, line and column.

Nothing here knows OneRoster or SDS: the format readers describe each file with a `FileSpec` and
get rows back as lists of stripped strings, with the header already checked.

Zip files are checked from their directory before any member is read: unsafe names (`../x.csv`,
absolute paths), members that are not CSV files, encrypted members, too many members, declared
sizes over `MAX_TOTAL_BYTES`, and members that compress suspiciously well (a zip bomb) are each
a problem, and then nothing is read at all. While reading, a member may not yield more bytes than
its directory declared.
"""

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO

from consent.roster.importer.records import Problem, Unused

# Zip limits. A district's full export (160,000 students, 1.3 million enrollments) is a few
# hundred megabytes uncompressed; CSV with random ids compresses about 4-10 to 1.
MAX_TOTAL_BYTES = 2 * 1024**3  # declared uncompressed size of all members together
MAX_MEMBERS = 200
MAX_RATIO = 100  # uncompressed / compressed, for members bigger than RATIO_FLOOR_BYTES
RATIO_FLOOR_BYTES = 1024**2

# Files nobody means to upload but zip tools and desktops add; skipped without a word.
_IGNORED_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}

# Past this many problems in one file, the rest are counted, not listed (a file that is wrong on
# every one of a million rows should not need a gigabyte to say so).
MAX_PROBLEMS_PER_FILE = 1000

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class SourceError(Exception):
    """A file in the set could not be read (a damaged zip member, a limit passed)."""


class Problems:
    """The problems found so far, capped per file."""

    def __init__(self) -> None:
        self._items: list[Problem] = []
        self._count: dict[str, int] = {}

    def add(self, file: str, line: int, column: str, message: str) -> None:
        n = self._count.get(file, 0) + 1
        self._count[file] = n
        if n <= MAX_PROBLEMS_PER_FILE:
            self._items.append(Problem(file, line, column, message))

    def __bool__(self) -> bool:
        return bool(self._items)

    def count(self, file: str) -> int:
        return self._count.get(file, 0)

    def result(self) -> list[Problem]:
        """The problems grouped by file, in the order files were met, then by line; a count of
        those not listed closes each file's group."""
        order: dict[str, int] = {}
        for p in self._items:
            order.setdefault(p.file, len(order))
        items = sorted(self._items, key=lambda p: (order[p.file], p.line))
        for file, n in self._count.items():
            if n > MAX_PROBLEMS_PER_FILE:
                more = n - MAX_PROBLEMS_PER_FILE
                at = max(i for i, p in enumerate(items) if p.file == file) + 1
                words = "1 more problem" if more == 1 else f"{more:,} more problems"
                items.insert(at, Problem(file, 0, "", f"{words} in this file, not listed."))
        return items


# --- sources ------------------------------------------------------------------------------------


class Source:
    """The CSV files of a set, by file name (no folders)."""

    description = ""

    def names(self) -> set[str]:
        raise NotImplementedError

    def open(self, name: str) -> BinaryIO:
        raise NotImplementedError

    def close(self) -> None:
        """Release the underlying file."""


class FolderSource(Source):
    """A folder: its `*.csv` files are the set; anything else in it (a README) is left alone."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.description = path.name
        self._names = {p.name for p in path.iterdir() if p.is_file() and _is_csv(p.name)}

    def names(self) -> set[str]:
        return set(self._names)

    def open(self, name: str) -> BinaryIO:
        return open(self.path / name, "rb")  # noqa: SIM115 - the caller closes it


class ZipSource(Source):
    """A zip of CSV files, checked from its directory before anything is read."""

    def __init__(self, path: Path, problems: Problems) -> None:
        self.description = path.name
        self._zip = zipfile.ZipFile(path)
        self._members: dict[str, zipfile.ZipInfo] = {}
        self._check(problems)

    def _check(self, problems: Problems) -> None:
        where = self.description
        infos = self._zip.infolist()
        if len(infos) > MAX_MEMBERS:
            problems.add(
                where,
                0,
                "",
                f"the zip holds {len(infos):,} files; a roster set has at most "
                f"{MAX_MEMBERS}. Refused.",
            )
            return
        total = 0
        for info in infos:
            name = info.filename
            parts = re.split(r"[\\/]", name)
            if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name) or ".." in parts:
                problems.add(
                    where,
                    0,
                    "",
                    f'the zip holds a file named "{name}" that points outside the '
                    "zip (an unsafe name). Refused.",
                )
                continue
            if info.is_dir() or _ignorable(parts):
                continue
            base = parts[-1]
            if not _is_csv(base):
                problems.add(
                    where,
                    0,
                    "",
                    f'"{name}" is not a CSV file; the zip may hold only the roster\'s CSV files.',
                )
                continue
            if info.flag_bits & 0x1:
                problems.add(where, 0, "", f'"{name}" is encrypted; upload it without a password.')
                continue
            if base in self._members:
                problems.add(where, 0, "", f'the zip holds two files named "{base}".')
                continue
            total += info.file_size
            if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(
                info.compress_size, 1
            ):
                ratio = info.file_size // max(info.compress_size, 1)
                problems.add(
                    where,
                    0,
                    "",
                    f'"{name}" would expand {ratio:,} times its packed size, far more '
                    "than any real roster file (a zip bomb?). Refused.",
                )
                continue
            self._members[base] = info
        if total > MAX_TOTAL_BYTES:
            problems.add(
                where,
                0,
                "",
                f"the zip's files would take {_size(total)} unpacked; the limit is "
                f"{_size(MAX_TOTAL_BYTES)}. Refused.",
            )

    def names(self) -> set[str]:
        return set(self._members)

    def open(self, name: str) -> BinaryIO:
        info = self._members[name]
        try:
            member = self._zip.open(info)
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, OSError) as e:
            raise SourceError(f"the zip file is damaged or uses an unknown packing ({e})") from e
        return io.BufferedReader(_Limited(member, info.file_size))  # type: ignore[return-value]

    def close(self) -> None:
        self._zip.close()


class _Limited(io.RawIOBase):
    """A zip member that may not yield more than its declared size, with zip errors made plain."""

    def __init__(self, raw: BinaryIO, limit: int) -> None:
        self._raw = raw
        self._left = limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        try:
            data = self._raw.read(min(len(buffer), self._left + 1))
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
            raise SourceError(f"the zip file is damaged ({e})") from e
        if len(data) > self._left:
            raise SourceError("this file holds more data than the zip declared (a zip bomb?)")
        self._left -= len(data)
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


def _is_csv(name: str) -> bool:
    return name.lower().endswith(".csv")


def _ignorable(parts: list[str]) -> bool:
    base = parts[-1]
    return parts[0] == "__MACOSX" or base.lower() in _IGNORED_NAMES or base.startswith("._")


def _size(n: int) -> str:
    return f"{n / 1024**3:.1f} GB" if n >= 1024**3 else f"{n / 1024**2:.0f} MB"


def open_source(path: Path, problems: Problems) -> Source | None:
    """The set at `path`, or None (with a problem) when it is neither a folder nor a zip."""
    if path.is_dir():
        return FolderSource(path)
    if not path.exists():
        problems.add(path.name, 0, "", "there is no file or folder by this name.")
        return None
    if path.is_file() and zipfile.is_zipfile(path):
        try:
            return ZipSource(path, problems)
        except (zipfile.BadZipFile, zlib.error, OSError, ValueError) as e:
            problems.add(path.name, 0, "", f"the zip file is damaged ({e}).")
            return None
    problems.add(
        path.name,
        0,
        "",
        "this is neither a folder nor a .zip file. Upload the roster set as a "
        "zip of its CSV files.",
    )
    return None


# --- tables -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileSpec:
    """What a CSV file's header must look like.

    `columns` are the known columns in their spec order; `header` those that must be present;
    `values` those that must be non-empty on every row; `unused` those the specification
    requires but the product never reads: a blank cell there refuses nothing, it is counted and
    said once per file, column and kind of row (`Table.unused_notes`). With `ordered`, the
    known columns present must keep the spec's order and come before any `metadata.*` columns,
    and an unknown column is a problem (OneRoster). Without it, order is free and unknown
    columns are skipped, except one that differs from a known column only in case (SDS, whose
    optional columns vary).
    """

    name: str
    columns: tuple[str, ...]
    header: frozenset[str]
    values: frozenset[str] = frozenset()
    ordered: bool = True
    unused: frozenset[str] = frozenset()


@dataclass
class Table:
    """A CSV file being read: the header's positions, then the rows."""

    spec: FileSpec
    problems: Problems
    reader: "csv._reader"
    header: list[str]
    progress: Callable[[str, int], None] | None = None
    index: dict[str, int] = field(default_factory=dict)
    complete: bool = False  # every row was read (no decoding or CSV error cut it short)
    rows_read: int = 0
    count: int = 0  # problems found in this file so far: a row is good if it added none
    #: What kind of row this is ("guardian", "student"...), for the blank unused cells' notes.
    kind: Callable[[list[str]], str] | None = None
    blanks: dict[tuple[str, str], int] = field(default_factory=dict)  # (column, kind) -> rows

    def problem(self, line: int, column: str, message: str) -> None:
        self.count += 1
        self.problems.add(self.spec.name, line, column, message)

    def rows(self) -> Iterator[tuple[int, list[str], bool]]:
        """Yield (line, values, ok) for every non-blank row; ok is False when the row had a
        problem of shape (field count, a required value missing), which is already reported.

        A row with more fields than the header is accepted when the extra fields are all empty:
        exports (the Grand Bend ClassLink set among them) end some rows with a stray comma.
        """
        width = len(self.header)
        required = [(c, i) for c, i in self.index.items() if c in self.spec.values]
        # itemgetter of two or more indexes gives a tuple (of one, a bare value): repeat the first
        indexes = [i for _, i in required]
        all_required = itemgetter(*indexes, *indexes[:1]) if required else None
        unused = [(c, i) for c, i in self.index.items() if c in self.spec.unused]
        unused_at = [i for _, i in unused]
        all_unused = itemgetter(*unused_at, *unused_at[:1]) if unused else None
        strip = str.strip
        reader = self.reader
        name = self.spec.name
        progress = self.progress
        previous = reader.line_num
        try:
            for values in reader:
                line = previous + 1
                previous = reader.line_num
                if not values:
                    continue
                self.rows_read += 1
                if progress and not self.rows_read % 10_000:
                    progress(name, self.rows_read)
                values = list(map(strip, values))
                ok = True
                if len(values) != width:
                    if len(values) > width and not any(values[width:]):
                        del values[width:]
                    else:
                        extra = len(values) - width
                        detail = (
                            f"{extra} field{'s' if extra > 1 else ''} too many, with data in it"
                            if extra > 0
                            else f"{-extra} field{'s' if extra < -1 else ''} too few"
                        )
                        self.problem(
                            line,
                            "",
                            f"this row has {len(values)} fields but the header has "
                            f"{width} ({detail}).",
                        )
                        if len(values) < width:
                            values.extend([""] * (width - len(values)))
                        yield line, values, False
                        continue
                if all_required and not all(all_required(values)):
                    for column, i in required:
                        if not values[i]:
                            self.problem(
                                line, column, "this value is required but the cell is empty."
                            )
                            ok = False
                if all_unused and not all(all_unused(values)):
                    self._count_blanks(unused, values)
                yield line, values, ok
        except UnicodeDecodeError as e:
            self.problem(_bad_byte_line(reader.line_num, e), "", _NOT_UTF8)
            return
        except csv.Error as e:
            self.problem(reader.line_num, "", f"this file is not valid CSV ({e}).")
            return
        except SourceError as e:
            self.problem(0, "", f"{e}.")
            return
        self.complete = True
        if self.progress:
            self.progress(name, self.rows_read)

    def _count_blanks(self, unused: list[tuple[str, int]], values: list[str]) -> None:
        kind = self.kind(values) if self.kind else ""
        blanks = self.blanks
        for column, i in unused:
            if not values[i]:
                blanks[(column, kind)] = blanks.get((column, kind), 0) + 1

    def unused_notes(self) -> list[Problem]:
        """One note per column and kind of row whose unused cells were left blank."""
        notes: list[Problem] = []
        for (column, kind), n in sorted(self.blanks.items()):
            rows = f"{kind} row" if kind else "row"
            rows += "" if n == 1 else "s"
            message = f"{column} blank on {n:,} {rows}; not used."
            notes.append(Unused(self.spec.name, 0, "", message))
        return notes


_NOT_UTF8 = (
    "this file is not UTF-8 text (it looks like another encoding, such as Windows-1252 or "
    'Latin-1). Save it as "CSV UTF-8" and try again.'
)


def _bad_byte_line(lines_read: int, e: UnicodeDecodeError) -> int:
    """The line of the first undecodable byte: lines already read plus newlines before it."""
    data = e.object if isinstance(e.object, bytes | bytearray) else b""
    return lines_read + 1 + bytes(data[: e.start]).count(b"\n")


@contextmanager
def open_table(
    source: Source,
    spec: FileSpec,
    problems: Problems,
    progress: Callable[[str, int], None] | None = None,
) -> Iterator[Table | None]:
    """The file `spec.name` with its header checked, or None when it cannot be read at all
    (unreadable, empty, or a header too wrong to make sense of the rows); problems are recorded."""
    try:
        raw = source.open(spec.name)
    except SourceError as e:
        problems.add(spec.name, 0, "", f"{e}.")
        yield None
        return
    except OSError as e:
        problems.add(spec.name, 0, "", f"this file could not be opened ({e.strerror}).")
        yield None
        return
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")  # type: ignore[arg-type]
    try:
        reader = csv.reader(text, strict=False)
        try:
            header = next(reader, None)
        except UnicodeDecodeError as e:
            problems.add(spec.name, _bad_byte_line(reader.line_num, e), "", _NOT_UTF8)
            yield None
            return
        except csv.Error as e:
            problems.add(spec.name, 1, "", f"this file is not valid CSV ({e}).")
            yield None
            return
        except SourceError as e:
            problems.add(spec.name, 0, "", f"{e}.")
            yield None
            return
        if not header or not any(h.strip() for h in header):
            problems.add(spec.name, 1, "", "this file is empty; it needs at least a header row.")
            yield None
            return
        header = [h.strip() for h in header]
        table = Table(spec, problems, reader, header, progress)
        if not _check_header(table):
            yield None
            return
        yield table
    finally:
        with suppress(SourceError, OSError):  # closing a damaged member; already reported
            text.close()


def _check_header(table: Table) -> bool:
    spec = table.spec
    header = table.header
    ok = True
    known = {c: i for i, c in enumerate(spec.columns)}
    lower = {c.lower(): c for c in spec.columns}
    seen_metadata = False
    last_known = -1
    last_name = ""
    for position, column in enumerate(header):
        if column in table.index:
            table.problem(1, column, f'the column "{column}" appears twice in the header.')
            ok = False
            continue
        if column in known:
            table.index[column] = position
            if spec.ordered:
                if seen_metadata:
                    table.problem(
                        1,
                        column,
                        f'the column "{column}" comes after a metadata column; '
                        "metadata.* columns must come last.",
                    )
                    ok = False
                elif known[column] < last_known:
                    table.problem(
                        1,
                        column,
                        f'the column "{column}" must come before "{last_name}" '
                        "(columns must be in the order the specification gives).",
                    )
                    ok = False
                else:
                    last_known, last_name = known[column], column
            continue
        if spec.ordered and column.startswith("metadata."):
            seen_metadata = True
            table.index[column] = position
            continue
        if column.lower() in lower:
            table.problem(
                1,
                column,
                f'unknown column "{column}". Column names are case-sensitive: did '
                f'you mean "{lower[column.lower()]}"?',
            )
            ok = False
        elif spec.ordered:
            table.problem(
                1,
                column,
                f'unknown column "{column}". Extra columns are allowed only on the '
                'right and named "metadata.something".',
            )
            ok = False
    for column in spec.columns:
        if column in spec.header and column not in table.index:
            table.problem(1, column, f'the required column "{column}" is missing.')
            ok = False
    return ok


# --- values -------------------------------------------------------------------------------------


class Values:
    """Parsers for cell values; each returns None (and reports) when the value is not valid.

    Parsed dates are shared between rows: a district has a million enrollments but a few dozen
    distinct dates."""

    def __init__(self) -> None:
        self.dates: dict[str, date] = {}  # every valid date seen, by its text

    def date(self, table: Table, line: int, column: str, value: str) -> tuple[bool, date | None]:
        """(ok, the date or None for an empty cell); not ok (reported) unless YYYY-MM-DD."""
        if not value:
            return True, None
        found = self.dates.get(value)
        if found is not None:
            return True, found
        parsed: date | None = None
        if _DATE.fullmatch(value):
            try:
                parsed = date.fromisoformat(value)
            except ValueError:
                parsed = None
        if parsed is None:
            table.problem(line, column, f'"{value}" is not a valid date; write it as YYYY-MM-DD.')
            return False, None
        self.dates[value] = parsed
        return True, parsed

    @staticmethod
    def datetime(table: Table, line: int, column: str, value: str) -> bool:
        """Whether `value` is an ISO 8601 date and time (reported when not)."""
        if _DATE.match(value) and len(value) > 10:
            try:
                datetime.fromisoformat(value)
                return True
            except ValueError:
                pass
        table.problem(
            line,
            column,
            f'"{value}" is not a valid date and time; write it as ISO 8601, for '
            "example 2024-08-15T09:30:00Z.",
        )
        return False


def choice(
    table: Table,
    line: int,
    column: str,
    value: str,
    allowed: frozenset[str],
    *,
    what: str,
    case_sensitive: bool = True,
    extensions: bool = False,
) -> str | None:
    """`value` when it is one of `allowed` (lower-cased when not case-sensitive), else None
    (reported). With `extensions`, OneRoster 1.2's `ext:` values are accepted as they are."""
    if value in allowed:
        return value
    if extensions and value.startswith("ext:"):
        return value
    if not case_sensitive:
        for option in allowed:
            if option.lower() == value.lower():
                return option
    hint = ""
    for option in allowed:
        if option.lower() == value.lower():
            hint = f' Values are case-sensitive: did you mean "{option}"?'
    if not value:
        table.problem(line, column, f"the {what} is empty.{hint}")
    else:
        options = ", ".join(sorted(allowed))
        table.problem(
            line, column, f'"{value}" is not a valid {what}.{hint or f" Use one of: {options}."}'
        )
    return None


def split_list(value: str) -> list[str]:
    """A comma list inside one field; empty items (a trailing comma) are dropped."""
    if "," not in value:
        return [value] if value else []
    return [item for item in map(str.strip, value.split(",")) if item]


def too_long(table: Table, line: int, column: str, value: str | None, limit: int) -> bool:
    """Whether `value` is longer than the database keeps (reported)."""
    if value and len(value) > limit:
        table.problem(
            line, column, f"this value is {len(value)} characters long; at most {limit} are kept."
        )
        return True
    return False
