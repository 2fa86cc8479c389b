"""Counting school days, the unit every opt-out deadline is measured in.

Plain reads: this module imports only the calendar's model and the database layer, so the
opt-outs' rules and the reports may count days without importing the calendar's operations."""

from datetime import date, timedelta

from sqlalchemy import select

from consent.extensions import db
from consent.schoolcalendar.models import Closure


def school_year_start(today: date) -> date:
    """School years run from 1 August: the one definition of "this school year"."""
    return date(today.year if today.month >= 8 else today.year - 1, 8, 1)


def school_year_of(today: date) -> str:
    """The school year a day belongs to, as forms and the rollover name it: "2026-2027"."""
    start = school_year_start(today).year
    return f"{start}-{start + 1}"


def is_school_day(day: date, closures: set[date]) -> bool:
    return day.weekday() < 5 and day not in closures


def add_school_days(start: date, count: int, closures: set[date]) -> date:
    """The date `count` school days after `start` (the start day itself is not counted)."""
    day = start
    remaining = count
    while remaining > 0:
        day += timedelta(days=1)
        if is_school_day(day, closures):
            remaining -= 1
    return day


def closures_from(start: date, days: int = 120) -> set[date]:
    """Closures in a window wide enough for any deadline we compute, loaded in one query."""
    rows = db.session.scalars(
        select(Closure.day).where(Closure.day >= start, Closure.day <= start + timedelta(days=days))
    )
    return set(rows)
