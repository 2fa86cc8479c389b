"""Counting school days, the unit every opt-out deadline is measured in.

Plain reads: this module imports only the calendar's model and the database layer, so the
opt-outs' rules and the reports may count days without importing the calendar's operations."""

from datetime import date, timedelta

from sqlalchemy import select

from consent.extensions import db
from consent.schoolcalendar.models import Closure


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
