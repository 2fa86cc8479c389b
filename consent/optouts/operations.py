"""Every change to an opt-out: each checks the move, writes the Event, the audit row and the
notifications in the caller's transaction, and flushes. The caller commits once."""

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError

from consent.access import deciding_link
from consent.access.catalog import may_close_requests_of_retired_tool
from consent.access.families import may_decide_for, may_record_for
from consent.access.policy import files_for_self, may_act_on_task, may_decide_requests
from consent.accounts.models import Account
from consent.audit.operations import record
from consent.catalog.models import Tool, VettingStatus
from consent.catalog.reach import reaches_student, teachers_reached
from consent.core import clock
from consent.core.batch import each
from consent.core.i18n import district_language
from consent.core.templating import LABELS
from consent.db import chunks
from consent.extensions import db
from consent.notifications.operations import notify
from consent.optouts import events
from consent.optouts.models import (
    ACTIVE_STATUSES,
    OPEN_STATUSES,
    STAFF_CHANNELS,
    Channel,
    Event,
    OptOut,
    OptOutRequester,
    OptOutStatus,
    Task,
    TaskStatus,
)
from consent.optouts.queries import routed_to
from consent.optouts.rules import (
    OptOutError,
    check_fits,
    check_received,
    check_task_transition,
    check_transition,
    due_dates,
)
from consent.receipts.operations import issue_for_optout
from consent.roster.models import (
    Guardian,
    GuardianLink,
    Staff,
    Student,
)
from consent.roster.staff import principals_of
from consent.schoolcalendar.days import closures_from


def _link(optout: OptOut) -> str:
    return f"/requests/{optout.id}"


def _move(optout: OptOut, target: OptOutStatus, *, actor, event, **details) -> None:
    """Move the request along TRANSITIONS, stamp the time that goes with the new status, and
    write `event` (a function of consent.optouts.events) with the move on the timeline."""
    check_transition(optout.status, target)
    moved_from, optout.status = optout.status, target
    if target is OptOutStatus.CONFIRMED:
        optout.resolved_at = clock.now()
    elif target in (OptOutStatus.WITHDRAWN, OptOutStatus.CLOSED):
        optout.ended_at = clock.now()
    event(optout, actor=actor, moved_from=moved_from, **details)


def _move_task(
    task: Task,
    target: TaskStatus,
    *,
    actor,
    event=None,
    plan: tuple[str, str] | None = None,
    closed_reason: str = "",
    **details,
) -> None:
    """Move a teacher's task along TASK_TRANSITIONS, set what goes with the new status (the
    time acknowledged or planned, the plan, why it closed), and write `event` when the move
    is a line of its own on the timeline (a first acknowledgement shares the request's line)."""
    check_task_transition(task.status, target)
    if target is TaskStatus.ACKNOWLEDGED and task.status is TaskStatus.OPEN:
        task.acknowledged_at = clock.now()
    elif target is TaskStatus.PLANNED:
        task.planned_at = clock.now()
        task.plan_option, task.plan_note = plan
    elif target is TaskStatus.CLOSED:
        task.closed_reason = closed_reason
    elif target is TaskStatus.OPEN:
        task.closed_reason = ""
    task.status = target
    if event is not None:
        event(task, actor=actor, **details)


def routed_teachers(student: Student, tool_id: int, today: date) -> list[Staff]:
    """Teachers of the student's current sections that use the tool; for a district- or
    school-wide tool, every teacher of the student (`consent.catalog.reach`)."""
    reached = teachers_reached(today, students=[student.id], tool_id=tool_id).subquery()
    return list(
        db.session.scalars(
            select(Staff)
            .where(Staff.id.in_(select(reached.c.staff_id)))
            .order_by(Staff.family_name, Staff.given_name, Staff.id)
        )
    )


def requesting_guardians(optout: OptOut) -> list[Guardian]:
    """Guardians who asked for the request and still hold FERPA rights for the child: a parent
    whose link the roster ended hears nothing more about the child."""
    return list(
        db.session.scalars(
            select(Guardian)
            .join(OptOutRequester, OptOutRequester.guardian_id == Guardian.id)
            .join(
                GuardianLink,
                and_(
                    GuardianLink.guardian_id == Guardian.id,
                    GuardianLink.student_id == optout.student_id,
                    deciding_link(),
                ),
            )
            .where(OptOutRequester.optout_id == optout.id)
            .order_by(OptOutRequester.id)
        )
    )


def _open_tasks(optout: OptOut) -> list[Task]:
    return [t for t in optout.tasks if t.status is not TaskStatus.CLOSED]


