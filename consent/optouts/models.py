"""Opt-out requests, the teachers' tasks they are routed to, and their timelines."""

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consent.catalog.models import Tool
from consent.core import clock
from consent.db import Base, UTCDateTime, enum_column
from consent.roster.models import Guardian, Staff, Student


class OptOutStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    IN_PROGRESS = "in_progress"
    PLANNED = "planned"
    CONFIRMED = "confirmed"
    WITHDRAWN = "withdrawn"
    CLOSED = "closed"


#: Statuses in which a request is in effect; at most one per student, tool and feature.
ACTIVE_STATUSES = (
    OptOutStatus.SUBMITTED,
    OptOutStatus.IN_PROGRESS,
    OptOutStatus.PLANNED,
    OptOutStatus.CONFIRMED,
)
#: Statuses in which staff still owe work.
OPEN_STATUSES = (OptOutStatus.SUBMITTED, OptOutStatus.IN_PROGRESS, OptOutStatus.PLANNED)

#: The workflow: every allowed (from, to) move. Anything else is refused.
TRANSITIONS: dict[OptOutStatus, frozenset[OptOutStatus]] = {
    OptOutStatus.SUBMITTED: frozenset(
        {OptOutStatus.IN_PROGRESS, OptOutStatus.WITHDRAWN, OptOutStatus.CLOSED}
    ),
    OptOutStatus.IN_PROGRESS: frozenset(
        {OptOutStatus.PLANNED, OptOutStatus.WITHDRAWN, OptOutStatus.CLOSED}
    ),
    OptOutStatus.PLANNED: frozenset(
        {
            OptOutStatus.CONFIRMED,
            OptOutStatus.IN_PROGRESS,
            OptOutStatus.WITHDRAWN,
            OptOutStatus.CLOSED,
        }
    ),
    OptOutStatus.CONFIRMED: frozenset({OptOutStatus.WITHDRAWN, OptOutStatus.CLOSED}),
    OptOutStatus.WITHDRAWN: frozenset(),
    OptOutStatus.CLOSED: frozenset(),
}

_ACTIVE_SQL = "status IN ('submitted', 'in_progress', 'planned', 'confirmed')"


#: What each status says about the request's timestamps; the database holds every row to it.
_OPTOUT_TIMESTAMPS_SQL = (
    "(status IN ('submitted', 'in_progress', 'planned')"
    " AND resolved_at IS NULL AND ended_at IS NULL)"
    " OR (status = 'confirmed' AND resolved_at IS NOT NULL AND ended_at IS NULL)"
    " OR (status IN ('withdrawn', 'closed') AND ended_at IS NOT NULL)"
)


class Channel(enum.StrEnum):
    """How a request reached the district: filed on the web, or told to staff who recorded it."""

    WEB = "web"
    PHONE = "phone"
    PAPER = "paper"
    EMAIL = "email"
    IN_PERSON = "in_person"


#: The channels staff record a family's request from (everything but the web).
STAFF_CHANNELS = (Channel.PHONE, Channel.PAPER, Channel.EMAIL, Channel.IN_PERSON)


