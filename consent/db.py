"""Declarative base with a naming convention (stable constraint names for Alembic) and UTC types."""

import enum
from datetime import UTC

from sqlalchemy import Boolean, DateTime, Enum, MetaData, TypeDecorator, inspect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def chunks(items, size: int = 5000):
    """Slices small enough for an IN list (PostgreSQL takes at most 65,535 parameters)."""
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def flushed(session: Session, watched: dict[type, tuple[str, ...] | None]):
    """The objects a flush wrote of the `watched` classes, for an after_flush hook keeping a
    stored read in step: every one inserted or deleted, and each updated one whose watched
    attributes changed (None: any column). The session's dirty set is computed once: it scans
    the whole identity map."""
    for obj in (*session.new, *session.deleted):
        if type(obj) in watched:
            yield obj
    for obj in session.dirty:
        if type(obj) not in watched:
            continue
        names = watched[type(obj)]
        if names is None:
            if session.is_modified(obj):
                yield obj
        elif any(inspect(obj).attrs[name].history.has_changes() for name in names):
            yield obj


class UTCDateTime(TypeDecorator):
    """Stores UTC, always returns aware datetimes, so SQLite and PostgreSQL compare alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use aware UTC datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column(enum_cls: type[enum.Enum], name: str) -> Enum:
    """A VARCHAR + CHECK enum storing the member values, portable across both databases."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class InSelect(ColumnElement[bool]):
    """`column IN (select)`, which PostgreSQL is told as `column = ANY(ARRAY(select))`.

    Both say the same (a row whose column is among the select's values), but PostgreSQL plans
    them differently. For `IN (select)` it guesses how many rows of the outer table match from
    the select's estimated size, and for a school's 760 students it reads all 50,000 requests
    and hash-joins them (10–30 ms). `ARRAY(select)` is computed once before the outer query
    (an InitPlan), and the outer table is then read through its index on the column, only for
    the values found (under 1 ms). SQLite plans `IN (select)` through the index already."""

    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a predicate: SQLite is not told `... = 1`
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("select", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column, select):
        self.column = column
        self.select = select


@compiles(InSelect)
def _in_select(element: InSelect, compiler, **kw) -> str:
    return compiler.process(element.column.in_(element.select), **kw)


@compiles(InSelect, "postgresql")
def _in_select_postgresql(element: InSelect, compiler, **kw) -> str:
    column = compiler.process(element.column, **kw)
    select = compiler.process(element.select.scalar_subquery(), **kw)
    return f"{column} = ANY(ARRAY{select})"


def in_select(column, select) -> InSelect:
    """`column IN (select)`, planned by PostgreSQL as an index lookup (see `InSelect`)."""
    return InSelect(column, select)
