"""The school-year rollover: the district's rule for confirmed opt-outs, and the record that a
year was rolled over (which is what makes running it twice change nothing)."""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consent.catalog.models import Tool
from consent.core import clock
from consent.db import Base, UTCDateTime, enum_column


class YearEndAction(enum.StrEnum):
    """What happens to a confirmed opt-out when its school year ends."""

    CARRY = "carry"  # it stays in effect in the new year
    END = "end"  # it ends with the year; the family may ask again


#: Without a setting, opt-outs carry over: the more protective choice for the child.
DEFAULT_ACTION = YearEndAction.CARRY


class YearEndSetting(Base):
    """The district's rule for every tool without a rule of its own (one row at most)."""

    __tablename__ = "year_end_setting"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[YearEndAction] = mapped_column(enum_column(YearEndAction, "year_end_action"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))

    def __repr__(self) -> str:
        return f"<YearEndSetting {self.action}>"


class ToolYearEndRule(Base):
    """One tool's own rule, which wins over the district's."""

    __tablename__ = "tool_year_end_rule"

    tool_id: Mapped[int] = mapped_column(ForeignKey("tool.id"), primary_key=True)
    action: Mapped[YearEndAction] = mapped_column(
        enum_column(YearEndAction, "tool_year_end_action")
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))

    tool: Mapped[Tool] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<ToolYearEndRule tool={self.tool_id} {self.action}>"


class Rollover(Base):
    """A school year rolled over into the next, with what it did. One row per year: a second
    run finds it and changes nothing."""

    __tablename__ = "rollover"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_year: Mapped[str] = mapped_column(String(9), unique=True)  # the year closed
    into_year: Mapped[str] = mapped_column(String(9))
    done_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # None when the service ran it (`flask year rollover`).
    done_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    carried: Mapped[int] = mapped_column(Integer, default=0)
    ended: Mapped[int] = mapped_column(Integer, default=0)
    forms_copied: Mapped[int] = mapped_column(Integer, default=0)
    guardians_told: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<Rollover {self.id} {self.school_year}>"
