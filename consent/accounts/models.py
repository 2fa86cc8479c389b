"""Sign-in accounts, each belonging to exactly one guardian or one staff member."""

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consent.core import clock
from consent.db import Base, UTCDateTime
from consent.roster.models import Guardian, Staff, StaffRole


class Role(enum.StrEnum):
    GUARDIAN = "guardian"
    TEACHER = "teacher"
    PRINCIPAL = "principal"
    PRIVACY_OFFICER = "privacy_officer"


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class Account(UserMixin, Base):
    __tablename__ = "account"
    __table_args__ = (
        CheckConstraint("(guardian_id IS NULL) != (staff_id IS NULL)", name="exactly_one_person"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # Rotated on password change; a reset link carries a part of it, so a used link is dead.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardian.id"), unique=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The second factor (consent.accounts.totp): the RFC 6238 key, set when enrolment is
    # confirmed with a code; the last time-step a code was accepted for, so none is used twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # The privacy-reviewer duty (consent.vetting.review): the office names staff who review
    # vetting requests; a reviewer sees only the requests assigned to them.
    privacy_reviewer: Mapped[bool] = mapped_column(Boolean, default=False)

    guardian: Mapped[Guardian | None] = relationship(lazy="joined")
    staff: Mapped[Staff | None] = relationship(lazy="joined")

    @property
    def role(self) -> Role:
        if self.guardian_id is not None:
            return Role.GUARDIAN
        return Role(self.staff.role.value)

    @property
    def is_staff(self) -> bool:
        return self.staff_id is not None

    @property
    def display_name(self) -> str:
        person = self.guardian or self.staff
        return person.full_name

    @property
    def language(self) -> str:
        return self.guardian.preferred_language if self.guardian else "en"

    @property
    def has_second_factor(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def is_active(self) -> bool:
        return self.active

    # Set for the request by consent.accounts.sessions: the key of the server-side session the
    # browser presented. Flask-Login keeps get_id() in the cookie, so the cookie holds only that.
    session_key = None
    # Set for the request with the session lookup: messages not opened yet, for the menu.
    unread_messages = 0

    def get_id(self) -> str | None:
        return self.session_key

    def __repr__(self) -> str:
        return f"<Account {self.id}>"


class AccountSession(Base):
    """One signed-in browser. The cookie carries a random key; only its SHA-256 is stored, so a
    copy of this table signs no one in. Revoking the row ends the session wherever the cookie is.
    """

    __tablename__ = "account_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "Firefox on Windows": enough for a person to recognise a device, nothing more.
    user_agent: Mapped[str] = mapped_column(String(120), default="")

    def __repr__(self) -> str:
        return f"<AccountSession {self.id} account={self.account_id}>"


class SignInFailure(Base):
    """A refused sign-in, counted per email address (a keyed hash of it, never the address) so
    a known and an unknown address lock alike and the lockout tells an attacker nothing."""

    __tablename__ = "sign_in_failure"
    __table_args__ = (Index("ix_sign_in_failure_email_digest_at", "email_digest", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email_digest: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    def __repr__(self) -> str:
        return f"<SignInFailure {self.id}>"


class RecoveryCode(Base):
    """One of the ten single-use codes that sign in when the phone is lost; only the argon2
    hash is kept, like a password's."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<RecoveryCode {self.id} account={self.account_id}>"


__all__ = [
    "Account",
    "AccountSession",
    "RecoveryCode",
    "Role",
    "SignInFailure",
    "StaffRole",
    "new_session_token",
]
