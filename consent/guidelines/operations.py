"""The General Use Guidelines: the office edits the checklist; a class's teacher starts a use of
a tool pending review once every item holds; the committee's decision settles each such use
(approved: it simply goes on; declined: it ends that day, and the teacher is told). Each
operation writes its audit row in the caller's transaction and flushes; the caller commits."""

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from consent.access import may_keep_guidelines, may_use_under_guidelines
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
from consent.catalog.operations import CatalogError, ToolData, create_tool
from consent.core import clock
from consent.core.errors import DomainError
from consent.extensions import db
from consent.guidelines.models import (
    GuidelineConfirmation,
    GuidelineItem,
    GuidelineStatus,
    GuidelineUse,
)
from consent.notifications.operations import notify
from consent.optouts.operations import follow_roster
from consent.roster.models import Section
from consent.vetting.models import OPEN_STATUSES, RequestKind, VettingRequest


class GuidelineError(DomainError):
    """A change the rules refuse; the message (translatable) is shown on the form."""


def current_items() -> list[GuidelineItem]:
    return list(
        db.session.scalars(
            select(GuidelineItem)
            .where(GuidelineItem.retired.is_(False))
            .order_by(GuidelineItem.position, GuidelineItem.id)
        )
    )


def save_checklist(*, actor: Account, lines: list[str]) -> list[GuidelineItem]:
    """The office's checklist, one statement a line: unchanged statements keep their row, those
    left out are retired (the uses that confirmed them still say so), new ones are added."""
    if not may_keep_guidelines(actor):
        raise GuidelineError(_l("Only the privacy office can edit the guidelines."))
    wanted = []
    for line in lines:
        text = " ".join(line.split())
        if text and text not in wanted:
            wanted.append(text)
    if not wanted:
        raise GuidelineError(_l("Write at least one item, one a line."))
    existing = {item.text: item for item in current_items()}
    items = []
    for position, text in enumerate(wanted):
        item = existing.pop(text, None)
        if item is None:
            item = GuidelineItem(text=text, created_at=clock.now())
            db.session.add(item)
        item.position = position
        items.append(item)
    for item in existing.values():
        item.retired = True
    record(actor, "guidelines.edit", target="guidelines")
    db.session.flush()
    return items


def pending_tool(*, actor: Account, request: VettingRequest, today: date) -> Tool:
    """The catalog entry a class use of a pending request points at: made once, marked "being
    reviewed", saying nothing yet of what the tool collects (the teacher's answers say what
    families need meanwhile); the committee's decision settles its status."""
    if request.tool_id is not None:
        return db.session.get(Tool, request.tool_id)
    data = ToolData(
        name=request.name,
        vendor=request.vendor,
        purpose=request.purpose,
        website=request.website,
        privacy_policy_url=request.privacy_policy_url,
        grade_band=request.grades,
        # A placeholder the decision replaces: a pending tool receives no personal data.
        legal_basis=LegalBasis.SCHOOL_OFFICIAL,
        vetting_status=VettingStatus.PENDING,
        agreement_status=AgreementStatus.NONE,
        agreement_signed_on=None,
        agreement_expires_on=None,
    )
    try:
        with db.session.begin_nested():
            tool = create_tool(actor=actor, data=data, today=today, vetting_request_id=request.id)
    except CatalogError as error:
        raise GuidelineError(str(error)) from error
    tool.last_reviewed_on = None  # not reviewed yet: the committee is doing it
    request.tool_id = tool.id
    db.session.flush()
    return tool


