"""The yearly consent forms, their versioned texts, and each student's answer.

Shape for reports: `consent_answer` holds exactly one row per (form, student) — the answer in
force — so coverage is a GROUP BY over it; `consent_answer_event` keeps every answer ever given
(who, which version, how, who entered it), and is what decides the answer in force when two
guardians disagree.
"""

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consent.catalog.models import Tool
from consent.core import clock
from consent.db import Base, UTCDateTime, enum_column
from consent.roster.models import Guardian, School, Student


class FormKind(enum.StrEnum):
    DIRECTORY_INFORMATION = "directory_information"
    MEDIA_RELEASE = "media_release"
    MILITARY_RECRUITER = "military_recruiter"
    PPRA_SURVEY = "ppra_survey"
    TOOL_CONSENT = "tool_consent"


class FormMode(enum.StrEnum):
    """Opt-in: nothing is shared without a yes. Opt-out: shared unless a parent says no."""

    OPT_IN = "opt_in"
    OPT_OUT = "opt_out"


class FormStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class Answer(enum.StrEnum):
    GRANTED = "granted"
    REFUSED = "refused"


class AnswerMethod(enum.StrEnum):
    WEB = "web"
    PAPER = "paper"
    PHONE = "phone"


#: Grades a form may be scoped to, in the roster's spelling.
GRADES = ("PK", "K", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12")
HIGH_SCHOOL_GRADES = frozenset({"9", "10", "11", "12"})

#: Kinds whose answers staff must see before releasing a student's data: on by default.
RELEASE_KINDS = frozenset(
    {FormKind.DIRECTORY_INFORMATION, FormKind.MEDIA_RELEASE, FormKind.MILITARY_RECRUITER}
)
#: A tool's consent is seen by staff too: a student without it does the alternative activity.
STAFF_KINDS = RELEASE_KINDS | {FormKind.TOOL_CONSENT}


class ConsentForm(Base):
    __tablename__ = "consent_form"
    __table_args__ = (
        CheckConstraint("closes_on >= opens_on", name="window_in_order"),
        CheckConstraint(
            "(kind = 'tool_consent') = (tool_id IS NOT NULL)", name="tool_only_for_tool_consent"
        ),
        # A published form says when it was published (the families were told from then); a
        # draft was never published.
        CheckConstraint("(status = 'draft') = (published_at IS NULL)", name="published_has_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_year: Mapped[str] = mapped_column(String(9), index=True)  # "2026-2027"
    kind: Mapped[FormKind] = mapped_column(enum_column(FormKind, "consent_form_kind"))
    tool_id: Mapped[int | None] = mapped_column(ForeignKey("tool.id"), index=True)
    mode: Mapped[FormMode] = mapped_column(enum_column(FormMode, "consent_form_mode"))
    title: Mapped[str] = mapped_column(String(255))
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    status: Mapped[FormStatus] = mapped_column(
        enum_column(FormStatus, "consent_form_status"), default=FormStatus.DRAFT, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    created_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    #: "Staff must see this": each student's answer shows on class lists and student pages.
    staff_must_see: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    tool: Mapped[Tool | None] = relationship(lazy="select")
    versions: Mapped[list["ConsentFormVersion"]] = relationship(
        lazy="select", order_by="ConsentFormVersion.number", back_populates="form"
    )
    schools: Mapped[list[School]] = relationship(
        secondary="consent_form_school", lazy="selectin", order_by="School.name"
    )
    grade_rows: Mapped[list["ConsentFormGrade"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan"
    )

    @property
    def grades(self) -> list[str]:
        order = {g: n for n, g in enumerate(GRADES)}
        return sorted((row.grade for row in self.grade_rows), key=lambda g: order.get(g, 99))

    @property
    def included_without_answer(self) -> bool:
        """What no answer means: an opt-out form shares the student, an opt-in form does not."""
        return self.mode is FormMode.OPT_OUT

    def is_open(self, today: date) -> bool:
        return self.status is FormStatus.PUBLISHED and self.opens_on <= today <= self.closes_on

    def __repr__(self) -> str:
        return f"<ConsentForm {self.id} {self.kind} {self.status}>"


class ConsentFormSchool(Base):
    """A school the form is for; a form with none is for the whole district."""

    __tablename__ = "consent_form_school"

    form_id: Mapped[int] = mapped_column(ForeignKey("consent_form.id"), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), primary_key=True, index=True)


class ConsentFormGrade(Base):
    """A grade the form is for; a form with none is for every grade."""

    __tablename__ = "consent_form_grade"

    form_id: Mapped[int] = mapped_column(ForeignKey("consent_form.id"), primary_key=True)
    grade: Mapped[str] = mapped_column(String(8), primary_key=True)


class ConsentFormVersion(Base):
    """One wording of a form. Editing the text adds a version; answers keep the one they read."""

    __tablename__ = "consent_form_version"
    __table_args__ = (UniqueConstraint("form_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("consent_form.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    created_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))

    form: Mapped[ConsentForm] = relationship(back_populates="versions")

    def __repr__(self) -> str:
        return f"<ConsentFormVersion {self.id} form={self.form_id} v{self.number}>"


class ConsentAnswer(Base):
    """The answer in force for one student on one form (the more protective one when the
    student's guardians disagree). Exactly one row per (form, student) once anyone answered."""

    __tablename__ = "consent_answer"
    __table_args__ = (
        UniqueConstraint("form_id", "student_id"),
        Index("ix_consent_answer_form_answer", "form_id", "answer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("consent_form.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    answer: Mapped[Answer] = mapped_column(enum_column(Answer, "consent_answer"))
    version_id: Mapped[int] = mapped_column(ForeignKey("consent_form_version.id"))
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id"), index=True)
    method: Mapped[AnswerMethod] = mapped_column(enum_column(AnswerMethod, "answer_method"))
    entered_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    version: Mapped[ConsentFormVersion] = relationship(lazy="joined")
    guardian: Mapped[Guardian] = relationship(lazy="joined")
    student: Mapped[Student] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<ConsentAnswer {self.id} form={self.form_id} student={self.student_id}>"


class ConsentAnswerEvent(Base):
    """Every answer ever given or entered, append-only: the history behind `ConsentAnswer`."""

    __tablename__ = "consent_answer_event"
    __table_args__ = (Index("ix_consent_answer_event_form_student", "form_id", "student_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("consent_form.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id"), index=True)
    answer: Mapped[Answer] = mapped_column(enum_column(Answer, "consent_answer"))
    version_id: Mapped[int] = mapped_column(ForeignKey("consent_form_version.id"))
    method: Mapped[AnswerMethod] = mapped_column(enum_column(AnswerMethod, "answer_method"))
    entered_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    note: Mapped[str] = mapped_column(Text, default="")

    version: Mapped[ConsentFormVersion] = relationship(lazy="joined")
    guardian: Mapped[Guardian] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<ConsentAnswerEvent {self.id} form={self.form_id} student={self.student_id}>"
