"""The one clock: every "now" and the district's "today" is read here, and tests set it.

Deadlines are counted in the district's school days, reminders go out on the district's
mornings, and a request filed at 23:30 in Baltimore is filed "today" there even though it is
already tomorrow in UTC. So code never calls `datetime.now()` or `date.today()` itself: it asks
`now()` (an aware UTC moment) or `today()` (the district's date).

Tests move the clock with `travel_to(moment)` (time keeps running from there) or `freeze(moment)`
(time stands still). tests/test_any_instant.py runs the whole journey, from filing to the
emails sent, at a weekend, a closure, New Year, both ends of a school year, the daylight-saving
changes and 23:59 in the district while UTC is already tomorrow. A whole process can be moved
with the environment variable CONSENT_CLOCK_OFFSET_SECONDS (like `faketime -f +SECONDS`), and
every process a test starts (workers, gunicorn) inherits it, so they agree on the time.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "America/New_York"

_offset = timedelta(0)
_frozen: datetime | None = None


def _real_now() -> datetime:
    return datetime.now(UTC)


def now() -> datetime:
    """The current moment, aware and in UTC."""
    if _frozen is not None:
        return _frozen
    return _real_now() + _offset


def district_zone() -> ZoneInfo:
    name = current_app.config["DISTRICT_TIMEZONE"] if has_app_context() else DEFAULT_TIMEZONE
    return ZoneInfo(name)


def today(moment: datetime | None = None) -> date:
    """The district's date at `moment` (default: now), which decides what 'overdue' means."""
    return (moment or now()).astimezone(district_zone()).date()


def day_start(day: date) -> datetime:
    """The moment a district day begins, to compare stored (UTC) moments with school days."""
    return datetime.combine(day, time(), tzinfo=district_zone())


def moment_on(day: date, *, hour: int = 9) -> datetime:
    """A moment on the district's `day`, never later than now: for data placed in the past."""
    at = datetime.combine(day, time(hour), tzinfo=district_zone()).astimezone(UTC)
    return max(day_start(day).astimezone(UTC), min(at, now()))


# --- for tests and for starting a process at another instant -------------------------------


def travel_to(moment: datetime) -> None:
    """From now on the clock reads `moment` and runs on from there."""
    global _offset, _frozen
    if moment.tzinfo is None:
        raise ValueError("give an aware moment")
    _frozen = None
    _offset = moment - _real_now()


def freeze(moment: datetime) -> None:
    """The clock reads `moment` until it is moved or reset."""
    global _frozen
    if moment.tzinfo is None:
        raise ValueError("give an aware moment")
    _frozen = moment.astimezone(UTC)


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    """Inside, the clock stands at `moment`: the demo places its past actions in the past."""
    global _offset, _frozen
    saved = _offset, _frozen
    freeze(moment)
    try:
        yield
    finally:
        _offset, _frozen = saved


def reset() -> None:
    """Back to the real time (moved by CONSENT_CLOCK_OFFSET_SECONDS, if set)."""
    global _offset, _frozen
    _frozen = None
    _offset = _start_offset


def _offset_from_environment() -> timedelta:
    return timedelta(seconds=float(os.environ.get("CONSENT_CLOCK_OFFSET_SECONDS") or 0))


_start_offset = _offset_from_environment()
_offset = _start_offset
