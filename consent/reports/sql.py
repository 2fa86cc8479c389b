"""Portable SQL for the reports: the district's local date of a moment, a school calendar,
and percentiles, each written once for PostgreSQL and once for SQLite.

School days are counted with a calendar built in the query (a recursive CTE, a few hundred
rows): each day of the period by its day number (days since Monday 1 January 2001, so
`number % 7 < 5` is a weekday), and `seq`, the running count of school days up to that day
(weekdays that are not closures). The school days after day A up to and including day B are
then `seq(B) - seq(A)`: two equality joins, which PostgreSQL answers with hash joins. This is
the same count as `consent.schoolcalendar.operations.add_school_days`.
"""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Float, Integer, and_, case, cast, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from consent.schoolcalendar.models import Closure

SQLITE_DISTRICT_DATE = "consent_district_date"
EPOCH = date(2001, 1, 1)  # a Monday: day numbers count from it
_EPOCH_JULIAN = 2451910.5  # julianday('2001-01-01')


class district_date(FunctionElement):  # noqa: N801 - reads as an SQL function
    """The date a stored UTC moment falls on in the district's time zone."""

    type = Date()
    name = "district_date"
    inherit_cache = True


@compiles(district_date, "postgresql")
def _district_date_pg(element, compiler, **kw):
    moment, zone = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(({moment} AT TIME ZONE {zone}) AS DATE)"


@compiles(district_date, "sqlite")
def _district_date_sqlite(element, compiler, **kw):
    return f"{SQLITE_DISTRICT_DATE}({compiler.process(element.clauses, **kw)})"


class day_number(FunctionElement):  # noqa: N801 - reads as an SQL function
    """Days since Monday 1 January 2001, so `day_number % 7` is 0 on Mondays."""

    type = Integer()
    name = "day_number"
    inherit_cache = True


@compiles(day_number, "postgresql")
def _day_number_pg(element, compiler, **kw):
    return f"({compiler.process(element.clauses, **kw)} - DATE '2001-01-01')"


@compiles(day_number, "sqlite")
def _day_number_sqlite(element, compiler, **kw):
    day = compiler.process(element.clauses, **kw)
    return f"CAST(julianday({day}) - {_EPOCH_JULIAN} AS INTEGER)"


def sqlite_district_date(value: str | None, zone: str) -> str | None:
    """SQLite has no time zones: this Python function is registered on each connection."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(zone)).date().isoformat()


def school_calendar(first: date, last: date, *, dialect: str):
    """CTE (k, seq): every day from `first` to `last` by day number, and the running count of
    school days through it. PostgreSQL's generate_series lets the planner see the row count
    (a recursive CTE looks like a few rows, and it then picks nested loops)."""
    low, high = _day_number_of(first), _day_number_of(last)
    if dialect == "postgresql":
        series = func.generate_series(low, high).column_valued("k")
        days = select(series.label("k")).subquery("calendar_days")
        day = days.c.k
    else:
        days = select(cast(literal(low), Integer).label("k")).cte("calendar_day", recursive=True)
        days = days.union_all(select(days.c.k + 1).where(days.c.k < high))
        day = days.c.k
    closed = (
        select(day_number(Closure.day).label("k"))
        .where(Closure.day >= first, Closure.day <= last)
        .subquery("closed_day")
    )
    school_day = case((and_(day % 7 < 5, closed.c.k.is_(None)), 1), else_=0)
    return (
        select(day.label("k"), func.sum(school_day).over(order_by=day).label("seq"))
        .select_from(days)
        .outerjoin(closed, closed.c.k == day)
        .cte("school_calendar")
    )


def _day_number_of(day: date) -> int:
    return (day - EPOCH).days


def percentile_cont_native(value_column, fraction: tuple[int, int]):
    """percentile_cont, the ordered-set aggregate (PostgreSQL): interpolates between values."""
    numerator, denominator = fraction
    return func.percentile_cont(numerator / denominator).within_group(value_column)


def percentile_cont_portable(ranked, fraction: tuple[int, int]):
    """percentile_cont over window-ranked rows, for databases without it (SQLite).

    `ranked` has columns value, rn (1-based row number in the group, by value) and n (rows in the
    group). The percentile sits at position 1 + p*(n-1); `fraction` is p as (numerator,
    denominator) so the position's whole part and remainder are exact integer arithmetic.
    """
    numerator, denominator = fraction
    scaled = numerator * (ranked.c.n - 1)
    low = 1 + scaled // denominator
    remainder = cast(scaled % denominator, Float) / denominator
    low_value = func.max(case((ranked.c.rn == low, ranked.c.value)))
    high_value = func.coalesce(func.max(case((ranked.c.rn == low + 1, ranked.c.value))), low_value)
    return low_value + func.max(remainder) * (high_value - low_value)
