"""Inviting people from the roster to set a password: guardians who hold FERPA rights (and
relatives, if the district allows) and staff, each with an email address and no account yet.

The invitation link is signed and expires after 14 days; it is single use because the account
it creates ends it. Sending again is safe: it only mails people who still have no account.
"""

import logging
from dataclasses import dataclass, field

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import and_, exists, func, select

from consent.access import deciding_link, seeing_link
from consent.accounts import sessions, totp
from consent.accounts.models import Account
from consent.accounts.passwords import hash_password
from consent.audit.operations import record
from consent.extensions import db
from consent.notifications.operations import notify
from consent.roster.models import Guardian, GuardianLink, Staff, StaffRole, Student

log = logging.getLogger(__name__)


@dataclass
class InvitationReport:
    sent: int = 0
    email_taken: int = 0  # the address already signs in to another account
    without_email: list[Guardian] = field(default_factory=list)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="invitation")


def make_token(*, guardian: Guardian | None = None, staff: Staff | None = None) -> str:
    return _serializer().dumps({"g": guardian.id} if guardian else {"s": staff.id})


def guardians_to_invite() -> select:
    """Active guardians linked to an active student, with rights (or any link when the
    district lets relatives view), an email, and no account."""
    conditions = [
        GuardianLink.guardian_id == Guardian.id,
        seeing_link() if current_app.config["INVITE_RELATIVES"] else deciding_link(),
    ]
    link = exists().where(*conditions)
    has_account = exists().where(Account.guardian_id == Guardian.id)
    return select(Guardian).where(Guardian.active.is_(True), link, ~has_account)


def staff_to_invite() -> select:
    has_account = exists().where(Account.staff_id == Staff.id)
    return select(Staff).where(
        Staff.active.is_(True),
        Staff.role.in_([StaffRole.TEACHER, StaffRole.PRINCIPAL]),
        Staff.email != "",
        ~has_account,
    )


def counts() -> dict[str, int]:
    """How many are waiting, counted in the database (a district has 250,000 guardians)."""
    waiting = guardians_to_invite().subquery()
    has_email = and_(waiting.c.email.is_not(None), waiting.c.email != "")
    with_email, without_email = db.session.execute(
        select(
            func.count().filter(has_email),
            func.count().filter(~has_email),
        ).select_from(waiting)
    ).one()
    staff = db.session.scalar(select(func.count()).select_from(staff_to_invite().subquery()))
    return {
        "guardians_with_email": with_email,
        "guardians_without_email": without_email,
        "staff": staff,
    }


def send_invitations(*, actor: Account | None = None) -> InvitationReport:
    """Queue an invitation email for everyone due one; the caller commits. Sent from the
    office's page, the `actor` is audited; from the command line there is none."""
    if actor is not None:
        record(actor, "accounts.invite")
    report = InvitationReport()
    taken = {email.lower() for email in db.session.scalars(select(func.lower(Account.email)))}
    for guardian in db.session.scalars(guardians_to_invite().order_by(Guardian.id)):
        if not guardian.email:
            report.without_email.append(guardian)
        elif guardian.email.lower() in taken:
            report.email_taken += 1
        else:
            _invite(guardian=guardian)
            report.sent += 1
    for staff in db.session.scalars(staff_to_invite().order_by(Staff.id)):
        if staff.email.lower() in taken:
            report.email_taken += 1
        else:
            _invite(staff=staff)
            report.sent += 1
    log.info("invitations queued: %s, email taken: %s", report.sent, report.email_taken)
    return report


def _invite(**person) -> None:
    token = make_token(**person)
    notify(template="accounts/invitation", link=f"/invitation/{token}", **person)


def person_for_token(token: str) -> Guardian | Staff | None:
    """The person an unexpired, unused invitation is for; None otherwise."""
    try:
        data = _serializer().loads(token, max_age=current_app.config["INVITATION_MAX_AGE"])
    except (BadSignature, SignatureExpired):
        return None
    if "g" in data:
        person = db.session.get(Guardian, data["g"])
        used = exists().where(Account.guardian_id == data["g"])
    else:
        person = db.session.get(Staff, data.get("s"))
        used = exists().where(Account.staff_id == data.get("s"))
    if person is None or not person.active or not person.email or db.session.scalar(select(used)):
        return None
    return person


def accept(*, actor, person: Guardian | Staff, password: str, user_agent: str = "") -> Account:
    """Create the account the invitation was for, signed in on this browser at once (its
    session starts in the same transaction); the account is what makes the link single use.

    A role that must have a second factor (consent.accounts.totp) gets no session yet: it
    sets up the second factor first, as at a password sign-in.

    `actor` is the visitor holding the link, nobody yet: the link says who they are."""
    account = Account(
        email=person.email.strip().lower(),
        password_hash=hash_password(password),
        guardian_id=person.id if isinstance(person, Guardian) else None,
        staff_id=person.id if isinstance(person, Staff) else None,
    )
    db.session.add(account)
    db.session.flush()
    record(account, "accounts.created", target=f"account:{account.id}")
    log.info("account %s created from an invitation", account.id)
    if not totp.required_for(account):
        sessions.start(account, user_agent=user_agent)
    return account


def without_email_csv_rows():
    """CSV lines: each guardian to reach on paper, with their children and schools."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return value

    writer.writerow(["guardian", "phone", "language", "student", "student number", "school"])
    yield flush()
    rows = db.session.execute(
        select(Guardian, Student)
        .join(GuardianLink, GuardianLink.guardian_id == Guardian.id)
        .join(Student, Student.id == GuardianLink.student_id)
        .where(
            Guardian.id.in_(guardians_to_invite().with_only_columns(Guardian.id)),
            (Guardian.email.is_(None)) | (Guardian.email == ""),
            seeing_link(),
        )
        .order_by(Guardian.family_name, Guardian.given_name, Guardian.id, Student.id)
        .execution_options(yield_per=1000)
    )
    for guardian, student in rows:
        writer.writerow(
            [
                guardian.full_name,
                guardian.phone or "",
                guardian.preferred_language,
                student.full_name,
                student.district_identifier,
                student.school.name,
            ]
        )
        yield flush()