class TaskStatus(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    PLANNED = "planned"
    CLOSED = "closed"


#: A teacher's task: every allowed (from, to) move. Anything else is refused.
TASK_TRANSITIONS: dict[TaskStatus, frozenset[TaskStatus]] = {
    TaskStatus.OPEN: frozenset({TaskStatus.ACKNOWLEDGED, TaskStatus.CLOSED}),
    TaskStatus.ACKNOWLEDGED: frozenset({TaskStatus.PLANNED, TaskStatus.CLOSED}),
    TaskStatus.PLANNED: frozenset(
        {
            TaskStatus.PLANNED,  # the teacher revises the plan while the request is open
            TaskStatus.ACKNOWLEDGED,  # the principal returned the plan
            TaskStatus.CLOSED,
        }
    ),
    # Routed again: the student is back in the teacher's class, or the tool's use there is.
    TaskStatus.CLOSED: frozenset({TaskStatus.OPEN}),
}

#: An open task reopened by routing keeps the acknowledgement and plan it had before (shown as
#: the teacher's last plan), so only the later statuses are tied to their timestamps.
_TASK_TIMESTAMPS_SQL = (
    "(status <> 'acknowledged' OR acknowledged_at IS NOT NULL)"
    " AND (status <> 'planned'"
    " OR (acknowledged_at IS NOT NULL AND planned_at IS NOT NULL AND plan_option IS NOT NULL))"
    " AND (status <> 'closed' OR closed_reason <> '')"
)


class EventKind(enum.StrEnum):
    """What a line of a request's timeline says happened; stored as its value."""

    FILED = "filed"
    JOINED = "joined"
    ACKNOWLEDGED = "acknowledged"
    PLAN_RECORDED = "plan_recorded"
    PLANNED = "planned"
    CONFIRMED = "confirmed"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"
    WITHDRAWAL_DECLINED = "withdrawal_declined"
    CLOSED = "closed"
    TEACHER_ADDED = "teacher_added"
    TEACHER_LEFT = "teacher_left"
    USE_STARTED = "use_started"
    USE_ENDED = "use_ended"
    SCHOOL_CHANGED = "school_changed"
    REROUTED = "rerouted"
    REMINDED = "reminded"
    PRINCIPAL_TOLD = "principal_told"
    ESCALATED = "escalated"
    DUE_MOVED = "due_moved"
    CARRIED_OVER = "carried_over"
    YEAR_ENDED = "year_ended"
    # A vendor's roster export was checked (consent.enforcement): the student is not in it, or
    # is still in it and the privacy office was told.
    ROSTER_NOT_PRESENT = "roster_not_present"
    ROSTER_STILL_PRESENT = "roster_still_present"


class OptOut(Base):
    __tablename__ = "optout"
    __table_args__ = (
        # The database itself keeps one active request per student, tool and feature.
        Index(
            "uq_optout_one_active",
            "student_id",
            "tool_id",
            "feature",
            unique=True,
            sqlite_where=text(_ACTIVE_SQL),
            postgresql_where=text(_ACTIVE_SQL),
        ),
        CheckConstraint("confirm_due_on >= plan_due_on", name="due_dates_in_order"),
        CheckConstraint(_OPTOUT_TIMESTAMPS_SQL, name="status_timestamps"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("tool.id"), index=True)
    # The tool feature's key, or "" for the whole tool (never NULL, so the unique index holds).
    feature: Mapped[str] = mapped_column(String(32), default="")
    accommodation: Mapped[str] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[OptOutStatus] = mapped_column(
        enum_column(OptOutStatus, "optout_status"), default=OptOutStatus.SUBMITTED, index=True
    )
    filed_by_guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    channel: Mapped[Channel] = mapped_column(
        enum_column(Channel, "optout_channel"), default=Channel.WEB, server_default="web"
    )
    # The day the family asked (due dates count from it); staff may record it days later.
    received_on: Mapped[date | None] = mapped_column(Date)
    # The staff member who typed in a request a guardian made by phone, paper, email or in person.
    recorded_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    plan_due_on: Mapped[date] = mapped_column(Date)
    confirm_due_on: Mapped[date] = mapped_column(Date)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    student: Mapped[Student] = relationship(lazy="joined")
    tool: Mapped[Tool] = relationship(lazy="joined")
    filed_by: Mapped[Guardian] = relationship(lazy="joined")
    tasks: Mapped[list["Task"]] = relationship(
        lazy="selectin", order_by="Task.id", back_populates="optout"
    )
    events: Mapped[list["Event"]] = relationship(lazy="select", order_by="Event.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def feature_label(self) -> str | None:
        return self.tool.feature_label(self.feature) if self.feature else None

    def __repr__(self) -> str:
        return f"<OptOut {self.id} {self.status}>"


class OptOutRequester(Base):
    """Every guardian who asked for this request: the filer, and any who joined it later."""

    __tablename__ = "optout_requester"
    __table_args__ = (UniqueConstraint("optout_id", "guardian_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    optout_id: Mapped[int] = mapped_column(ForeignKey("optout.id"), index=True)
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    channel: Mapped[Channel] = mapped_column(
        enum_column(Channel, "optout_requester_channel"), default=Channel.WEB, server_default="web"
    )
    recorded_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))


class Task(Base):
    """One routed teacher's share of an opt-out: acknowledge it, then record the plan."""

    __tablename__ = "task"
    __table_args__ = (
        UniqueConstraint("optout_id", "teacher_id"),
        CheckConstraint(_TASK_TIMESTAMPS_SQL, name="status_timestamps"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    optout_id: Mapped[int] = mapped_column(ForeignKey("optout.id"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    status: Mapped[TaskStatus] = mapped_column(
        enum_column(TaskStatus, "task_status"), default=TaskStatus.OPEN, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    plan_option: Mapped[str | None] = mapped_column(String(255))
    plan_note: Mapped[str] = mapped_column(Text, default="")
    closed_reason: Mapped[str] = mapped_column(String(255), default="")

    # Not joined: loading a request's tasks would join the request (and its tool) back in.
    # A task loaded with its request in the session finds it there; lists use contains_eager.
    optout: Mapped[OptOut] = relationship(back_populates="tasks")
    teacher: Mapped[Staff] = relationship(lazy="joined")

    @property
    def returned(self) -> bool:
        """The principal sent this teacher's plan back: acknowledged again, once planned."""
        return self.status is TaskStatus.ACKNOWLEDGED and self.planned_at is not None

    def __repr__(self) -> str:
        return f"<Task {self.id} {self.status}>"


class Event(Base):
    """One line of a request's timeline: who did what, when, from which status to which."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    optout_id: Mapped[int] = mapped_column(ForeignKey("optout.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind, "event_kind"))
    actor_role: Mapped[str] = mapped_column(String(32))
    actor_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    actor_name: Mapped[str] = mapped_column(String(255), default="")
    # The guardian a staff member acted for (a request told by phone, on paper, ...).
    on_behalf_of_guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardian.id"))
    on_behalf_of_name: Mapped[str] = mapped_column(String(255), default="", server_default="")
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.kind}>"
