"""Roster facts as SQL conditions, shared by access, routing, the catalog's reach and reports.

Plain reads: this module imports only models and the database layer, never access or an
operation, so every layer above may use it."""

from datetime import date

from sqlalchemy import and_, or_

from consent.roster.models import Enrollment


def current_enrollment(today: date, enrollment=Enrollment):
    """SQL condition: the enrollment (or an alias of the table) covers `today`."""
    return and_(
        enrollment.begin_date <= today,
        or_(enrollment.end_date.is_(None), enrollment.end_date >= today),
    )
