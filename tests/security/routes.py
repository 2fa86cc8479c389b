"""The app's URL map as test input: every route, with real ids filled in from the database.

The security suites walk the URL map instead of a hand-kept list, so a page added later is
probed the day it is added.
"""

import hashlib
import html as html_lib
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

from sqlalchemy import func, select
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter, Rule

from consent.extensions import db

SKIPPED_ENDPOINTS = {"static"}
# Reads write the audit log and keep the session record fresh by design; neither is a change to
# anybody's record, so the "GET changes nothing" sweep leaves these tables out.
BOOKKEEPING_TABLES = {"audit_event", "account_session"}
# Opening a message keeps when its recipient first read it (issue 15): that one column, and
# nothing else of the message, may change on a GET.
BOOKKEEPING_COLUMNS = {"notification": {"read_at"}}
# Personas the sweeps sign in as: one of each role, and a guardian of children at both schools.
SWEEP_PERSONAS = ("anonymous", "maria", "johnson", "brooks", "lee")
FIELD_RE = re.compile(r'<(?:input|textarea|select)\b[^>]*\bname="([^"]+)"', re.I)


def rules(app, method: str) -> list[Rule]:
    found = [
        rule
        for rule in app.url_map.iter_rules()
        if method in rule.methods and rule.endpoint not in SKIPPED_ENDPOINTS
    ]
    return sorted(found, key=lambda rule: rule.rule)


# Arguments whose table the name alone does not pick: `request_id` is a vetting request (the
# records requests' pages say `records_request_id`).
ARGUMENT_TABLES = {"request_id": "vetting_request"}


def _table_for(argument: str):
    """`optout_id` → the optout table; `form_id` → consent_form (a table ending in the name)."""
    stem = argument.removesuffix("_id")
    tables = db.metadata.tables
    if argument in ARGUMENT_TABLES:
        return tables[ARGUMENT_TABLES[argument]]
    if stem in tables:
        return tables[stem]
    for name, table in sorted(tables.items()):
        if name.endswith(f"_{stem}") or name.startswith(f"{stem}_"):
            return table
    return None


def sample_ids(app, preferred: dict[str, int] | None = None) -> dict[str, int]:
    """A real id for every int argument in the URL map (the preferred one, else the smallest)."""
    ids = dict(preferred or {})
    with app.app_context():
        for rule in app.url_map.iter_rules():
            for argument, converter in rule._converters.items():
                if argument in ids or not isinstance(converter, IntegerConverter):
                    continue
                table = _table_for(argument)
                smallest = None
                if table is not None and "id" in table.c:
                    smallest = db.session.scalar(select(func.min(table.c.id)))
                ids[argument] = smallest or 1
        db.session.remove()
    return ids


def url_for_rule(rule: Rule, ids: dict[str, int]) -> str:
    values = {}
    for argument, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[argument] = ids[argument]
        else:
            values[argument] = "not-a-real-token"
    return rule.build(values, append_unknown=False)[1]


EVERY_ARGUMENT = "*"


# Reads every query-string value only to refuse a NUL character (consent/core/security.py): a
# number, however large, has none, so that scan is not counted as the page asking for a name.
NUL_GUARD = "refuse_nul_characters"


#: Methods that read one name (noted) and methods that look at every name (EVERY_ARGUMENT).
_BY_NAME = ("__getitem__", "get", "getlist", "__contains__")
_ALL_NAMES = ("__iter__", "__len__", "keys", "values", "items", "lists", "to_dict", "copy")


class _NotedArguments(ImmutableMultiDict):
    """A request's query string that notes which names the app asks for: `noted` gains each
    name read, or EVERY_ARGUMENT when the app looks at them all (iterates, copies, tests for
    any), but for the NUL guard's scan."""

    noted: set[str] = set()


