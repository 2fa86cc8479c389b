"""The normalized roster a reader produces from any supported format, and the problems it found.

Readers never touch the database: they turn files into these records (or problems with file,
line and column), and `apply` turns records into rows. Identifiers are the SIS `sourcedId`s.
"""

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class Mode(StrEnum):
    """How a file in the set is to be read (OneRoster manifest `file.<name>`)."""

    BULK = "bulk"  # the complete truth: records missing from it become inactive
    DELTA = "delta"  # changes only: each row says active or tobedeleted
    ABSENT = "absent"  # not in this set: leave that kind as it is


KINDS = ("schools", "students", "guardians", "staff", "sections", "enrollments", "links")


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int  # 1-based line number in the file, header = 1; 0 for the set as a whole
    column: str  # header name, or "" when the problem is the whole row or file
    message: str  # plain words for a privacy officer

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}" if self.line else self.file
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class Unused(Problem):
    """A column the specification requires but the product never reads, left blank on some rows
    (many exports leave guardians' usernames empty): said once per file, column and kind of
    row, and never a reason to refuse the set."""


@dataclass(slots=True)
class SchoolRecord:
    sourced_id: str
    name: str
    active: bool = True


@dataclass(slots=True)
class StudentRecord:
    sourced_id: str
    identifier: str  # the district's student number; the sourcedId when the export has none
    given_name: str
    family_name: str
    grade: str  # "" when unknown
    school_sourced_id: str
    active: bool = True
    birth_date: date | None = None  # None: the set gave none (or none readable); keep the last
    email: str | None = None  # the student's own address: their invitation at 18


@dataclass(slots=True)
class GuardianRecord:
    sourced_id: str
    given_name: str
    family_name: str
    email: str | None
    phone: str | None
    relationship: str  # "parent", "guardian" or "relative"
    active: bool = True


@dataclass(slots=True)
class StaffRecord:
    sourced_id: str
    given_name: str
    family_name: str
    email: str | None
    role: str  # "teacher" or "principal"
    school_sourced_id: str | None  # the school a principal leads; None for teachers
    active: bool = True


@dataclass(slots=True)
class SectionRecord:
    sourced_id: str
    title: str
    school_sourced_id: str
    term: str
    teacher_sourced_ids: tuple[str, ...] = ()
    active: bool = True


@dataclass(slots=True)
class EnrollmentRecord:
    """A student in a section (teachers' enrollments become SectionRecord.teacher_sourced_ids)."""

    sourced_id: str
    section_sourced_id: str
    student_sourced_id: str
    begin_date: date | None
    end_date: date | None
    active: bool = True


@dataclass(slots=True)
class LinkRecord:
    """A guardian ↔ student link; relatives get has_rights False (FERPA rights holders only)."""

    guardian_sourced_id: str
    student_sourced_id: str
    relationship: str
    has_rights: bool
    active: bool = True


@dataclass
class RosterSet:
    """Everything one export says, keyed by sourcedId, plus what was wrong with it."""

    format: str  # "oneroster-1.1", "oneroster-1.2" or "sds-2.1"
    modes: dict[str, Mode] = field(default_factory=dict)  # per kind in KINDS
    schools: dict[str, SchoolRecord] = field(default_factory=dict)
    students: dict[str, StudentRecord] = field(default_factory=dict)
    guardians: dict[str, GuardianRecord] = field(default_factory=dict)
    staff: dict[str, StaffRecord] = field(default_factory=dict)
    sections: dict[str, SectionRecord] = field(default_factory=dict)
    enrollments: dict[str, EnrollmentRecord] = field(default_factory=dict)
    # keyed by (guardian_sourced_id, student_sourced_id)
    links: dict[tuple[str, str], LinkRecord] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # Said, never blocking: a student whose birth date is missing or unreadable (never guessed),
    # and columns left blank that the product does not read (`Unused`).
    notes: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems
