"""Integration tokens: what lets a district system (the SIS, the LMS, a rostering hub) read
families' choices through the API (consent.api).

A token is a long random secret shown once, when it is made; only its SHA-256 is kept, with a
short public prefix to find the row. It reads only what its scopes name, for one school or the
whole district, until it expires or the privacy office revokes it."""

import enum
import hashlib
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consent.core import clock
from consent.db import Base, UTCDateTime
from consent.roster.models import School

#: What a token prints before its prefix: a leaked token is recognisable in logs and scanners.
TOKEN_MARK = "cst"  # noqa: S105 - a public marker, not a secret


class Scope(enum.StrEnum):
    """What an integration may read, and the one thing it may submit: a vendor's roster export
    to check (consent.enforcement), which writes the check and its timeline lines."""

    OPTOUTS = "optouts:read"
    ANSWERS = "answers:read"
    EXCLUSIONS = "exclusions:read"
    CATALOG = "catalog:read"
    ROSTER_CHECKS = "roster_checks:write"


def secret_hash(token: str) -> str:
    """The stored form of a token: SHA-256 of the whole token (a long random secret needs no
    slow hash; nobody can guess 256 bits)."""
    return hashlib.sha256(token.encode()).hexdigest()


class IntegrationToken(Base):
    __tablename__ = "integration_token"
    __table_args__ = (
        CheckConstraint(
            "(revoked_at IS NULL AND revoked_by_account_id IS NULL)"
            " OR (revoked_at IS NOT NULL AND revoked_by_account_id IS NOT NULL)",
            name="revoked_by_someone",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # The public part of the token, after the mark: finds the row, proves nothing by itself.
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    # The scopes' values, space-separated, in the order of `Scope`.
    scopes: Mapped[str] = mapped_column(String(255))
    # None: every school of the district.
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    # The last day the token works (in the district's time zone).
    expires_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    created_by_account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))

    school: Mapped[School | None] = relationship(lazy="joined")

    @property
    def scope_set(self) -> frozenset[Scope]:
        return frozenset(Scope(value) for value in self.scopes.split())

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def expired(self, today: date) -> bool:
        return today > self.expires_on

    @property
    def label(self) -> str:
        """How the audit log names the integration."""
        return f"integration:{self.id} {self.name}"[:64]

    def __repr__(self) -> str:
        return f"<IntegrationToken {self.id} {self.name!r}>"
