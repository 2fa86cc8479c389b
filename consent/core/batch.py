"""Bulk actions: many items, each through the operation that acts on one, all or nothing.

A bulk operation calls the single-item operation for every item in the caller's transaction,
so each item gets that operation's own checks, events, audit row and notifications. The first
refusal stops the batch with a `BatchItemError` naming the item; `transaction.run` rolls the
whole batch back, and the page says which item and why.
"""

from collections.abc import Callable, Iterable
from typing import Any

from flask_babel import lazy_gettext as _l

from consent.core.errors import DomainError


class BatchItemError(DomainError):
    """One item of a batch was refused, so nothing of the batch is saved.

    `item` is the refused item, `label` how the page names it (a student, a request), `key` an
    id the page uses to point at its row, and `reason` the refusal of the item's operation."""

    def __init__(self, *, item: Any, label: str, reason: DomainError, key: Any = None):
        super().__init__(_l("%(item)s: %(reason)s", item=label, reason=reason))
        self.item = item
        self.label = label
        self.key = key
        self.reason = reason


class EmptyBatch(DomainError):
    """A bulk action with nothing chosen: refused, with the message the action gives."""


def each(
    items: Iterable[Any],
    act: Callable[[Any], Any],
    *,
    label: Callable[[Any], str],
    key: Callable[[Any], Any] = lambda item: None,
    empty: Any = None,
) -> list[Any]:
    """`act(item)` for every item, in order; the first refusal raises `BatchItemError` for it.

    Returns what each call returned. With no items at all, raises `EmptyBatch(empty)`."""
    items = list(items)
    if not items:
        raise EmptyBatch(empty if empty is not None else _l("Choose at least one."))
    done = []
    for item in items:
        try:
            done.append(act(item))
        except BatchItemError:
            raise
        except DomainError as error:
            raise BatchItemError(
                item=item, label=label(item), reason=error, key=key(item)
            ) from error
    return done
