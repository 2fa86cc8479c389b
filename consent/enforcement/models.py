"""A vendor roster check: the export a vendor holds for a tool, compared with who must not be
in it (consent.enforcement.exclusions), kept as evidence with what it found per student."""

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consent.catalog.models import Tool
from consent.core import clock
from consent.db import Base, UTCDateTime
from consent.roster.models import School, Student


class RosterCheck(Base):
    __tablename__ = "roster_check"
    __table_args__ = (
        CheckConstraint(
            "(submitted_by_account_id IS NULL) <> (integration_token_id IS NULL)",
            name="submitted_by_one",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tool_id: Mapped[int] = mapped_column(ForeignKey("tool.id"), index=True)
    vendor: Mapped[str] = mapped_column(String(120))
    # The uploaded file's name (or "api" with the part's name).
    source_name: Mapped[str] = mapped_column(String(255), default="")
    # "oneroster" (a zip or users.csv) or "identifiers" (a plain CSV of one column).
    source_format: Mapped[str] = mapped_column(String(16))
    # Exactly one of the two: the office member who uploaded it, or the district system.
    submitted_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    integration_token_id: Mapped[int | None] = mapped_column(ForeignKey("integration_token.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # The day whose exclusion list the export was compared with.
    as_of: Mapped[date] = mapped_column(Date)
    # A school token checks its own school's students only; None: the whole district.
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"))
    # Students the export lists (distinct identifiers read).
    listed: Mapped[int] = mapped_column(Integer)
    # Students who must not be in the vendor's roster (do not roster), and of them how many
    # the export still lists.
    excluded: Mapped[int] = mapped_column(Integer)
    still_present: Mapped[int] = mapped_column(Integer)
    # Opt-out requests whose timeline got the check's line.
    requests_told: Mapped[int] = mapped_column(Integer)

    tool: Mapped[Tool] = relationship(lazy="joined")
    school: Mapped[School | None] = relationship(lazy="joined")

    @property
    def not_present(self) -> int:
        return self.excluded - self.still_present

    def __repr__(self) -> str:
        return f"<RosterCheck {self.id} tool={self.tool_id} {self.vendor!r}>"


class RosterCheckFinding(Base):
    """One student who must not be in the vendor's roster, and whether the export lists them."""

    __tablename__ = "roster_check_finding"
    __table_args__ = (Index("ix_roster_check_finding_check_present", "check_id", "present"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("roster_check.id"))
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    present: Mapped[bool] = mapped_column(Boolean)

    student: Mapped[Student] = relationship(lazy="joined")
    # The school the student was at when checked.
    school: Mapped[School] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<RosterCheckFinding {self.check_id} student={self.student_id} {self.present}>"
