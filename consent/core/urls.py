"""Redirect targets that cannot leave the site."""

from urllib.parse import urlsplit

from werkzeug.routing import IntegerConverter


def safe_next(target: str | None, default: str) -> str:
    """Only a local absolute path is accepted: no scheme, no host, no backslash tricks."""
    if not target:
        return default
    target = target.strip()
    if (
        not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(ch) < 32 for ch in target)
    ):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


# Every id column is at most a 32-bit integer on PostgreSQL; SQLite cannot even bind a number
# past 64 bits. A larger number in a URL names nothing, so it answers like a missing record.
LARGEST_ID = 2**31 - 1


class RecordIdConverter(IntegerConverter):
    """`<int:...>` in routes: digits only, and within the range an id can have (else 404)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


def bounded_int(value: str) -> int:
    """`type=` for query-string numbers (ids, page numbers): out of range is like absent."""
    number = int(value)
    if not 0 <= number <= LARGEST_ID:
        raise ValueError(f"{value!r} is out of range")
    return number