def start_use(
    *,
    actor: Account,
    section: Section,
    request: VettingRequest,
    confirmed: set[int],
    today: date | None = None,
) -> GuidelineUse:
    """A teacher uses a tool pending review in their class from today, having confirmed every
    item of the checklist; if any item does not hold, nothing is saved and the tool waits for
    the committee."""
    today = today or clock.today()
    if not may_use_under_guidelines(actor, section):
        raise GuidelineError(_l("Only the class's own teachers can say which tools it uses."))
    db.session.execute(
        select(VettingRequest.id).where(VettingRequest.id == request.id).with_for_update()
    )
    db.session.refresh(request)
    if request.kind is not RequestKind.NEW or request.status not in OPEN_STATUSES:
        raise GuidelineError(
            _l(
                "%(tool)s is not waiting for review, so the guidelines do not apply.",
                tool=request.name,
            )
        )
    items = current_items()
    if not items:
        raise GuidelineError(_l("The district has not written its guidelines yet."))
    if any(item.id not in confirmed for item in items):
        raise GuidelineError(
            _l(
                "%(tool)s does not meet every guideline for this class, so it must wait for the "
                "committee's review before students use it.",
                tool=request.name,
            )
        )
    # One running use per class (one the teacher stopped may be started again).
    already = db.session.scalar(
        select(GuidelineUse.id)
        .join(ToolUse, ToolUse.id == GuidelineUse.tool_use_id)
        .where(
            GuidelineUse.vetting_request_id == request.id,
            GuidelineUse.section_id == section.id,
            GuidelineUse.status == GuidelineStatus.PENDING_REVIEW,
            or_(ToolUse.ends_on.is_(None), ToolUse.ends_on >= today),
        )
    )
    if already is not None:
        raise GuidelineError(
            _l("%(tool)s is already used in this class under the guidelines.", tool=request.name)
        )
    tool = pending_tool(actor=actor, request=request, today=today)
    use = ToolUse(
        tool_id=tool.id,
        scope=UseScope.SECTION,
        section_id=section.id,
        starts_on=today,
        ends_on=None,
        declared_by_account_id=actor.id,
        created_at=clock.now(),
    )
    db.session.add(use)
    db.session.flush()
    guideline_use = GuidelineUse(
        vetting_request_id=request.id,
        tool_id=tool.id,
        section_id=section.id,
        tool_use_id=use.id,
        teacher_account_id=actor.id,
        status=GuidelineStatus.PENDING_REVIEW,
        created_at=clock.now(),
        confirmations=[
            GuidelineConfirmation(item_id=item.id, position=n, text=item.text)
            for n, item in enumerate(items)
        ],
    )
    db.session.add(guideline_use)
    db.session.flush()
    record(actor, "guideline_use.start", target=f"guideline_use:{guideline_use.id}")
    # Opt-outs families already filed for the tool reach this class's teacher at once.
    follow_roster(today=today, tool_id=tool.id, use_place=section.title)
    db.session.flush()
    return guideline_use


def settle_uses(
    *, actor: Account, request: VettingRequest, approved: bool, now: datetime
) -> list[GuidelineUse]:
    """After the committee's decision on a request: each class use under the guidelines goes on
    as an approved use, or (declined) ends today; its teacher is told by email either way."""
    uses = list(
        db.session.scalars(
            select(GuidelineUse)
            .where(
                GuidelineUse.vetting_request_id == request.id,
                GuidelineUse.status == GuidelineStatus.PENDING_REVIEW,
            )
            .order_by(GuidelineUse.id)
        )
    )
    if not uses:
        return []
    today = clock.today(now)
    for use in uses:
        use.status = GuidelineStatus.APPROVED if approved else GuidelineStatus.DECLINED
        use.ended_at = now
        if not approved and use.tool_use is not None:
            _stop(use.tool_use, today)
        record(actor, "guideline_use.settle", target=f"guideline_use:{use.id}")
        teacher = use.teacher.staff
        if teacher is not None:
            notify(
                template="guidelines/settled",
                link="/guideline-uses",
                staff=teacher,
                guideline_use=use,
                approved=approved,
            )
    db.session.flush()
    if not approved:
        places = ", ".join(sorted({use.section.title for use in uses}))
        follow_roster(today=today, tool_id=uses[0].tool_id, use_place=places)
    db.session.flush()
    return uses


def _stop(tool_use: ToolUse, today: date) -> None:
    """The class use ends before today (removed when it had not started before today)."""
    if tool_use.ends_on is not None and tool_use.ends_on < today:
        return
    if tool_use.starts_on >= today:
        db.session.delete(tool_use)
    else:
        tool_use.ends_on = today - timedelta(days=1)