def _notify_teachers(optout: OptOut, template: str, **context) -> None:
    for task in _open_tasks(optout):
        notify(
            template=template,
            link=f"/tasks/{task.id}",
            staff=task.teacher,
            optout_id=optout.id,
            optout=optout,
            task=task,
            **context,
        )


def _notify_guardians(optout: OptOut, template: str, **context) -> None:
    for guardian in requesting_guardians(optout):
        notify(
            template=template,
            link=_link(optout),
            guardian=guardian,
            optout_id=optout.id,
            optout=optout,
            **context,
        )


def notify_principals(optout: OptOut, template: str, **context) -> None:
    for principal in principals_of(optout.student.school_id):
        notify(
            template=template,
            link=_link(optout),
            staff=principal,
            optout_id=optout.id,
            optout=optout,
            **context,
        )


@dataclass
class Filing:
    optout: OptOut
    joined: bool  # True when the request joined one that was already active


def _validate_choice(student: Student, tool: Tool, feature: str, accommodation: str, today: date):
    if not reaches_student(student.id, tool.id, today):
        raise OptOutError(
            _l("%(tool)s is not in use for %(name)s.", tool=tool.name, name=student.given_name)
        )
    if feature and tool.feature_label(feature) is None:
        raise OptOutError(_l("Choose one of the parts of the tool listed."))
    if accommodation not in {o.label for o in tool.optout_options}:
        raise OptOutError(_l("Choose one of the accommodations listed."))
    check_fits(tool, feature, accommodation)


def _find_active(student_id: int, tool_id: int, feature: str) -> OptOut | None:
    return db.session.scalar(
        select(OptOut).where(
            OptOut.student_id == student_id,
            OptOut.tool_id == tool_id,
            OptOut.feature == feature,
            OptOut.status.in_(ACTIVE_STATUSES),
        )
    )


@dataclass(frozen=True)
class Asking:
    """Who asked for a request and how: the guardian, the channel, the day, and a staff note."""

    guardian: Guardian
    channel: Channel = Channel.WEB
    received_on: date | None = None
    note: str = ""

    @property
    def recorded(self) -> bool:
        """Told to staff, who typed it in for the guardian."""
        return self.channel is not Channel.WEB

    def timeline_note(self) -> str:
        """How and when it reached the school, in the district's language, with the staff note."""
        with district_language():
            how = str(
                _l(
                    "%(channel)s, received on %(day)s.",
                    channel=LABELS[Channel][self.channel],
                    day=format_date(self.received_on, "long"),
                )
            )
        return f"{how} {self.note}".strip()


def _asking(
    actor: Account,
    student: Student,
    on_behalf_of: Guardian | None,
    channel: Channel,
    received_on: date | None,
    note: str,
    today: date,
) -> Asking:
    """A guardian with FERPA rights files for themselves on the web; staff who may see the
    student record a request that guardian made by phone, on paper, by email or in person."""
    if on_behalf_of is None:
        if not files_for_self(actor):
            raise OptOutError(_l("Only a parent or guardian can file an opt-out."))
        if not may_decide_for(actor.guardian_id, student.id):
            raise OptOutError(
                _l("Only a parent or guardian with rights for this child can ask for an opt-out.")
            )
        return Asking(guardian=actor.guardian, received_on=today)
    if not may_record_for(actor, student.id):
        raise OptOutError(
            _l(
                "You can record a request only for a student you teach, a student of your "
                "school, or, for the privacy office, any student."
            )
        )
    if not may_decide_for(on_behalf_of.id, student.id):
        raise OptOutError(
            _l(
                "%(name)s does not hold the rights to decide for %(student)s. Only a parent "
                "or guardian with rights can ask for an opt-out.",
                name=on_behalf_of.full_name,
                student=student.given_name,
            )
        )
    channel = Channel(channel)
    if channel not in STAFF_CHANNELS:
        raise OptOutError(_l("Say how the request reached you: phone, paper, email or in person."))
    received_on = received_on or today
    check_received(received_on, today)
    return Asking(
        guardian=on_behalf_of,
        channel=channel,
        received_on=received_on,
        note=(note or "").strip(),
    )


