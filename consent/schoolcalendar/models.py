"""District closures: the days that do not count as school days besides weekends."""

from datetime import date

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from consent.db import Base


class Closure(Base):
    __tablename__ = "closure"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    reason: Mapped[str] = mapped_column(String(255))

    def __repr__(self) -> str:
        return f"<Closure {self.day.isoformat()}>"
