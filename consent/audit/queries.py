"""Reading the audit log: the privacy office's filtered list and export, and a child's viewers."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, func, or_, select

from consent.accounts.models import Account, Role
from consent.audit.actions import ACTIONS
from consent.audit.models import AuditEvent
from consent.extensions import db
from consent.roster.models import Staff, Student

STAFF_ROLES = (Role.TEACHER.value, Role.PRINCIPAL.value, Role.PRIVACY_OFFICER.value)
# Actions that only read a student's record: single views, lists that show the student, exports.
READ_SUFFIXES = (".view", ".list", ".export")
EXPORT_BATCH = 1000

# The actions the code writes, offered as suggestions in the filter (any text is allowed).
KNOWN_ACTIONS = tuple(sorted(ACTIONS))


@dataclass(frozen=True)
class AuditFilter:
    """What the privacy office narrows the log to; None means "any"."""

    actor_account_id: int | None = None
    student_id: int | None = None
    action: str = ""
    since: date | None = None
    until: date | None = None

    @property
    def is_empty(self) -> bool:
        return self == AuditFilter()

    def describe(self) -> str:
        """The filter in a few words, for the audit row that records a read of the log."""
        parts = [
            f"{name}={value}"
            for name, value in (
                ("actor", self.actor_account_id),
                ("student", self.student_id),
                ("action", self.action),
                ("since", self.since),
                ("until", self.until),
            )
            if value not in (None, "")
        ]
        return ("audit:" + ",".join(parts))[:64]


@dataclass
class Window:
    """One page of a list. `total` is None where counting every row would cost too much."""

    items: list
    page: int
    per_page: int
    has_next: bool
    total: int | None = None

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    @property
    def pages(self) -> int | None:
        if self.total is None:
            return None
        return max(1, -(-self.total // self.per_page))


def _district_midnight(day: date) -> datetime:
    """The UTC moment a district calendar day begins: the filter's dates are the district's."""
    zone = ZoneInfo(current_app.config["DISTRICT_TIMEZONE"])
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def action_condition(action: str):
    """An exact action, or every action of a kind when it ends with a dot ("optout.")."""
    if action.endswith("."):
        escaped = action.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return AuditEvent.action.like(escaped + "%", escape="\\")
    return AuditEvent.action == action


def log_rows(filters: AuditFilter) -> Select:
    """The audit rows matching the filter, newest first, with the person's and student's ids."""
    query = (
        select(
            AuditEvent.id,
            AuditEvent.at,
            AuditEvent.actor_account_id,
            AuditEvent.actor_role,
            Account.email.label("actor_email"),
            AuditEvent.action,
            AuditEvent.student_id,
            Student.district_identifier,
            Student.given_name,
            Student.family_name,
            AuditEvent.target,
            AuditEvent.request_id,
            AuditEvent.path,
        )
        .outerjoin(Account, Account.id == AuditEvent.actor_account_id)
        .outerjoin(Student, Student.id == AuditEvent.student_id)
    )
    if filters.actor_account_id is not None:
        query = query.where(AuditEvent.actor_account_id == filters.actor_account_id)
    if filters.student_id is not None:
        query = query.where(AuditEvent.student_id == filters.student_id)
    if filters.action:
        query = query.where(action_condition(filters.action))
    if filters.since is not None:
        query = query.where(AuditEvent.at >= _district_midnight(filters.since))
    if filters.until is not None:
        query = query.where(AuditEvent.at < _district_midnight(filters.until + timedelta(days=1)))
    # Ids grow with time, and the primary key orders the newest first without a sort.
    return query.order_by(AuditEvent.id.desc())


def log_page(filters: AuditFilter, page: int, per_page: int) -> Window:
    """One page of the log. No total: counting millions of rows would cost more than the page."""
    page = max(page, 1)
    rows = db.session.execute(
        log_rows(filters).limit(per_page + 1).offset((page - 1) * per_page)
    ).all()
    return Window(
        items=rows[:per_page], page=page, per_page=per_page, has_next=len(rows) > per_page
    )


def log_export_rows(filters: AuditFilter) -> Iterator:
    """The matching rows fetched in batches through a server-side cursor: memory stays flat."""
    result = db.session.execute(
        log_rows(filters).execution_options(stream_results=True, yield_per=EXPORT_BATCH)
    )
    try:
        yield from result
    finally:
        result.close()


def account_id_for_email(email: str) -> int | None:
    return db.session.scalar(
        select(Account.id).where(func.lower(Account.email) == email.strip().lower())
    )


def student_id_for_number(number: str) -> int | None:
    return db.session.scalar(
        select(Student.id).where(Student.district_identifier == number.strip())
    )


# --- who viewed a child's record (for the child's guardians) -------------------------------


def staff_reads_condition(student_id: int):
    return (
        (AuditEvent.student_id == student_id)
        & AuditEvent.actor_role.in_(STAFF_ROLES)
        & or_(*[AuditEvent.action.endswith(suffix) for suffix in READ_SUFFIXES])
    )


def staff_views_page(student_id: int, page: int, per_page: int) -> Window:
    """Staff reads of one student's record, newest first, with each reader's role and name."""
    page = max(page, 1)
    condition = staff_reads_condition(student_id)
    total = db.session.scalar(select(func.count()).select_from(AuditEvent).where(condition))
    rows = db.session.execute(
        select(
            AuditEvent.id,
            AuditEvent.at,
            AuditEvent.actor_role,
            AuditEvent.action,
            Staff.given_name,
            Staff.family_name,
        )
        .outerjoin(Account, Account.id == AuditEvent.actor_account_id)
        .outerjoin(Staff, Staff.id == Account.staff_id)
        .where(condition)
        .order_by(AuditEvent.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return Window(
        items=rows,
        page=page,
        per_page=per_page,
        has_next=page * per_page < (total or 0),
        total=total or 0,
    )
