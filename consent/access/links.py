"""Which guardian links still see a child, and which still decide for them: the one rule
behind every guardian scope and every "rights holder" list.

A link's own flags (`active`, `has_rights`) are the roster's, and every roster import rewrites
them from the district's file. What a court order removed (99.4) and what passed to the student
at 18 (99.5) is therefore decided here, at read time, from the order and the student's record:
no later writer of a link (an import, a script, a future sync) can give a guardian back what the
law took away. Each condition is a correlated EXISTS on the row being read, so a list or a
set-based notice keeps its single statement. Each condition is built once (`cache`) and reused:
building its aliases cost more CPU than the rest of a guardian's page.

At 18 the rights are the student's: their own link (their account's guardian record names
them) sees and decides; the parents' links decide no more, and see only while the district marks
the student a dependent for tax purposes (99.31(a)(8)).
"""

from functools import cache

from sqlalchemy import ColumnElement, and_, exists, or_
from sqlalchemy.orm import aliased

from consent.records.models import LinkRestriction, RestrictionScope
from consent.roster.models import Guardian, GuardianLink, Student


def _restricted(*removes: RestrictionScope) -> ColumnElement[bool]:
    """A court order on this very link removes one of `removes`."""
    order = aliased(LinkRestriction)
    return (
        exists()
        .where(order.guardian_link_id == GuardianLink.id, order.removes.in_(removes))
        .correlate_except(order)
    )


def _student_self() -> ColumnElement[bool]:
    """The link is the eligible student's own (their account's guardian record is themselves)."""
    own = aliased(Guardian)
    return (
        exists()
        .where(own.id == GuardianLink.guardian_id, own.student_id == GuardianLink.student_id)
        .correlate_except(own)
    )


def _rights_passed(*, unless_dependent: bool) -> ColumnElement[bool]:
    """The child became an eligible student; with `unless_dependent`, only when the district
    has not marked them a dependent for tax purposes (99.31(a)(8): then parents may still see)."""
    child = aliased(Student)
    conditions = [child.id == GuardianLink.student_id, child.eligible_on.is_not(None)]
    if unless_dependent:
        conditions.append(child.tax_dependent.is_(False))
    return exists().where(*conditions).correlate_except(child)


@cache
def seeing_link() -> ColumnElement[bool]:
    """The link still lets its guardian see the child: on the roster, not cut by an order that
    removed all rights, and the child is a minor, or a dependent, or it is the student's own."""
    return and_(
        GuardianLink.active.is_(True),
        ~_restricted(RestrictionScope.ALL_RIGHTS),
        or_(~_rights_passed(unless_dependent=True), _student_self()),
    )


@cache
def deciding_link() -> ColumnElement[bool]:
    """The link still holds FERPA rights: it sees the child, the roster gives it rights, no
    order removed decisions, and the rights have not passed to the student (unless it is the
    student's own link)."""
    return and_(
        GuardianLink.active.is_(True),
        GuardianLink.has_rights.is_(True),
        ~_restricted(RestrictionScope.ALL_RIGHTS, RestrictionScope.DECISIONS),
        or_(~_rights_passed(unless_dependent=False), _student_self()),
    )
