"""The audit log: who did what to which student's data, and when. Rows are only ever added."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from consent.core import clock
from consent.db import Base, UTCDateTime


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    actor_account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    actor_role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64), index=True)
    student_id: Mapped[int | None] = mapped_column(ForeignKey("student.id"), index=True)
    target: Mapped[str] = mapped_column(String(64), default="")
    # The guardian a staff member acted for, when staff record a family's request.
    on_behalf_of_guardian_id: Mapped[int | None] = mapped_column(ForeignKey("guardian.id"))
    request_id: Mapped[str] = mapped_column(String(64), default="")
    path: Mapped[str] = mapped_column(String(512), default="")

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action}>"


class AppendOnlyError(Exception):
    """An attempt to change or remove an audit row: the log is only ever added to."""


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(_mapper, _connection, target) -> None:
    raise AppendOnlyError(f"audit row {target.id} may not be changed")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(_mapper, _connection, target) -> None:
    raise AppendOnlyError(f"audit row {target.id} may not be deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state) -> None:
    """Bulk UPDATE and DELETE statements on the model bypass the mapper events above."""
    if (state.is_update or state.is_delete) and any(
        mapper.class_ is AuditEvent for mapper in state.all_mappers
    ):
        raise AppendOnlyError("audit rows may not be changed or deleted")
