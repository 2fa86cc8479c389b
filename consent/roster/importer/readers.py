"""Read a roster set — a folder or a .zip of CSV files — into a `RosterSet`, finding every problem.

`read_roster(path)` detects the format: a set with `manifest.csv` is OneRoster 1.1 or 1.2 (its
`oneroster.version`); a set without one, holding orgs.csv, users.csv and roles.csv, is Microsoft
School Data Sync v2.1. It never touches the database. Files are streamed row by row (a district
sends 1.3 million enrollment rows); only the records themselves are kept. Every problem is
collected with file, line (header = 1; 0 for the file or set as a whole), column (header name, or
"" for a whole row) and a plain message; the caller writes nothing when `problems` is non-empty.
Past 1,000 problems in one file the rest are counted in one closing line. A row with a problem
makes no record, and causes no second problem elsewhere (its id still counts as known).

Decisions
---------
Rows with a field too many (the Grand Bend fixture's two teacher rows end with a stray comma):
    tolerated when every extra field is empty, since that is a common export quirk and loses
    nothing; an ERROR when an extra field holds data (the columns can no longer be trusted), and
    always an error when a row is short. So the Grand Bend set imports cleanly.
Headers (OneRoster): case-sensitive; the columns whose values the spec requires must be present,
    plus status and dateLastModified; optional spec columns may be left out (1.2 users.csv with
    or without `resourceSourcedIds`); the spec columns present must keep the spec's order;
    `metadata.*` columns come after them; any other column is an error (a case slip gets a hint).
    A header this wrong makes its file unread (its rows are not guessed at).
Encodings and line ends: UTF-8 with or without a BOM; CRLF, LF; a last line with no newline.
    Any other encoding is a problem naming the file and the line of the first bad byte.
Bulk and delta: in a bulk file `status` must be empty (a value is a problem) and a
    `dateLastModified`, if given, must be an ISO date-time; in a delta file each row is `active`
    or `tobedeleted` (-> active=False) with an ISO `dateLastModified`. Modes per kind: orgs ->
    schools; users (and 1.2 roles, whose mode must match) -> students, guardians, staff, links;
    classes -> sections; enrollments -> enrollments. A bulk classes.csv needs enrollments.csv
    (it names each section's teachers). A file present but missing from the manifest, or listed
    as absent, or listed but missing, is a problem.
References are checked against a file only when it was read in full in bulk: in a delta, an id
    that is not in this set may be one the service already holds. Likewise a student's school:
    the first of their orgs that is a school, else (orgs not sent in bulk) the first unknown org.
People (OneRoster): students are users with role student (1.2: a student row in roles.csv, the
    primary one first); school as above; identifier = `identifier`, else sourcedId (unique among
    students); grade = first of `grades`. Guardians: role parent, guardian or relative (1.2: in
    roles.csv; with several, the strongest). Staff: 1.1 `teacher` -> teacher, `administrator`
    with a school among its orgs -> principal of the first; 1.2 `principal`/`siteAdministrator`
    at a school -> principal, `teacher` -> teacher; everyone else (aides, proctors, district and
    system administrators, counselors) is skipped, not an error. Staff need an email address to
    sign in: `email`, else a `username` that is one; with neither it is a problem. `userIds`
    ({Type:Id}) are not used.
Links: `agentSourcedIds` of students (-> guardians) and of guardians (-> students), in either
    direction or both: the union, once per pair. relationship = the guardian's role; has_rights
    for parent and guardian (FERPA), not for relatives; active when both people are. An agent who
    is neither (a teacher) is ignored; an unknown one is a dangling reference. In a delta, a link
    needs both people in this users.csv.
Sections: title, school (must be a school org), term = title of the first termSourcedIds in
    academicSessions.csv, else that id. Teachers = active `teacher` enrollments, primary ones
    first, each once. Only student enrollments become EnrollmentRecords; an enrollment without
    dates runs from the first start to the last end of its class's terms (the database needs a
    begin date). In a delta, teacher enrollments reach only sections whose class row is in the
    same set (SectionRecord is the only place teachers go).
Blank cells the product never reads: columns the specification requires but nothing here uses
    (users.csv username and enabledUser, academicSessions.csv type and schoolYear, classes.csv
    courseSourcedId and classType, enrollments.csv schoolSourcedId; SDS users.csv username) may
    be left blank: many real exports leave guardians' usernames empty. Each is a note in the
    summary, once per file, column and kind of row ("users.csv: username blank on 2,817 guardian
    rows; not used."), never a problem; a value that is there is still checked. Columns that
    are read keep their strictness.
Checked values: enumerations (org type, user role, 1.2 roleType, class type, enrollment role,
    session type, status, enabledUser/primary booleans; 1.2 `ext:` values pass), dates
    (YYYY-MM-DD), end before begin, duplicate sourcedIds per file, two enrollments of one student
    in one section from the same date, and lengths the database cannot keep. courses.csv is not
    read; of demographics.csv only `birthDate` is (rights pass to the student at 18, 99.5; the
    rest is sensitive and not kept): a missing or unreadable date is a note in the summary, not
    a problem, and is never guessed. A student's own address is `email`, else a `username` that
    is one.

School Data Sync v2.1 mapping (no manifest, no status, always bulk; headers checked for the
required columns, in any order; enumerations case-insensitive):
    orgs.csv type `school` -> schools. roles.csv `student` at a school -> student (the isPrimary
    row first; grade from that row; identifier = sourcedId, SDS has no student number);
    `principal` at a school -> principal; `teacher` -> teacher; other roles (Microsoft's default
    list of values, `aide` and `assistant` both accepted) are skipped. A student
    or class only at higher-education orgs (college, university, department, ...) is outside a
    K-12 district and skipped without a word (Microsoft's sample mixes both); at another non-school
    org it is a problem. Guardians come only from relationships.csv (`userSourcedId` = the
    student, `relationshipUserSourcedId` = the guardian): parent, guardian and relative make
    guardians and links (the guardian's relationship is their strongest); aide, doctor, child,
    administrator and other are not guardian links. classes.csv -> sections (term = first
    sessionSourcedIds' title); enrollments.csv (no sourcedId: named "classId:userId") ->
    student enrollments with their class's session dates, and `teacher` rows -> section teachers.
    Staff sign in with `email`, else `username` when it is an address (SDS usernames are sign-in
    names: Microsoft's sample teacher has only that).
    Without relationships.csv, guardians and links are ABSENT; without classes.csv and
    enrollments.csv (which come together), sections and enrollments are ABSENT. courses.csv and
    userFlags.csv are not read (userFlags holds IEP/504/lunch status); of demographics.csv only
    `birthDate` is read, as for OneRoster.

Zips: unsafe member names, non-CSV members (folders, __MACOSX, .DS_Store and the like are
ignored), encrypted members, more than 200 members, more than 2 GB declared unpacked, or a
member over 1 MB that expands more than 100 times its packed size (a zip bomb) are each a
problem, and then nothing is read. Members in sub-folders are taken by their file name.

Cost, measured on a synthetic district (160,000 students, 250,000 guardians, 24,000 teachers,
45,000 sections, 1.28 million enrollments; 260 MB of CSV): about 16 s of CPU and 650 MB peak
memory for the records, folder or zip. The cyclic garbage collector is paused while reading
(the records hold no cycles; its passes over the growing heap cost nearly half the time).
"""

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from consent.roster.importer.csvfiles import Problems, Source, SourceError, open_source
from consent.roster.importer.oneroster import MANIFEST, OneRosterReader
from consent.roster.importer.records import RosterSet
from consent.roster.importer.sds import SPECS as SDS_FILES
from consent.roster.importer.sds import SdsReader

