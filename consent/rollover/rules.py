"""Plain rules of the school-year rollover: which year may be closed, and what happens to each
confirmed opt-out (the tool's own rule, else the district's)."""

import re
from collections.abc import Mapping
from datetime import date

from flask_babel import lazy_gettext as _l

from consent.core.errors import DomainError
from consent.rollover.models import DEFAULT_ACTION, YearEndAction
from consent.schoolcalendar.days import school_year_of

YEAR_LABEL = re.compile(r"^(\d{4})-(\d{4})$")


class RolloverError(DomainError):
    """A rollover the rules refuse; the message (translatable) is shown as is."""


def year_start(label: str) -> int | None:
    """2026 for "2026-2027"; None for anything that is not a school year's label."""
    match = YEAR_LABEL.match(label or "")
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        return None
    return int(match.group(1))


def next_school_year(label: str) -> str:
    start = year_start(label)
    if start is None:
        raise RolloverError(_l("Give a school year such as 2026-2027."))
    return f"{start + 1}-{start + 2}"


def closable_years(today: date) -> list[str]:
    """This school year (rolled over before it ends, the usual case, in June) and the last one
    (when the office rolls over after 1 August, once the new year has begun)."""
    this = school_year_of(today)
    start = year_start(this)
    return [this, f"{start - 1}-{start}"]


def check_closable(label: str, today: date, *, done: set[str]) -> str:
    """The year to close, refused when it is not this year or the last, or when it (or a later
    one) has already been rolled over. Returns the year it rolls into."""
    if label not in closable_years(today):
        raise RolloverError(_l("Only this school year or the last one can be rolled over."))
    if label in done:
        raise RolloverError(
            _l("The %(year)s school year has already been rolled over.", year=label)
        )
    into = next_school_year(label)
    if into in done:
        raise RolloverError(
            _l(
                "The %(year)s school year has already been rolled over; an earlier year "
                "cannot be rolled over after it.",
                year=into,
            )
        )
    return into


def year_end_action(
    tool_id: int,
    *,
    district: YearEndAction | None,
    per_tool: Mapping[int, YearEndAction],
) -> YearEndAction:
    """A tool's own rule wins; else the district's rule for all tools; else carry over."""
    if tool_id in per_tool:
        return per_tool[tool_id]
    return district or DEFAULT_ACTION


def a_year_later(day: date) -> date:
    """The same date next year; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)
