"""The one transaction path: how a request's work is committed, or not at all.

A view gates, loads through `consent.access`, validates, and hands one operation to `run()`,
which commits it, or on a `DomainError` rolls everything back and shows the message where the
person will read it; an API view hands it to `settle()` and answers the error as JSON.
Operations never commit. What a read writes (the audit rows of a staff view) is committed
once, after the page has been rendered, by `commit_request`, in the same transaction as
everything else the request did; an error page commits nothing.

On SQLite, which has one write lock for the whole database, a transaction either takes that
lock when it begins (a change, or a staff page that audits its reads) or only reads, so that a
family's pages never wait behind someone else's change. `need_write_lock()` moves a reader
that finds it must write after all (an idle session's last-seen time) into a writing
transaction.
"""

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, flash, g, has_request_context, request, session
from flask_login import current_user
from sqlalchemy.exc import OperationalError

from consent.core.errors import DomainError
from consent.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# In the signed session cookie: this person's pages write audit rows when they read (staff).
READS_WRITE = "reads_write"


@dataclass
class Outcome:
    """What `run` did: truthy when the operation was committed."""

    value: Any = None
    error: DomainError | None = None

    def __bool__(self) -> bool:
        return self.error is None


def run(operation: Callable[..., Any], /, *, show_on=None, **kwargs) -> Outcome:
    """Run one operation as the signed-in person and commit it.

    A `DomainError` rolls back everything the request did and is shown on `show_on` (a form
    field; a whole form when the refusal is about no one field; or a function given the error
    when the error names its own field) or, for a button without a form, flashed; nothing is
    half-saved."""
    outcome = settle(operation, actor=current_user, **kwargs)
    if outcome.error is None:
        return outcome
    error = outcome.error
    if hasattr(show_on, "form_errors"):
        show_on.form_errors = [*show_on.form_errors, str(error)]
    elif hasattr(show_on, "errors"):
        show_on.errors = [*show_on.errors, str(error)]
    elif show_on is not None:
        show_on(error)
    else:
        flash(str(error), "error")
    return outcome


def settle(operation: Callable[..., Any], /, **kwargs) -> Outcome:
    """Run one operation with the arguments given and commit it, or on a `DomainError` roll
    back everything the request did: the one place a request's change ends. `run` settles as
    the signed-in person; an API call, where no one signs in, names its actor and answers the
    error itself (a problem document, not a flashed message)."""
    try:
        value = operation(**kwargs)
    except DomainError as error:
        db.session.rollback()
        return Outcome(error=error)
    db.session.commit()
    return Outcome(value=value)


def commit_request(response):
    """After the page is rendered: commit what the request wrote (audit rows of what it showed).

    Committing before rendering would expire every loaded row and the template would reload them
    one query at a time. A response that is an error commits nothing; a refusal (404) has
    already committed its own `access.denied` row (consent.audit.operations.record_denied)."""
    if response.status_code < 400:
        try:
            db.session.commit()
        except OperationalError as error:
            # The database went away while the page was made. An error raised here would skip
            # the error handlers and be a bare 500: answer as a view would, with the 503 page.
            return current_app.make_response(current_app.handle_user_exception(error))
    else:
        db.session.rollback()
    return response


# --- SQLite: who takes the write lock ------------------------------------------------------


def request_takes_write_lock() -> bool:
    """Does this request's transaction begin by taking SQLite's write lock?"""
    if g.get("write_lock"):
        return True
    if request.method not in SAFE_METHODS:
        return True
    return bool(session.get(READS_WRITE))


def need_write_lock() -> None:
    """A reader that must write after all: end its read and go on holding the write lock.

    Upgrading a read transaction in place fails at once ("database is locked") on SQLite if
    anyone committed since it began, so the read is ended first; rows already loaded reload on
    use. No effect outside a request, on PostgreSQL, or when the lock is already held."""
    if not has_request_context() or g.get("write_lock"):
        return
    g.write_lock = True
    if g.get("sqlite_reading"):
        db.session.rollback()


class WriteInReadTransaction(RuntimeWarning):
    """A write inside a SQLite transaction that began as a read: it fails under load."""


def init_app(app: Flask) -> None:
    app.after_request(commit_request)
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    from sqlalchemy import event

    with app.app_context():

        @event.listens_for(db.engine, "before_cursor_execute")
        def _writes_hold_the_lock(conn, cursor, statement, parameters, context, executemany):
            if (
                has_request_context()
                and g.get("sqlite_reading")
                and not g.get("write_lock")
                and statement.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE")
            ):
                warnings.warn(
                    f"{request.method} {request.endpoint} writes in a read transaction; "
                    "call consent.core.transaction.need_write_lock() first",
                    WriteInReadTransaction,
                    stacklevel=2,
                )


def remember_reads_write(audited: bool) -> None:
    """At sign-in: an audited reader's pages (staff: consent.access.reads_are_audited) write an
    audit row for every student they show."""
    session[READS_WRITE] = audited


_immediate: ContextVar[bool] = ContextVar("sqlite_begin_immediate", default=False)


@contextmanager
def immediate_transactions() -> Iterator[None]:
    """Outside a request (the notification worker, CLI writes): on SQLite every transaction
    started inside takes the write lock at BEGIN. No effect on PostgreSQL."""
    token = _immediate.set(True)
    try:
        yield
    finally:
        _immediate.reset(token)


def immediate_requested() -> bool:
    """Whether the code running now asked for `immediate_transactions` (read at BEGIN)."""
    return _immediate.get()