__all__ = ["read_roster"]

Progress = Callable[[str, int], None]


def read_roster(path: str | Path, progress: Progress | None = None) -> RosterSet:
    """Every record in the set at `path` and every problem found in it.

    `progress`, if given, is called with (file name, rows read so far) every 10,000 rows and at
    the end of each file, for a progress bar."""
    path = Path(path)
    problems = Problems()
    source = open_source(path, problems)
    if source is None:
        return _done(RosterSet(format="unknown"), problems)
    try:
        if problems:  # the zip was refused: read nothing from it
            return _done(RosterSet(format="unknown"), problems)
        with _no_cycle_collection():
            roster = _read(source, problems, progress)
    finally:
        source.close()
    return _done(roster, problems)


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of records are made.

    The records hold no cycles (reference counting frees everything), but each allocation counts
    towards a collection that walks the ever larger heap: for a large district that was close to
    half the reading time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read(source: Source, problems: Problems, progress: Progress | None) -> RosterSet:
    names = source.names()
    if MANIFEST in names:
        return OneRosterReader(source, problems, progress).read()
    if not names & set(SDS_FILES):
        problems.add(
            source.description,
            0,
            "",
            "no roster files found: a OneRoster set has manifest.csv; "
            "a School Data Sync set has orgs.csv, users.csv and roles.csv.",
        )
        return RosterSet(format="unknown")
    if _looks_like_oneroster(source, names):
        problems.add(
            MANIFEST,
            0,
            "",
            "this looks like a OneRoster set (its files have status and "
            "dateLastModified columns) but manifest.csv is missing.",
        )
        return RosterSet(format="unknown")
    return SdsReader(source, problems, progress).read()


def _looks_like_oneroster(source: Source, names: set[str]) -> bool:
    """Whether orgs.csv or users.csv starts with OneRoster's columns rather than SDS's."""
    for name in ("orgs.csv", "users.csv"):
        if name in names:
            try:
                with source.open(name) as raw:
                    head = raw.readline(4096).decode("utf-8-sig", errors="replace")
            except (SourceError, OSError):
                return False  # reading it properly will report why
            columns = [c.strip().strip('"') for c in head.split(",")]
            return "status" in columns and "dateLastModified" in columns
    return False


def _done(roster: RosterSet, problems: Problems) -> RosterSet:
    roster.problems = problems.result()
    return roster
