"""Who may do what with the tool catalog, tool uses and vetting requests, and who reaches the
privacy office's own pages (the district calendar, the audit log, the email outbox, roster
imports, the school-year rollover, the annual notice).

The predicates are plain functions of the person (and the record), so a test calls them without
a request; views use them to gate and to decide which buttons to show, operations to refuse. The
loaders answer a forbidden record exactly like a missing one (404) and audit the refusal.
"""

from collections.abc import Callable

from sqlalchemy import Select, exists, or_, select
from sqlalchemy.orm import joinedload, lazyload

from consent.access.committee import assigned_condition, is_reviewer, may_review
from consent.access.policy import deny
from consent.accounts.models import Account, Role
from consent.catalog.models import Tool, ToolUse, UseScope
from consent.extensions import db
from consent.roster.models import RosterImport, Section, section_teacher
from consent.schoolcalendar.models import Closure
from consent.vetting.models import VettingRequest

# --- who: plain predicates -------------------------------------------------------------------


def _is_privacy_office(actor: Account) -> bool:
    return actor.role is Role.PRIVACY_OFFICER


def may_edit_catalog(actor: Account) -> bool:
    """The privacy office keeps the catalog: adds tools, edits them, reads their history."""
    return _is_privacy_office(actor)


def may_translate_texts(actor: Account) -> bool:
    """The privacy office enters the district's texts in the other languages it offers."""
    return _is_privacy_office(actor)


def may_ask_for_vetting(actor: Account) -> bool:
    """Any district staff member may ask for a tool to be vetted; families may not."""
    return actor.is_staff


def may_decide_vetting(actor: Account) -> bool:
    """The privacy office reviews the queue and decides each request."""
    return _is_privacy_office(actor)


def may_follow_vetting_request(actor: Account, request: VettingRequest) -> bool:
    """The requester follows their own request; the privacy office every one; a reviewer
    those assigned to them (consent.access.committee)."""
    return (
        _is_privacy_office(actor)
        or request.requested_by_account_id == actor.id
        or may_review(actor, request)
    )


def may_declare_for_section(actor: Account, section: Section) -> bool:
    """A class's own teachers say which tools it uses; the privacy office may for any class."""
    if _is_privacy_office(actor):
        return True
    return actor.role is Role.TEACHER and any(t.id == actor.staff_id for t in section.teachers)


def may_declare_wide_use(actor: Account) -> bool:
    """Only the privacy office puts a tool in use at a school or across the district (a pending
    tool may be tried in one class, never wider)."""
    return _is_privacy_office(actor)


def may_change_use(actor: Account, use: ToolUse) -> bool:
    """A class's own teachers end its uses; the privacy office ends any use."""
    if _is_privacy_office(actor):
        return True
    if use.scope is not UseScope.SECTION or actor.role is not Role.TEACHER:
        return False
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    section_teacher.c.section_id == use.section_id,
                    section_teacher.c.staff_id == actor.staff_id,
                )
            )
        )
    )


def may_close_requests_of_retired_tool(actor: Account) -> bool:
    """The privacy office retires tools, and closes every request still open for one."""
    return _is_privacy_office(actor)


def may_keep_calendar(actor: Account) -> bool:
    """The privacy office adds and removes the district's closures."""
    return _is_privacy_office(actor)


def may_roll_over(actor: Account) -> bool:
    """The privacy office sets the year-end rule and rolls the school year over."""
    return _is_privacy_office(actor)


def may_read_audit_log(actor: Account) -> bool:
    """Only the privacy office reads (and exports) the audit log."""
    return _is_privacy_office(actor)


def may_watch_outbox(actor: Account) -> bool:
    """The privacy office watches whether email is getting out."""
    return _is_privacy_office(actor)


def may_verify_receipts(actor: Account) -> bool:
    """The privacy office checks a receipt's verification code (it shows any family's decision)."""
    return _is_privacy_office(actor)


def may_keep_notice(actor: Account) -> bool:
    """The privacy office writes the annual notice (34 CFR 99.7), sends it each school year and
    follows who it did not reach; families only read it."""
    return _is_privacy_office(actor)


def may_import_roster(actor: Account) -> bool:
    """The privacy office uploads the SIS export and follows each import."""
    return _is_privacy_office(actor)


# --- gates and loaders -----------------------------------------------------------------------


def allowed_or_404(actor: Account, may: Callable[[Account], bool], *, target: str) -> None:
    """A page the person may not use answers like a missing one, and the refusal is audited."""
    if not may(actor):
        deny(actor, target)


def tool_or_404(actor: Account, tool_id: int) -> Tool:
    """A catalog entry: it holds no student data, so every signed-in person may read it."""
    tool = db.session.get(Tool, tool_id)
    if tool is None:
        deny(actor, f"tool:{tool_id}")
    return tool


# A tool beside a request or a use shows its name and status, not what it collects.
_TOOL_ALONE = (
    lazyload(Tool.data_categories),
    lazyload(Tool.features),
    lazyload(Tool.optout_options),
)


def visible_vetting_requests(actor: Account) -> Select:
    """Every request for the privacy office; their own for anyone else, and for a reviewer
    those assigned to them too."""
    query = select(VettingRequest)
    if _is_privacy_office(actor):
        return query
    own = VettingRequest.requested_by_account_id == actor.id
    if is_reviewer(actor):
        return query.where(or_(own, assigned_condition(actor)))
    return query.where(own)


def vetting_request_or_404(actor: Account, request_id: int) -> VettingRequest:
    request = db.session.scalar(
        visible_vetting_requests(actor)
        .where(VettingRequest.id == request_id)
        .options(
            joinedload(VettingRequest.requested_by),
            joinedload(VettingRequest.tool).options(*_TOOL_ALONE),
        )
    )
    if request is None:
        deny(actor, f"vetting_request:{request_id}")
    return request


def tool_use_or_404(actor: Account, use_id: int) -> ToolUse:
    """A use the person may change (end): a class's own teachers, or the privacy office."""
    use = db.session.scalar(
        select(ToolUse)
        .where(ToolUse.id == use_id)
        .options(
            joinedload(ToolUse.tool).options(*_TOOL_ALONE),
            joinedload(ToolUse.school),
            joinedload(ToolUse.section).options(lazyload(Section.teachers)),
        )
    )
    if use is None or not may_change_use(actor, use):
        deny(actor, f"tool_use:{use_id}")
    return use


def closure_or_404(actor: Account, closure_id: int) -> Closure:
    """A district closure, for the privacy office only."""
    if not may_keep_calendar(actor):
        deny(actor, f"closure:{closure_id}")
    closure = db.session.get(Closure, closure_id)
    if closure is None:
        deny(actor, f"closure:{closure_id}")
    return closure


def roster_import_or_404(actor: Account, import_id: int) -> RosterImport:
    """One roster import run, for the privacy office only."""
    if not may_import_roster(actor):
        deny(actor, f"roster_import:{import_id}")
    run = db.session.get(RosterImport, import_id)
    if run is None:
        deny(actor, f"roster_import:{import_id}")
    return run