def _join(optout: OptOut, *, actor: Account, asking: Asking, now: datetime) -> Filing:
    """A second guardian's identical request (or a double submit) joins the active one."""
    guardian = asking.guardian
    already = db.session.scalar(
        select(OptOutRequester).where(
            OptOutRequester.optout_id == optout.id,
            OptOutRequester.guardian_id == guardian.id,
        )
    )
    if already is not None:
        if asking.recorded:
            raise OptOutError(
                _l(
                    "%(name)s already asked for this, and the request is open (number "
                    "%(id)s). There is nothing new to record.",
                    name=guardian.full_name,
                    id=optout.id,
                )
            )
        return Filing(optout=optout, joined=True)
    on_behalf_of = guardian if asking.recorded else None
    db.session.add(
        OptOutRequester(
            optout_id=optout.id,
            guardian_id=guardian.id,
            joined_at=now,
            channel=asking.channel,
            recorded_by_account_id=actor.id if asking.recorded else None,
        )
    )
    receipt = issue_for_optout(
        optout, guardian_id=guardian.id, channel=asking.channel, decided_at=now
    )
    events.joined(
        optout,
        actor=actor,
        on_behalf_of=on_behalf_of,
        note=asking.timeline_note() if asking.recorded else "",
    )
    record(
        actor,
        "optout.join",
        student_id=optout.student_id,
        target=f"optout:{optout.id}",
        on_behalf_of=on_behalf_of,
    )
    notify(
        template="optouts/recorded" if asking.recorded else "optouts/joined",
        link=_link(optout),
        guardian=guardian,
        optout_id=optout.id,
        optout=optout,
        asking=asking,
        recorded_by=actor,
        receipt=receipt,
        routed=routed_to(optout),
    )
    db.session.flush()
    return Filing(optout=optout, joined=True)


