"""Reads for the privacy office's integration pages."""

from sqlalchemy import Select, select

from consent.extensions import db
from consent.integrations.models import IntegrationToken
from consent.roster.models import School


def token_list() -> Select:
    """Every token, newest first (paginate it)."""
    return select(IntegrationToken).order_by(IntegrationToken.id.desc())


def school_choices() -> list[tuple[int, str]]:
    return [
        (row.id, row.name)
        for row in db.session.execute(select(School.id, School.name).order_by(School.name))
    ]
