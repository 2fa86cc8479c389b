"""The annual notice's versions (one per save, per language) and who it was sent to each year."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consent.accounts.models import Account
from consent.core import clock
from consent.db import Base, UTCDateTime
from consent.roster.models import Guardian

#: The parts of the notice the office writes, in the order the rights page shows them.
TEXT_FIELDS = ("school_officials", "directory_information", "inspect_and_amend")
CONTACT_FIELDS = ("contact_name", "contact_email", "contact_phone", "contact_address")


class NoticeVersion(Base):
    """One saved version of the notice in one language. Never changed: a save adds a version."""

    __tablename__ = "notice_version"
    __table_args__ = (
        UniqueConstraint("language", "number"),
        CheckConstraint(
            "school_officials <> '' AND directory_information <> '' AND inspect_and_amend <> ''",
            name="says_every_part",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(String(16), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... within the language
    contact_name: Mapped[str] = mapped_column(String(255), default="")
    contact_email: Mapped[str] = mapped_column(String(320), default="")
    contact_phone: Mapped[str] = mapped_column(String(64), default="")
    contact_address: Mapped[str] = mapped_column(Text, default="")
    #: Who counts as a school official with a legitimate educational interest (99.7(a)(3)(iii)).
    school_officials: Mapped[str] = mapped_column(Text)
    #: The types of directory information and how to refuse (99.37).
    directory_information: Mapped[str] = mapped_column(Text)
    #: How to inspect and review records, and ask for a correction (99.7(a)(2)(i)-(ii)).
    inspect_and_amend: Mapped[str] = mapped_column(Text)
    saved_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    saved_by: Mapped[Account | None] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<NoticeVersion {self.id} {self.language} {self.number}>"


class NoticeSend(Base):
    """One sending of the notice for a school year by the office: who, when, how many."""

    __tablename__ = "notice_send"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_year: Mapped[str] = mapped_column(String(9), index=True)
    sent_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    without_email: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<NoticeSend {self.id} {self.school_year}>"


class NoticeRecipient(Base):
    """A rights holder the notice went to in a school year: never twice in the same year. The
    notification holds the message as it was sent and whether it was delivered."""

    __tablename__ = "notice_recipient"
    __table_args__ = (UniqueConstraint("school_year", "guardian_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_year: Mapped[str] = mapped_column(String(9))
    guardian_id: Mapped[int] = mapped_column(ForeignKey("guardian.id"), index=True)
    notice_send_id: Mapped[int] = mapped_column(ForeignKey("notice_send.id"), index=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notification.id"), unique=True)
    language: Mapped[str] = mapped_column(String(16))

    guardian: Mapped[Guardian] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<NoticeRecipient {self.id} {self.school_year}>"
