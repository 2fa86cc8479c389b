"""Birth dates as the roster sends them (YYYY-MM-DD), read strictly: a date that is missing or
not a real calendar date is reported in the import summary and never guessed, since the day the
rights pass to the student (34 CFR 99.5) rests on it."""

import re
from datetime import date

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
EARLIEST = date(1900, 1, 1)

NO_DEMOGRAPHICS = (
    "the set has no demographics.csv, so no birth dates were read for its {} students "
    "(the dates already known are kept)."
)


def read_birth_date(value: str) -> date | None:
    """The date, or None when the cell is empty or not a plausible YYYY-MM-DD birth date."""
    value = value.strip()
    if not _DATE.fullmatch(value):
        return None
    try:
        found = date.fromisoformat(value)
    except ValueError:
        return None
    return found if found >= EARLIEST else None


def bad_birth_date(value: str) -> str:
    if not value.strip():
        return "no birth date is given; the student's rights at 18 cannot be dated."
    return f'"{value}" is not a valid birth date; write it as YYYY-MM-DD. It was not read.'