def _noting(name: str, by_name: bool):
    own = getattr(ImmutableMultiDict, name)

    def method(self, *args, **kwargs):
        if by_name:
            key = args[0] if args else kwargs.get("key")
            self.noted.add(key if isinstance(key, str) else EVERY_ARGUMENT)
        elif sys._getframe(1).f_code.co_name != NUL_GUARD:  # the caller of keys(), items()...
            self.noted.add(EVERY_ARGUMENT)
        return own(self, *args, **kwargs)

    method.__name__ = name
    return method


for _name in _BY_NAME + _ALL_NAMES:
    setattr(_NotedArguments, _name, _noting(_name, _name in _BY_NAME))


@contextmanager
def arguments_read(app) -> Iterator[set[str]]:
    """Within: the set of query-string names the app read (see _NotedArguments), which the
    caller empties before each request. Restores the app's own request class after."""
    own = app.request_class
    noted: set[str] = set()
    arguments = type("Noted", (_NotedArguments,), {"noted": noted})

    class NotingRequest(own):
        @cached_property
        def args(self):
            return arguments(super().args)

    app.request_class = NotingRequest
    try:
        yield noted
    finally:
        app.request_class = own


def form_fields(html: str) -> list[str]:
    return sorted({name for name in FIELD_RE.findall(html) if name != "csrf_token"})


INPUT_RE = re.compile(r"<input\b([^>]*)>", re.I)
SELECT_RE = re.compile(r'<select\b[^>]*\bname="([^"]+)"[^>]*>(.*?)</select>', re.I | re.S)
OPTION_RE = re.compile(r'<option\b[^>]*\bvalue="([^"]*)"', re.I)
TEXTAREA_RE = re.compile(r'<textarea\b[^>]*\bname="([^"]+)"[^>]*>(.*?)</textarea>', re.I | re.S)
ATTR_RE = re.compile(r'([a-zA-Z][\w-]*)="([^"]*)"')


def form_defaults(page: str) -> dict[str, str]:
    """What a person submitting the form untouched would send: the first choice of every radio
    group and list, and the prefilled text, so a fuzzed field is tried inside a valid post."""
    values: dict[str, str] = {}
    for attributes in INPUT_RE.findall(page):
        attrs = dict(ATTR_RE.findall(attributes))
        name, kind = attrs.get("name"), attrs.get("type", "text")
        if not name or name == "csrf_token" or kind == "file":
            continue
        values.setdefault(
            name, html_lib.unescape(attrs.get("value", "y" if kind == "checkbox" else ""))
        )
    for name, options in SELECT_RE.findall(page):
        choices = [html_lib.unescape(value) for value in OPTION_RE.findall(options) if value]
        values.setdefault(name, choices[0] if choices else "")
    for name, content in TEXTAREA_RE.findall(page):
        values.setdefault(name, html_lib.unescape(content.strip()))
    return values


def fingerprint(app, *, leave_out=frozenset(), leave_out_columns=None) -> dict[str, str]:
    """A digest of every table's rows: equal fingerprints mean no row was added, changed or
    removed (but for the tables in `leave_out` and the {table: columns} in `leave_out_columns`)."""
    digests = {}
    skipped = leave_out_columns or {}
    with app.app_context(), db.engine.connect() as conn:
        # The driver's own cursor: plain tuples, whose repr is the values' own (SQLAlchemy's
        # rows truncate each value for display, which cost most of a sweep's time).
        cursor = conn.connection.driver_connection.cursor()
        for table in db.metadata.sorted_tables:
            if table.name in leave_out:
                continue
            order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns) or "1"
            columns = ", ".join(
                f'"{c.name}"' for c in table.columns if c.name not in skipped.get(table.name, ())
            )
            cursor.execute(f'SELECT {columns} FROM "{table.name}" ORDER BY {order}')
            rows = [tuple(row) for row in cursor.fetchall()]
            digests[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
        cursor.close()
        conn.rollback()
        db.session.remove()
    return digests


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )
