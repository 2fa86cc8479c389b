"""Which guardian links still see a child, and which still decide for them: the one rule
behind every guardian scope and every "rights holder" list.

A link's own flags (`active`, `has_rights`) are the roster's, and every roster import rewrites
them from the district's file. What a court order removed (99.4) is therefore decided here, at
read time, from the order itself: no later writer of a link (an import, a script, a future
sync) can give a guardian back what the law took away. Each condition is a correlated EXISTS
on the row being read, so a list or a set-based notice keeps its single statement.
"""

from sqlalchemy import ColumnElement, and_, exists
from sqlalchemy.orm import aliased

from consent.records.models import LinkRestriction, RestrictionScope
from consent.roster.models import GuardianLink


def _restricted(*removes: RestrictionScope) -> ColumnElement[bool]:
    """A court order on this very link removes one of `removes`."""
    order = aliased(LinkRestriction)
    return (
        exists()
        .where(order.guardian_link_id == GuardianLink.id, order.removes.in_(removes))
        .correlate_except(order)
    )


def seeing_link() -> ColumnElement[bool]:
    """The link still lets its guardian see the child: on the roster, not cut by an order that
    removed all rights."""
    return and_(GuardianLink.active.is_(True), ~_restricted(RestrictionScope.ALL_RIGHTS))


def deciding_link() -> ColumnElement[bool]:
    """The link still holds FERPA rights: on the roster with rights, and no order removed
    all rights or decisions."""
    return and_(
        GuardianLink.active.is_(True),
        GuardianLink.has_rights.is_(True),
        ~_restricted(RestrictionScope.ALL_RIGHTS, RestrictionScope.DECISIONS),
    )
