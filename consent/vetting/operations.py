"""Vetting requests and tool-use declarations. Each operation checks its rule, changes rows,
writes the audit row and the notifications in the caller's transaction, and flushes; the
caller commits once. A refusal raises VettingError and changes nothing."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select
from sqlalchemy.exc import IntegrityError

from consent.access import (
    may_ask_for_vetting,
    may_change_use,
    may_decide_vetting,
    may_declare_for_section,
    may_declare_wide_use,
)
from consent.accounts.models import Account
from consent.audit.operations import record
from consent.catalog.models import (
    AgreementStatus,
    LegalBasis,
    Tool,
    ToolUse,
    UseScope,
    VettingStatus,
)
from consent.catalog.operations import (
    CatalogError,
    ToolData,
    agreement_in_force,
    create_tool,
    data_of,
    update_tool,
)
from consent.catalog.rules import clean_web_address
from consent.consentforms.models import ConsentForm, ConsentFormSchool, FormKind, FormStatus
from consent.core import clock
from consent.extensions import db
from consent.guidelines.operations import settle_uses
from consent.notifications.operations import notify
from consent.optouts.operations import FollowReport, follow_roster
from consent.roster.models import School, Section
from consent.vetting.models import (
    DECISIONS,
    OPEN_STATUSES,
    USABLE_STATUSES,
    RequestKind,
    RequestStatus,
    RereviewReason,
    VettingRequest,
)
from consent.vetting.review import check_ready_for_decision, review_due
from consent.vetting.rules import VettingError, move

# --- rules -----------------------------------------------------------------------------------


def check_dates(starts_on: date, ends_on: date | None) -> None:
    if ends_on is not None and ends_on < starts_on:
        raise VettingError(_l("The end date is before the start date."))


# --- vetting requests ------------------------------------------------------------------------


def _tool_named(name: str) -> Tool | None:
    return db.session.scalar(select(Tool).where(func.lower(Tool.name) == name.lower()).limit(1))


def submit_request(
    *,
    actor: Account | None,
    name: str,
    website: str,
    purpose: str,
    grades: str,
    student_use: str,
    student_data: str,
    vendor: str = "",
    privacy_policy_url: str = "",
    tool: Tool | None = None,
    reason: RereviewReason | None = None,
    now: datetime | None = None,
) -> VettingRequest:
    """Any staff member asks the privacy office to vet a tool. With `tool` (and `reason`), an
    approved tool returns to the committee: a re-review, opened by the office or, without an
    actor, by the schedule (consent.vetting.rereview); the tool stays in use meanwhile."""
    if tool is None and (actor is None or not may_ask_for_vetting(actor)):
        raise VettingError(_l("Only district staff can ask for a tool to be vetted."))
    name = name.strip()
    fields = {
        "name": name,
        "purpose": purpose.strip(),
        "grades": grades.strip(),
        "student_use": student_use.strip(),
        "student_data": student_data.strip(),
    }
    if not all(fields.values()):
        raise VettingError(_l("Fill in every required question."))
    if tool is None:  # a re-review copies the addresses the catalog already holds
        website = clean_web_address(website)
        privacy_policy_url = (
            clean_web_address(privacy_policy_url) if privacy_policy_url.strip() else ""
        )
    existing = _tool_named(name)
    if existing is not None and tool is None:
        raise VettingError(
            _l(
                "%(tool)s is already in the catalog. Ask the privacy office if it should be "
                "looked at again.",
                tool=existing.name,
            )
        )
    waiting = db.session.scalar(
        select(VettingRequest.id).where(
            func.lower(VettingRequest.name) == name.lower()
            if tool is None
            else VettingRequest.tool_id == tool.id,
            VettingRequest.status.in_(OPEN_STATUSES),
        )
    )
    if waiting is not None:
        raise VettingError(
            _l("%(tool)s has already been sent for vetting and is being reviewed.", tool=name)
        )
    request = VettingRequest(
        **fields,
        vendor=vendor.strip(),
        website=website,
        privacy_policy_url=privacy_policy_url,
        status=RequestStatus.SUBMITTED,
        requested_by_account_id=actor.id if actor is not None else None,
        submitted_at=now or clock.now(),
        review_due_on=review_due(clock.today(now)),
        kind=RequestKind.NEW if tool is None else RequestKind.RE_REVIEW,
        rereview_reason=reason if tool is not None else None,
        tool_id=tool.id if tool is not None else None,
    )
    db.session.add(request)
    db.session.flush()
    record(
        actor,
        "vetting.submit" if tool is None else "vetting.rereview",
        target=f"vetting_request:{request.id}",
        as_service=actor is None,
    )
    db.session.flush()
    return request


TOOL_STATUS = {
    RequestStatus.APPROVED: VettingStatus.APPROVED,
    RequestStatus.APPROVED_WITH_CONDITIONS: VettingStatus.APPROVED_WITH_CONDITIONS,
}


def decide(
    *,
    actor: Account,
    request: VettingRequest,
    decision: RequestStatus,
    note: str = "",
    legal_basis: LegalBasis | None = None,
    now: datetime | None = None,
) -> Tool | None:
    """The privacy office decides once, after the reviewers (consent.vetting.review) have all
    recorded their findings; an approval adds the tool to the catalog, and the requester is
    told either way. Returns the new catalog entry for an approval. (Asking the requester for
    more information is review.ask_for_information.)"""
    if not may_decide_vetting(actor):
        raise VettingError(_l("Only the privacy office can decide on a vetting request."))
    # Two reviewers deciding at once take turns (a row lock on PostgreSQL); the second is refused.
    db.session.execute(
        select(VettingRequest.id).where(VettingRequest.id == request.id).with_for_update()
    )
    db.session.refresh(request)
    if request.decided:
        raise VettingError(_l("This request has already been decided."))
    if decision not in DECISIONS:
        raise VettingError(_l("Choose a decision."))
    check_ready_for_decision(request)
    note = note.strip()
    if decision is not RequestStatus.APPROVED and not note:
        raise VettingError(
            _l("Write the conditions for the requester.")
            if decision is RequestStatus.APPROVED_WITH_CONDITIONS
            else _l("Tell the requester why the tool is not approved.")
        )
    now = now or clock.now()
    tool = None
    if request.tool_id is not None:
        # A re-review, or a pending tool a class already uses under the guidelines: the decision
        # settles the entry that exists.
        tool = _settle_tool(
            actor=actor, request=request, decision=decision, legal_basis=legal_basis, now=now
        )
    elif decision in TOOL_STATUS:
        if legal_basis is None:
            raise VettingError(_l("Choose the legal basis on which the tool receives data."))
        if _tool_named(request.name) is not None:
            raise VettingError(
                _l("A tool named %(tool)s is already in the catalog.", tool=request.name)
            )
        data = ToolData(
            name=request.name,
            vendor=request.vendor,
            purpose=request.purpose,
            website=request.website,
            privacy_policy_url=request.privacy_policy_url,
            grade_band=request.grades,
            legal_basis=legal_basis,
            vetting_status=TOOL_STATUS[decision],
            agreement_status=AgreementStatus.NONE,
            agreement_signed_on=None,
            agreement_expires_on=None,
        )
        # Through the catalog's own creation path, so the entry's history starts with this
        # approval; what the tool collects is filled in by the office afterwards.
        try:
            with db.session.begin_nested():
                tool = create_tool(
                    actor=actor,
                    data=data,
                    today=clock.today(now),
                    vetting_request_id=request.id,
                )
        except IntegrityError as error:  # the same name added at the same moment
            raise VettingError(
                _l("A tool named %(tool)s is already in the catalog.", tool=request.name)
            ) from error
        except CatalogError as error:
            raise VettingError(str(error)) from error
        request.tool_id = tool.id
    if tool is not None and decision in TOOL_STATUS:  # the committee looks again in a year
        tool.next_review_on = clock.today(now) + timedelta(
            days=current_app.config["REVIEW_INTERVAL_DAYS"]
        )
    move(request, decision, actor=actor, now=now)
    request.decision_note = note
    record(actor, "vetting.decide", target=f"vetting_request:{request.id}")
    settle_uses(actor=actor, request=request, approved=decision in TOOL_STATUS, now=now)
    requester = request.requested_by.staff if request.requested_by is not None else None
    if requester is not None:
        notify(
            template="vetting/decided",
            link=f"/vetting/{request.id}",
            staff=requester,
            vetting_request=request,
            tool=tool,
        )
    db.session.flush()
    return tool


def _settle_tool(
    *,
    actor: Account,
    request: VettingRequest,
    decision: RequestStatus,
    legal_basis: LegalBasis | None,
    now: datetime,
) -> Tool | None:
    """The decision on a request whose tool is in the catalog already: approved, the entry takes
    the status and legal basis (and is reviewed today); not approved, it leaves the approved
    tools (families whose children use it are told, as for any such change). Through the
    catalog's edit path, so the entry's history names the request. Returns the tool when
    approved."""
    tool = db.session.get(Tool, request.tool_id)
    data = data_of(tool)
    if decision in TOOL_STATUS:
        if legal_basis is None:
            raise VettingError(_l("Choose the legal basis on which the tool receives data."))
        data.vetting_status, data.legal_basis = TOOL_STATUS[decision], legal_basis
    else:
        data.vetting_status = VettingStatus.NOT_APPROVED
    try:
        update_tool(
            actor=actor, tool=tool, data=data, today=clock.today(now), vetting_request_id=request.id
        )
    except CatalogError as error:
        raise VettingError(str(error)) from error
    return tool if decision in TOOL_STATUS else None


# --- tool-use declarations -------------------------------------------------------------------


@dataclass
class UseChange:
    use: ToolUse | None
    follow: FollowReport


def _overlapping(tool_id: int, scope: UseScope, target_id: int | None, starts_on, ends_on):
    query = select(ToolUse).where(
        ToolUse.tool_id == tool_id,
        ToolUse.scope == scope,
        or_(ToolUse.ends_on.is_(None), ToolUse.ends_on >= starts_on),
    )
    if ends_on is not None:
        query = query.where(ToolUse.starts_on <= ends_on)
    if scope is UseScope.SECTION:
        query = query.where(ToolUse.section_id == target_id)
    elif scope is UseScope.SCHOOL:
        query = query.where(ToolUse.school_id == target_id)
    return db.session.scalar(query.order_by(ToolUse.starts_on).limit(1))


def reroute(today: date, *, tool_id: int | None = None, place: str = "") -> FollowReport:
    """Route active opt-outs to match where tools are used now, exactly as when the roster
    changes: a task for each teacher who now needs one, closed for those who no longer do.
    After a use of one tool was declared or ended (at `place`), only that tool's opt-outs, and
    their timelines say the tool's use changed; for the daily run, every tool's."""
    return follow_roster(today=today, tool_id=tool_id, use_place=place)


def _place(use: ToolUse) -> str:
    """Where a use is, by its name (a name reads the same in every language)."""
    if use.section_id is not None:
        return db.session.get(Section, use.section_id).title
    if use.school_id is not None:
        return db.session.get(School, use.school_id).name
    return current_app.config["DISTRICT_NAME"]


def _lock_tool(tool_id: int) -> VettingStatus:
    """Changes to one tool's uses take turns: the tool's row stays locked until commit (SELECT
    ... FOR UPDATE on PostgreSQL; a SQLite request already holds the write lock), so the next
    one sees this one's rows. Returns the tool's vetting status as it stands now."""
    return db.session.scalar(
        select(Tool.vetting_status).where(Tool.id == tool_id).with_for_update()
    )


def declare_use(
    *,
    actor: Account,
    tool: Tool,
    starts_on: date,
    ends_on: date | None = None,
    section: Section | None = None,
    school: School | None = None,
    today: date | None = None,
) -> UseChange:
    """Put an approved tool in use in one class (its teacher), or at a school or across the
    district (the privacy office); active opt-outs for it are routed at once."""
    today = today or clock.today()
    if section is not None:
        scope = UseScope.SECTION
        if not may_declare_for_section(actor, section):
            raise VettingError(_l("Only the class's own teachers can say which tools it uses."))
    else:
        scope = UseScope.SCHOOL if school is not None else UseScope.DISTRICT
        if not may_declare_wide_use(actor):
            raise VettingError(
                _l("Only the privacy office can put a tool in use at a school or district-wide.")
            )
    # Two declarations at the same moment: the second waits here, then sees the first's use.
    if _lock_tool(tool.id) not in USABLE_STATUSES:
        raise VettingError(
            _l(
                "%(tool)s is not approved for use with students, so it cannot be put in use.",
                tool=tool.name,
            )
        )
    if scope is not UseScope.SECTION and not agreement_in_force(
        tool.agreement_status, tool.agreement_expires_on, today
    ):
        # Only one class may try a tool on the teacher's word (the General Use Guidelines);
        # a whole school or the district needs the vendor's signed data agreement.
        raise VettingError(
            _l(
                "%(tool)s has no signed data agreement in force, so it cannot be put in use "
                "at a school or across the district.",
                tool=tool.name,
            )
        )
    if not tool.data_categories:
        # Families are told what a tool in use collects; an entry that does not say yet
        # (fresh from an approval) is completed by the office first.
        raise VettingError(
            _l(
                "%(tool)s cannot be put in use until the privacy office records what it collects.",
                tool=tool.name,
            )
        )
    place_school_id = section.school_id if section is not None else (school.id if school else None)
    if tool.legal_basis is LegalBasis.PARENT_CONSENT and not _consent_form_covers(
        tool.id, place_school_id
    ):
        # Families must be asked first: without a per-tool consent form nobody could answer.
        raise VettingError(
            _l(
                "%(tool)s needs each parent's consent: the privacy office must publish a consent "
                "form for %(tool)s covering this place before it can be put in use.",
                tool=tool.name,
            )
        )
    check_dates(starts_on, ends_on)
    if ends_on is not None and ends_on < today:
        raise VettingError(_l("The end date has already passed."))
    target_id = section.id if section is not None else (school.id if school is not None else None)
    clash = _overlapping(tool.id, scope, target_id, starts_on, ends_on)
    if clash is not None:
        raise VettingError(
            _l(
                "%(tool)s is already in use there from %(day)s.",
                tool=tool.name,
                day=clash.starts_on.isoformat(),
            )
        )
    use = ToolUse(
        tool_id=tool.id,
        scope=scope,
        section_id=section.id if section is not None else None,
        school_id=school.id if school is not None else None,
        starts_on=starts_on,
        ends_on=ends_on,
        declared_by_account_id=actor.id,
        created_at=clock.now(),
    )
    db.session.add(use)
    db.session.flush()
    record(actor, "tool_use.declare", target=f"tool_use:{use.id}")
    follow = reroute(today, tool_id=tool.id, place=_place(use))
    db.session.flush()
    return UseChange(use=use, follow=follow)


def end_use(
    *, actor: Account, use: ToolUse, stop_from: date, today: date | None = None
) -> UseChange:
    """Stop using a tool from a day on (the use's last day is the day before); a use stopped
    before its first day never happened and is removed. Active opt-outs follow at once."""
    today = today or clock.today()
    if not may_change_use(actor, use):
        raise VettingError(_l("Only the class's own teachers can change which tools it uses."))
    _lock_tool(use.tool_id)
    if db.session.get(ToolUse, use.id, populate_existing=True) is None:  # removed meanwhile
        raise VettingError(_l("This use has already ended."))
    if use.ends_on is not None and use.ends_on < today:
        raise VettingError(_l("This use has already ended."))
    if stop_from < today:
        raise VettingError(_l("Choose today or a later day."))
    target = f"tool_use:{use.id}"
    tool_id, place = use.tool_id, _place(use)  # the use itself may be removed below
    if stop_from <= use.starts_on:
        db.session.delete(use)
        remaining = None
    else:
        use.ends_on = stop_from - timedelta(days=1)
        remaining = use
    record(actor, "tool_use.end", target=target)
    db.session.flush()
    follow = reroute(today, tool_id=tool_id, place=place)
    db.session.flush()
    return UseChange(use=remaining, follow=follow)


def _consent_form_covers(tool_id: int, school_id: int | None) -> bool:
    """A published consent form for the tool reaches the place: a district-wide form, or (for a
    class or a school) one that names the school."""
    place = ~exists().where(ConsentFormSchool.form_id == ConsentForm.id)
    if school_id is not None:
        place = or_(
            place,
            exists().where(
                ConsentFormSchool.form_id == ConsentForm.id,
                ConsentFormSchool.school_id == school_id,
            ),
        )
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    ConsentForm.tool_id == tool_id,
                    ConsentForm.kind == FormKind.TOOL_CONSENT,
                    ConsentForm.status == FormStatus.PUBLISHED,
                    place,
                )
            )
        )
    )