def file_optout(
    *,
    actor: Account,
    student: Student,
    tool: Tool,
    feature: str,
    accommodation: str,
    reason: str = "",
    on_behalf_of: Guardian | None = None,
    channel: Channel = Channel.WEB,
    received_on: date | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Filing:
    """File an opt-out and route it; an identical active request is joined instead.

    A guardian files for themselves on the web. Staff record a request a guardian made by
    phone, on paper, by email or in person: `actor` is the staff member who typed it,
    `on_behalf_of` the guardian who asked, and due dates count from `received_on`."""
    now = now or clock.now()
    today = clock.today(now)
    asking = _asking(actor, student, on_behalf_of, channel, received_on, note, today)
    _validate_choice(student, tool, feature, accommodation, today)

    existing = _find_active(student.id, tool.id, feature)
    if existing is not None:
        return _join(existing, actor=actor, asking=asking, now=now)

    guardian = asking.guardian
    on_behalf_of = guardian if asking.recorded else None
    plan_due, confirm_due = due_dates(asking.received_on, closures_from(asking.received_on))
    optout = OptOut(
        student_id=student.id,
        tool_id=tool.id,
        feature=feature,
        accommodation=accommodation,
        reason=reason.strip(),
        status=OptOutStatus.SUBMITTED,
        filed_by_guardian_id=guardian.id,
        filed_at=now,
        channel=asking.channel,
        received_on=asking.received_on,
        recorded_by_account_id=actor.id if asking.recorded else None,
        plan_due_on=plan_due,
        confirm_due_on=confirm_due,
    )
    try:
        # A concurrent identical filing loses to the unique index, then joins the winner.
        with db.session.begin_nested():
            db.session.add(optout)
            db.session.flush()
    except IntegrityError:
        existing = _find_active(student.id, tool.id, feature)
        if existing is None:
            raise
        return _join(existing, actor=actor, asking=asking, now=now)

    db.session.add(
        OptOutRequester(
            optout_id=optout.id,
            guardian_id=guardian.id,
            joined_at=now,
            channel=asking.channel,
            recorded_by_account_id=optout.recorded_by_account_id,
        )
    )
    for teacher in routed_teachers(student, tool.id, today):
        db.session.add(Task(optout_id=optout.id, teacher_id=teacher.id, created_at=now))
    timeline = optout.reason
    if asking.recorded:
        timeline = " ".join(filter(None, [asking.timeline_note(), optout.reason]))
    events.filed(optout, actor=actor, note=timeline, on_behalf_of=on_behalf_of)
    record(
        actor,
        "optout.file",
        student_id=student.id,
        target=f"optout:{optout.id}",
        on_behalf_of=on_behalf_of,
    )
    receipt = issue_for_optout(
        optout, guardian_id=guardian.id, channel=asking.channel, decided_at=now
    )
    db.session.flush()
    db.session.refresh(optout, ["tasks"])

    _notify_teachers(optout, "optouts/task_assigned")
    notify_principals(optout, "optouts/filed_principal")
    db.session.flush()
    # Last, so the receipt names everyone the request was just routed to.
    notify(
        template="optouts/recorded" if asking.recorded else "optouts/receipt",
        link=_link(optout),
        guardian=guardian,
        optout_id=optout.id,
        optout=optout,
        asking=asking,
        recorded_by=actor,
        receipt=receipt,
        routed=routed_to(optout),
    )
    db.session.flush()
    return Filing(optout=optout, joined=False)


def acknowledge_task(*, actor: Account, task: Task) -> None:
    """A teacher takes the task on; the first acknowledgement starts the work."""
    _require_own_task(actor, task)
    optout = task.optout
    if not awaits_teacher(optout, task):
        raise OptOutError(_l("This request is no longer waiting for teachers."))
    if task.status is not TaskStatus.OPEN:
        raise OptOutError(_l("You have already acknowledged this request."))
    _move_task(task, TaskStatus.ACKNOWLEDGED, actor=actor)
    record(actor, "task.acknowledge", student_id=optout.student_id, target=f"task:{task.id}")
    if optout.status is OptOutStatus.SUBMITTED:
        _move(optout, OptOutStatus.IN_PROGRESS, actor=actor, event=events.acknowledged)
        _notify_guardians(optout, "optouts/work_started")
    else:
        events.acknowledged(optout, actor=actor)
    db.session.flush()


def record_plan(*, actor: Account, task: Task, option: str, note: str = "") -> None:
    """A teacher records how the student will be accommodated; when every routed teacher has,
    the request is planned and waits for the principal."""
    _require_own_task(actor, task)
    optout = task.optout
    _lock_with_tasks(optout)
    if option not in {o.label for o in optout.tool.optout_options}:
        raise OptOutError(_l("Choose one of the accommodations listed."))
    check_fits(optout.tool, optout.feature, option)
    if not awaits_teacher(optout, task):
        raise OptOutError(_l("The plan can only be changed while the request is in progress."))
    if task.status is TaskStatus.CLOSED:
        raise OptOutError(_l("This task is closed."))
    if task.status is TaskStatus.OPEN:
        acknowledge_task(actor=actor, task=task)
    _move_task(
        task,
        TaskStatus.PLANNED,
        actor=actor,
        event=events.plan_recorded,
        plan=(option, note.strip()),
    )
    record(actor, "task.plan", student_id=optout.student_id, target=f"task:{task.id}")
    if optout.status is OptOutStatus.IN_PROGRESS and all(
        t.status is TaskStatus.PLANNED for t in _open_tasks(optout)
    ):
        _move(optout, OptOutStatus.PLANNED, actor=actor, event=events.planned)
        notify_principals(optout, "optouts/ready_to_confirm")
    db.session.flush()


def _lock_with_tasks(optout: OptOut) -> None:
    """Two teachers planning at once take turns (a row lock on PostgreSQL), and each sees the
    other's finished plan, so the last one moves the request to planned."""
    db.session.execute(select(OptOut.id).where(OptOut.id == optout.id).with_for_update())
    db.session.refresh(optout)
    db.session.execute(
        select(Task).where(Task.optout_id == optout.id).execution_options(populate_existing=True)
    ).all()


def awaits_teacher(optout: OptOut, task: Task) -> bool:
    """Teachers work while a request is open, and a teacher newly routed to a confirmed
    opt-out (the student joined their class) records their own plan for it."""
    if optout.status in (OptOutStatus.SUBMITTED, OptOutStatus.IN_PROGRESS):
        return True
    return optout.status is OptOutStatus.CONFIRMED and task.status is not TaskStatus.PLANNED


def _require_own_task(actor: Account, task: Task) -> None:
    if not may_act_on_task(actor, task):
        raise OptOutError(_l("Only the teacher this task was routed to can act on it."))


def _require_school_lead(actor: Account) -> None:
    if not may_decide_requests(actor):
        raise OptOutError(_l("Only a principal or the privacy office can do this."))


def confirm(*, actor: Account, optout: OptOut) -> None:
    """The principal confirms the plan: the request is resolved and in effect."""
    _require_school_lead(actor)
    _move(optout, OptOutStatus.CONFIRMED, actor=actor, event=events.confirmed)
    record(actor, "optout.confirm", student_id=optout.student_id, target=f"optout:{optout.id}")
    _notify_guardians(optout, "optouts/confirmed")
    _notify_teachers(optout, "optouts/confirmed_teacher")
    db.session.flush()


def return_plan(*, actor: Account, optout: OptOut, note: str) -> None:
    """The principal sends the plan back to the teachers with a note saying what to change."""
    _require_school_lead(actor)
    if not note.strip():
        raise OptOutError(_l("Say what the teacher should change."))
    _move(optout, OptOutStatus.IN_PROGRESS, actor=actor, event=events.returned, note=note.strip())
    for task in _open_tasks(optout):
        if task.status is TaskStatus.PLANNED:  # a planned request's open tasks all are
            _move_task(task, TaskStatus.ACKNOWLEDGED, actor=actor)
    record(actor, "optout.return", student_id=optout.student_id, target=f"optout:{optout.id}")
    _notify_teachers(optout, "optouts/returned", note=note.strip())
    db.session.flush()


def close(*, actor: Account, optout: OptOut, reason: str) -> None:
    """The principal closes a request that no longer applies, with the reason."""
    _require_school_lead(actor)
    check_transition(optout.status, OptOutStatus.CLOSED)
    if not reason.strip():
        raise OptOutError(_l("Give the reason for closing this request."))
    _notify_teachers(optout, "optouts/closed_teacher", reason=reason.strip())
    _move(optout, OptOutStatus.CLOSED, actor=actor, event=events.closed, reason=reason.strip())
    for task in _open_tasks(optout):
        _move_task(task, TaskStatus.CLOSED, actor=actor, closed_reason="request closed")
    record(actor, "optout.close", student_id=optout.student_id, target=f"optout:{optout.id}")
    _notify_guardians(optout, "optouts/closed", reason=reason.strip())
    db.session.flush()


# --- bulk: many requests, each through the operation for one --------------------------------


def request_label(optout: OptOut) -> str:
    """How a bulk action's page names a request: its number, the child, the tool (and part)."""
    what = optout.tool.name
    if optout.feature:
        what = f"{what} ({optout.feature_label})"
    return str(
        _l(
            "Request %(id)s, %(name)s, %(what)s",
            id=optout.id,
            name=optout.student.full_name,
            what=what,
        )
    )


def confirm_many(*, actor: Account, optouts, seen: dict[int, int] | None = None) -> list[OptOut]:
    """The principal confirms several planned requests at once. Each goes through `confirm`,
    with its own timeline line, audit row and notifications; if one is refused, nothing is
    saved. `seen`: each request's version as the review step showed it; a request that changed
    since is refused rather than confirmed unseen."""
    seen = seen or {}

    def one(optout: OptOut) -> OptOut:
        if optout.id in seen and seen[optout.id] != optout.version:
            raise OptOutError(_l("This request changed after you reviewed it. Review it again."))
        confirm(actor=actor, optout=optout)
        return optout

    return each(
        optouts,
        one,
        label=request_label,
        key=lambda optout: optout.id,
        empty=_l("Choose at least one request to confirm."),
    )


def active_requests_of_tool(tool_id: int) -> list[OptOut]:
    """Every request of the tool not yet ended (open, or confirmed and in effect), oldest first."""
    return list(
        db.session.scalars(
            select(OptOut)
            .where(OptOut.tool_id == tool_id, OptOut.status.in_(ACTIVE_STATUSES))
            .order_by(OptOut.id)
        ).unique()
    )


def close_requests_of_retired_tool(
    *, actor: Account, tool: Tool, reason: str, expected: int | None = None
) -> list[OptOut]:
    """The privacy office retired a tool: every request of it not yet ended is closed with one
    reason, each through `close` (its own timeline line, audit row and notifications to the
    family and teachers). If one is refused, nothing is saved. `expected`: how many the review
    step counted; if that changed, nothing is closed and the office reviews again."""
    if not may_close_requests_of_retired_tool(actor):
        raise OptOutError(_l("Only the privacy office can close every request of a tool."))
    if tool.vetting_status is not VettingStatus.RETIRED:
        raise OptOutError(
            _l(
                "%(tool)s is not retired, so its requests stay open. Close them one at a time "
                "if they no longer apply.",
                tool=tool.name,
            )
        )
    reason = (reason or "").strip()
    if not reason:
        raise OptOutError(_l("Give the reason for closing these requests."))
    optouts = active_requests_of_tool(tool.id)
    if expected is not None and len(optouts) != expected:
        raise OptOutError(
            _l(
                "You reviewed %(seen)s requests, but %(now)s are open now. Nothing was closed. "
                "Review them again.",
                seen=expected,
                now=len(optouts),
            )
        )

    def one(optout: OptOut) -> OptOut:
        close(actor=actor, optout=optout, reason=reason)
        return optout

    return each(
        optouts,
        one,
        label=request_label,
        key=lambda optout: optout.id,
        empty=_l("%(tool)s has no open requests to close.", tool=tool.name),
    )


def withdraw(
    *,
    actor: Account,
    optout: OptOut,
    on_behalf_of: Guardian | None = None,
    along=(),
    note: str = "",
) -> bool:
    """A guardian withdraws (or staff record a guardian's withdrawal, `on_behalf_of`). If
    another guardian also asked for it, the request stands (the more protective choice) and
    both are told; returns True when the request ended.
    `along`: ids of guardians withdrawing together with the guardian (all gave consent on a
    form), so they do not count as disagreeing; `note` says why, on the timeline."""
    if on_behalf_of is None:
        if not files_for_self(actor):
            raise OptOutError(_l("Only a parent or guardian can withdraw a request."))
        guardian = actor.guardian
    elif may_record_for(actor, optout.student_id):
        guardian = on_behalf_of
    else:
        raise OptOutError(_l("Only a parent or guardian can withdraw a request."))
    if optout.status not in ACTIVE_STATUSES:
        raise OptOutError(_l("This request has already ended."))
    leaving = {guardian.id, *along}
    others = [g for g in requesting_guardians(optout) if g.id not in leaving]
    record(
        actor,
        "optout.withdraw",
        student_id=optout.student_id,
        target=f"optout:{optout.id}",
        on_behalf_of=on_behalf_of,
    )
    if others:
        _notify_guardians(optout, "optouts/disagreement", withdrawn_by=guardian)
        db.session.execute(
            OptOutRequester.__table__.delete().where(
                OptOutRequester.optout_id == optout.id,
                OptOutRequester.guardian_id.in_(leaving),
            )
        )
        events.withdrawal_declined(
            optout,
            actor=actor,
            note=" ".join(filter(None, [note, "Another guardian asked for it."])),
            on_behalf_of=on_behalf_of,
        )
        db.session.flush()
        return False
    _notify_teachers(optout, "optouts/withdrawn_teacher")
    _move(
        optout,
        OptOutStatus.WITHDRAWN,
        actor=actor,
        event=events.withdrawn,
        note=note,
        on_behalf_of=on_behalf_of,
    )
    for task in _open_tasks(optout):
        _move_task(task, TaskStatus.CLOSED, actor=actor, closed_reason="request withdrawn")
    _notify_guardians(optout, "optouts/withdrawn")
    db.session.flush()
    return True


# --- the school year ended: confirmed opt-outs carry over or end ----------------------------


def carry_into_school_year(*, actor: Account | None, optout: OptOut, note: str) -> None:
    """The rollover keeps a confirmed opt-out in effect in the new year: a line on its
    timeline and an audit row; nothing else changes (teachers keep it on their lists). The
    family is told by the rollover's one message per guardian, not here."""
    if optout.status is not OptOutStatus.CONFIRMED:
        raise OptOutError(_l("Only a confirmed opt-out carries into the new school year."))
    events.carried_over(optout, actor=actor, note=note)
    record(
        actor,
        "optout.year_carry",
        student_id=optout.student_id,
        target=f"optout:{optout.id}",
        as_service=actor is None,
    )


def end_with_school_year(*, actor: Account | None, optout: OptOut, reason: str) -> None:
    """The rollover ends a confirmed opt-out with its school year, as the district's setting
    says: closed with the reason on its timeline, its teachers' tasks closed, an audit row.
    The family is told by the rollover's one message per guardian, not here."""
    if optout.status is not OptOutStatus.CONFIRMED:
        raise OptOutError(_l("Only a confirmed opt-out ends with the school year."))
    _move(optout, OptOutStatus.CLOSED, actor=actor, event=events.year_ended, note=reason)
    for task in _open_tasks(optout):
        _move_task(task, TaskStatus.CLOSED, actor=actor, closed_reason="school year ended")
    record(
        actor,
        "optout.year_end",
        student_id=optout.student_id,
        target=f"optout:{optout.id}",
        as_service=actor is None,
    )


# --- the calendar changed: due dates move ---------------------------------------------------


def move_due_dates(*, actor: Account, days) -> int:
    """The district calendar changed on `days`: every open request whose deadlines include one
    of them gets the due dates filing would give it now (`due_dates` from the day it was
    filed), with a line on its timeline. A deadline that has already passed stays as it is:
    its reminders and escalation have happened, and moving it would start them again. One
    read, then batched writes, whatever the number of requests; escalation and the overdue
    lists read the moved dates. Returns how many moved."""
    days = sorted(set(days))
    if not days:
        return 0
    today = clock.today()
    rows = db.session.execute(
        select(
            OptOut.id,
            OptOut.filed_at,
            OptOut.received_on,
            OptOut.plan_due_on,
            OptOut.confirm_due_on,
        ).where(
            OptOut.status.in_(OPEN_STATUSES),
            OptOut.confirm_due_on >= max(days[0], today),
            OptOut.filed_at < clock.day_start(days[-1]),  # filed before the last day changed
        )
    ).all()
    covering = []
    for row in rows:
        filed = row.received_on or clock.today(row.filed_at)  # due dates count from it
        after = bisect_right(days, filed)  # the first changed day after the filing day
        if after < len(days) and days[after] <= row.confirm_due_on:
            covering.append((row, filed))
    if not covering:
        return 0
    first = min(filed for _, filed in covering)
    last = max(filed for _, filed in covering)
    # The same window filing loads (`closures_from(filed day)`), for every request at once.
    closures = closures_from(first, (last - first).days + 120)
    moves, lines, now = [], [], clock.now()
    for row, filed in covering:
        plan, confirm = due_dates(filed, closures)
        if row.plan_due_on < today:
            plan = row.plan_due_on
        if (plan, confirm) == (row.plan_due_on, row.confirm_due_on):
            continue
        moves.append({"b_id": row.id, "b_plan": plan, "b_confirm": confirm})
        note = _l(
            "Plan due %(plan)s (was %(old_plan)s); confirmation due %(confirm)s (was "
            "%(old_confirm)s).",
            plan=format_date(plan, "medium"),
            old_plan=format_date(row.plan_due_on, "medium"),
            confirm=format_date(confirm, "medium"),
            old_confirm=format_date(row.confirm_due_on, "medium"),
        )
        lines.append(events.due_moved_row(row.id, actor=actor, note=str(note), at=now))
    table = OptOut.__table__
    moving = (
        table.update()
        .where(table.c.id == bindparam("b_id"))
        .values(plan_due_on=bindparam("b_plan"), confirm_due_on=bindparam("b_confirm"))
    )
    for batch in chunks(moves, 1000):
        db.session.execute(moving, batch)
    for batch in chunks(lines, 1000):
        db.session.execute(insert(Event), batch)
    moved = {m["b_id"] for m in moves}
    for obj in list(db.session.identity_map.values()):  # requests already loaded see the move
        if isinstance(obj, OptOut) and obj.id in moved:
            db.session.expire(obj, ["plan_due_on", "confirm_due_on", "events"])
    db.session.flush()
    return len(moves)


# --- the roster changed: opt-outs follow the child ------------------------------------------


@dataclass
class FollowReport:
    tasks_added: int = 0
    tasks_closed: int = 0
    requests_closed: int = 0
    school_moves: int = 0

    @property
    def rerouted(self) -> int:
        return self.tasks_added + self.tasks_closed + self.school_moves


def _active(tool_id: int | None):
    """Active opt-outs; of one tool only when a use of that tool changed."""
    active = OptOut.status.in_(ACTIVE_STATUSES)
    return active if tool_id is None else and_(active, OptOut.tool_id == tool_id)


def _expected_routes(today: date, tool_id: int | None = None) -> set[tuple[int, int]]:
    """(opt-out id, teacher id) for every active opt-out, from the roster as it is now (the
    teachers `consent.catalog.reach` says act on the tool for the student). One set-based
    query, whatever the district's size."""
    # Only the tools the requests name: a child's other tools would multiply the rows.
    asked = select(OptOut.student_id, OptOut.tool_id).where(_active(tool_id))
    routes = teachers_reached(today, tool_id=tool_id, pairs=asked).subquery("routes")
    query = (
        select(OptOut.id, routes.c.staff_id)
        .join(
            routes,
            and_(routes.c.student_id == OptOut.student_id, routes.c.tool_id == OptOut.tool_id),
        )
        .where(_active(tool_id))
    )
    return {(optout_id, staff_id) for optout_id, staff_id in db.session.execute(query)}


def _active_optouts_of(student_ids) -> list[OptOut]:
    found: list[OptOut] = []
    for chunk in chunks(student_ids):
        found.extend(
            db.session.scalars(
                select(OptOut).where(
                    OptOut.student_id.in_(chunk), OptOut.status.in_(ACTIVE_STATUSES)
                )
            ).unique()
        )
    return found


ROUTING_LOCK = 0x726F757465  # the advisory lock key of routing ("route")


def _take_routing_turn() -> None:
    """Routing reads which teachers should have a task, then writes the difference: two at
    once (an import, a tool-use declaration, the daily run) would both add the same task and
    one would fail. On PostgreSQL they take turns on one advisory lock, held until commit;
    SQLite's writers already take turns (BEGIN IMMEDIATE)."""
    if db.session.connection().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(ROUTING_LOCK)))


