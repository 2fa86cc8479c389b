"""The roster: schools, students, guardians and their links, staff, sections and enrollments."""

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consent.core import clock
from consent.db import Base, UTCDateTime, enum_column


class Relationship(enum.StrEnum):
    PARENT = "parent"
    GUARDIAN = "guardian"
    RELATIVE = "relative"


class StaffRole(enum.StrEnum):
    TEACHER = "teacher"
    PRINCIPAL = "principal"
    PRIVACY_OFFICER = "privacy_officer"


class School(Base):
    __tablename__ = "school"

    id: Mapped[int] = mapped_column(primary_key=True)
    sourced_id: Mapped[str] = mapped_column(String(255), unique=True)
    # Indexed: lists of students by school name (a consent form's non-responders) read the
    # schools in name order and stop after one page, instead of sorting the whole district.
    name: Mapped[str] = mapped_column(String(255), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __repr__(self) -> str:
        return f"<School {self.id}>"


class Student(Base):
    __tablename__ = "student"

    id: Mapped[int] = mapped_column(primary_key=True)
    sourced_id: Mapped[str] = mapped_column(String(255), unique=True)
    district_identifier: Mapped[str] = mapped_column(String(64), unique=True)
    given_name: Mapped[str] = mapped_column(String(255))
    family_name: Mapped[str] = mapped_column(String(255))
    grade: Mapped[str] = mapped_column(String(8))
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: From the roster (OneRoster demographics.csv birthDate); None when missing or unreadable,
    #: never guessed.
    birth_date: Mapped[date | None] = mapped_column(Date)
    #: The student's own address from the roster: where their invitation goes at 18.
    email: Mapped[str | None] = mapped_column(String(320))
    #: The district marks a student a dependent for tax purposes (99.31(a)(8)): after 18 the
    #: parents still see the student's records, but no longer decide.
    tax_dependent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: The day the FERPA rights passed to the student (99.5); None while they are the parents'.
    eligible_on: Mapped[date | None] = mapped_column(Date)
    #: The preferred language of the guardian of the first link (lowest id) holding FERPA
    #: rights; None when no link does. Kept equal to consent.consentforms.queries.home_language
    #: by consent.roster.home_language, so reports read it in one pass.
    home_language: Mapped[str | None] = mapped_column(String(16))

    school: Mapped[School] = relationship(lazy="joined")

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def __repr__(self) -> str:
        return f"<Student {self.id}>"


class Guardian(Base):
    __tablename__ = "guardian"

    id: Mapped[int] = mapped_column(primary_key=True)
    sourced_id: Mapped[str] = mapped_column(String(255), unique=True)
    given_name: Mapped[str] = mapped_column(String(255))
    family_name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    phone: Mapped[str | None] = mapped_column(String(64))
    #: Set on the eligible student's own record (99.5): the guardian pages, for themselves. The
    #: roster never sends it, so an import leaves it alone.
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id"), unique=True)
    preferred_language: Mapped[str] = mapped_column(String(16), default="en")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def __repr__(self) -> str:
        return f"<Guardian {self.id}>"


class GuardianLink(Base):
    """A guardian's tie to a student; only `has_rights` links may file requests (FERPA 99.3)."""

    __tablename__ = "guardian_link"
    __table_args__ = (UniqueConstraint("guardian_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    relationship_type: Mapped[Relationship] = mapped_column(
        "relationship", enum_column(Relationship, "relationship")
    )
    has_rights: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    guardian: Mapped[Guardian] = relationship(lazy="joined")
    student: Mapped[Student] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<GuardianLink {self.id} guardian={self.guardian_id} student={self.student_id}>"


section_teacher = Table(
    "section_teacher",
    Base.metadata,
    Column("section_id", Integer, ForeignKey("section.id"), primary_key=True),
    Column("staff_id", Integer, ForeignKey("staff.id"), primary_key=True, index=True),
)


class Staff(Base):
    __tablename__ = "staff"
    __table_args__ = (
        CheckConstraint(
            "role != 'principal' OR school_id IS NOT NULL", name="principal_has_school"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sourced_id: Mapped[str] = mapped_column(String(255), unique=True)
    given_name: Mapped[str] = mapped_column(String(255))
    family_name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(320), index=True)
    role: Mapped[StaffRole] = mapped_column(enum_column(StaffRole, "staff_role"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    school: Mapped[School | None] = relationship(lazy="joined")

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def __repr__(self) -> str:
        return f"<Staff {self.id} {self.role}>"


class Section(Base):
    __tablename__ = "section"

    id: Mapped[int] = mapped_column(primary_key=True)
    sourced_id: Mapped[str] = mapped_column(String(255), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    term: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    school: Mapped[School] = relationship(lazy="joined")
    teachers: Mapped[list[Staff]] = relationship(
        secondary=section_teacher, lazy="selectin", order_by="Staff.family_name"
    )

    def __repr__(self) -> str:
        return f"<Section {self.id}>"


class Enrollment(Base):
    """A student in a section between two dates; current when today falls inside them."""

    __tablename__ = "enrollment"
    __table_args__ = (
        UniqueConstraint("student_id", "section_id", "begin_date"),
        CheckConstraint("end_date IS NULL OR end_date >= begin_date", name="dates_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The SIS's id for the enrollment; None for enrollments made here (the demo).
    sourced_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    # No index of its own: the unique constraint above starts with student_id.
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"))
    section_id: Mapped[int] = mapped_column(ForeignKey("section.id"), index=True)
    begin_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)

    student: Mapped[Student] = relationship(lazy="joined")
    section: Mapped[Section] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Enrollment {self.id}>"


class RosterImport(Base):
    """One run of the roster import: who ran it, when, on what, and what it changed."""

    __tablename__ = "roster_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    run_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    source_name: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(32), default="")
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    # queued, running, applied, checked (a dry run), refused, or failed
    outcome: Mapped[str] = mapped_column(String(16), default="running")
    step: Mapped[str] = mapped_column(String(32), default="")  # what it is doing now
    #: The uploaded zip's file name in the upload folder, until the run has an outcome (a
    #: failed run keeps it, to be retried); None for the command line's runs.
    upload: Mapped[str | None] = mapped_column(String(64))
    #: When the roster worker last said it was still at it (each step, and while reading).
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rows_read: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    summary: Mapped[str] = mapped_column(Text, default="")  # the printed summary
    problems: Mapped[str] = mapped_column(Text, default="")  # one problem a line

    def __repr__(self) -> str:
        return f"<RosterImport {self.id} {self.outcome}>"
