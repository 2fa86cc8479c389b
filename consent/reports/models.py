"""District figures computed ahead of time, so the privacy office's district-wide report pages
do not aggregate 160,000 students on every view."""

from datetime import date, datetime

from sqlalchemy import Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from consent.db import Base, UTCDateTime


class ReportSnapshot(Base):
    """One report table (or count) for the whole district, as `flask reports refresh` found it.
    Only aggregate figures: nothing here names a student."""

    __tablename__ = "report_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(128), unique=True)  # table name, and form if any
    day: Mapped[date] = mapped_column(Date)  # the district day the figures are for
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rows: Mapped[str] = mapped_column(Text)  # JSON: a list of {column: value}

    def __repr__(self) -> str:
        return f"<ReportSnapshot {self.key} {self.computed_at:%Y-%m-%d %H:%M}>"