def follow_roster(
    *,
    today: date,
    departed_student_ids=(),
    moved_student_ids=(),
    tool_id: int | None = None,
    use_place: str = "",
) -> FollowReport:
    """After a roster change, in the same transaction: route every active opt-out to teachers
    who now teach the student, close the tasks of teachers who no longer do, tell a new
    school's principals, and close the requests of students who left the district.

    With `tool_id`, a use of that tool was declared or ended (at `use_place`): only that tool's
    opt-outs are routed, and their timelines say the tool's use changed, not the roster."""
    _take_routing_turn()
    report = FollowReport()
    if tool_id:
        added, left = events.use_started, events.use_ended
    else:
        added, left = events.teacher_added, events.teacher_left

    reason_left = _l("The student left the district.")
    for optout in _active_optouts_of(departed_student_ids):
        _notify_teachers(optout, "optouts/closed_teacher", reason=str(reason_left))
        _move(optout, OptOutStatus.CLOSED, actor=None, event=events.closed, reason=str(reason_left))
        for task in _open_tasks(optout):
            _move_task(
                task, TaskStatus.CLOSED, actor=None, closed_reason="student left the district"
            )
        # Lazy, so each guardian's email says it in their language.
        _notify_guardians(optout, "optouts/closed", reason=reason_left)
        report.requests_closed += 1
    db.session.flush()

    expected = _expected_routes(today, tool_id)
    open_tasks = {
        (task.optout_id, task.teacher_id): task
        for task in db.session.scalars(
            select(Task)
            .join(OptOut, OptOut.id == Task.optout_id)
            .where(_active(tool_id), Task.status != TaskStatus.CLOSED)
        )
    }
    all_tasks = {
        (optout_id, teacher_id): task_id
        for task_id, optout_id, teacher_id in db.session.execute(
            select(Task.id, Task.optout_id, Task.teacher_id)
            .join(OptOut, OptOut.id == Task.optout_id)
            .where(_active(tool_id))
        )
    }
    touched: dict[int, OptOut] = {}
    for pair, task in open_tasks.items():
        if pair in expected:
            continue
        _move_task(
            task,
            TaskStatus.CLOSED,
            actor=None,
            event=left,
            closed_reason="tool use ended" if tool_id else "student left the section",
            place=use_place,
        )
        touched[task.optout_id] = task.optout
        report.tasks_closed += 1
    for optout_id, teacher_id in sorted(expected - set(open_tasks)):
        task_id = all_tasks.get((optout_id, teacher_id))
        if task_id is not None:  # a teacher who had the student before and has them again
            task = db.session.get(Task, task_id)
            _move_task(task, TaskStatus.OPEN, actor=None, event=added, place=use_place)
        else:
            task = Task(optout_id=optout_id, teacher_id=teacher_id, created_at=clock.now())
            db.session.add(task)
            db.session.flush()
            added(task, place=use_place)
        optout = db.session.get(OptOut, optout_id)
        touched[optout.id] = optout
        notify(
            template="optouts/task_assigned",
            link=f"/tasks/{task.id}",
            staff=task.teacher,
            optout_id=optout.id,
            optout=optout,
            task=task,
        )
        report.tasks_added += 1
    db.session.flush()
    for optout in touched.values():
        db.session.refresh(optout, ["tasks"])
        _settle_after_rerouting(optout)

    for optout in _active_optouts_of(moved_student_ids):
        events.school_changed(optout)
        notify_principals(optout, "optouts/filed_principal")
        report.school_moves += 1
    db.session.flush()
    return report


def _settle_after_rerouting(optout: OptOut) -> None:
    """A new teacher on a planned request must plan too; a request whose remaining teachers
    have all planned is ready for the principal."""
    tasks = _open_tasks(optout)
    all_planned = bool(tasks) and all(t.status is TaskStatus.PLANNED for t in tasks)
    if optout.status is OptOutStatus.PLANNED and tasks and not all_planned:
        _move(optout, OptOutStatus.IN_PROGRESS, actor=None, event=events.rerouted)
    elif optout.status is OptOutStatus.IN_PROGRESS and all_planned:
        _move(optout, OptOutStatus.PLANNED, actor=None, event=events.planned)
        notify_principals(optout, "optouts/ready_to_confirm")
