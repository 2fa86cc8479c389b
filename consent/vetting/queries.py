"""Reading vetting requests and tool uses: the lists each page shows. Single records are loaded
through consent.access (vetting_request_or_404, tool_use_or_404)."""

from datetime import date

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, lazyload

from consent.access import visible_sections
from consent.accounts.models import Account
from consent.catalog.models import LegalBasis, Tool, ToolUse, UseScope
from consent.catalog.queries import says_what_it_collects
from consent.catalog.reach import use_is_current
from consent.consentforms.models import ConsentForm, ConsentFormSchool, FormKind, FormStatus
from consent.extensions import db
from consent.guidelines.models import GuidelineStatus, GuidelineUse
from consent.roster.models import Section
from consent.vetting.models import OPEN_STATUSES, USABLE_STATUSES, VettingRequest

# A tool in a list shows its name and status, never its categories, features or options.
TOOL_ALONE = (
    lazyload(Tool.data_categories),
    lazyload(Tool.features),
    lazyload(Tool.optout_options),
)


def _request_options():
    return (
        joinedload(VettingRequest.requested_by),
        joinedload(VettingRequest.tool).options(*TOOL_ALONE),
    )


def my_requests(actor: Account) -> Select:
    return (
        select(VettingRequest)
        .where(VettingRequest.requested_by_account_id == actor.id)
        .options(*_request_options())
        .order_by(VettingRequest.submitted_at.desc(), VettingRequest.id.desc())
    )


def review_queue(*, decided: bool = False) -> Select:
    """Requests not decided yet (waiting for reviewers, in review, or back with the
    requester), oldest first (first come, first reviewed); or decided ones, newest decision
    first."""
    query = select(VettingRequest).options(*_request_options())
    if decided:
        return query.where(VettingRequest.status.not_in(OPEN_STATUSES)).order_by(
            VettingRequest.decided_at.desc(), VettingRequest.id.desc()
        )
    return query.where(VettingRequest.status.in_(OPEN_STATUSES)).order_by(
        VettingRequest.submitted_at, VettingRequest.id
    )


def usable_tools() -> list[Tool]:
    """Tools that may be put in use: approved, with or without conditions, and saying what
    they collect."""
    return list(
        db.session.scalars(
            select(Tool)
            .where(Tool.vetting_status.in_(USABLE_STATUSES), says_what_it_collects())
            .options(*TOOL_ALONE)
            .order_by(Tool.name)
        )
    )


def _use_options():
    return (
        joinedload(ToolUse.tool).options(*TOOL_ALONE),
        joinedload(ToolUse.school),
        joinedload(ToolUse.section).options(lazyload(Section.teachers)),
    )


def not_over(today: date):
    """SQL condition: the use is current or still to come."""
    return or_(ToolUse.ends_on.is_(None), ToolUse.ends_on >= today)


def section_uses(section_id: int) -> list[ToolUse]:
    """Every use declared for one class, the latest first."""
    return list(
        db.session.scalars(
            select(ToolUse)
            .where(ToolUse.scope == UseScope.SECTION, ToolUse.section_id == section_id)
            .options(*_use_options())
            .order_by(ToolUse.starts_on.desc(), ToolUse.id.desc())
        )
    )


def wide_uses_reaching(section: Section, today: date) -> list[ToolUse]:
    """District-wide uses and the section's school's uses, current or to come."""
    # Not catalog/reach.py's rule: uses still to come count, and no student is resolved.
    return list(
        db.session.scalars(
            select(ToolUse)
            .where(
                not_over(today),
                or_(
                    ToolUse.scope == UseScope.DISTRICT,
                    and_(ToolUse.scope == UseScope.SCHOOL, ToolUse.school_id == section.school_id),
                ),
            )
            .options(*_use_options())
            .order_by(ToolUse.starts_on, ToolUse.id)
        )
    )


def uses_by_section(section_ids: list[int], today: date) -> dict[int, list[ToolUse]]:
    """Each listed class's current and coming uses, in one query."""
    result: dict[int, list[ToolUse]] = {section_id: [] for section_id in section_ids}
    if not section_ids:
        return result
    rows = db.session.scalars(
        select(ToolUse)
        .join(Tool, Tool.id == ToolUse.tool_id)
        .where(
            ToolUse.scope == UseScope.SECTION, ToolUse.section_id.in_(section_ids), not_over(today)
        )
        .options(contains_eager(ToolUse.tool).options(*TOOL_ALONE))
        .order_by(Tool.name, ToolUse.starts_on)
    )
    for use in rows:
        result[use.section_id].append(use)
    return result


def my_sections(actor: Account) -> Select:
    return visible_sections(actor).order_by(Section.title, Section.id)


def wide_uses(today: date, *, ended: bool = False) -> Select:
    """District- and school-wide uses: current and coming ones, or those that ended."""
    when = ToolUse.ends_on < today if ended else not_over(today)
    return (
        select(ToolUse)
        .where(ToolUse.scope.in_((UseScope.DISTRICT, UseScope.SCHOOL)), when)
        .options(*_use_options())
        .order_by(ToolUse.scope, ToolUse.starts_on.desc(), ToolUse.id.desc())
    )


def needs_action(today: date) -> Select:
    """Uses in effect today of tools that are no longer approved: each must be ended, or the
    tool approved again. A class use under the guidelines, pending review, is allowed (the
    decision settles it)."""
    under_guidelines = exists().where(
        GuidelineUse.tool_use_id == ToolUse.id,
        GuidelineUse.status == GuidelineStatus.PENDING_REVIEW,
    )
    return (
        select(ToolUse)
        .join(Tool, Tool.id == ToolUse.tool_id)
        .where(
            use_is_current(today),
            Tool.vetting_status.not_in(USABLE_STATUSES),
            ~under_guidelines,
        )
        .options(*_use_options())
        .order_by(Tool.name, ToolUse.scope, ToolUse.id)
    )


def needs_consent_form(today: date) -> list[ToolUse]:
    """Uses in effect today of tools that need each parent's consent, with no published
    consent form for the tool reaching the place: families there cannot answer. One statement."""
    # The place's school: the use's own, or its class's (none for a district-wide use).
    place_school = func.coalesce(
        ToolUse.school_id,
        select(Section.school_id)
        .where(Section.id == ToolUse.section_id)
        .correlate(ToolUse)
        .scalar_subquery(),
    )
    names_the_school = (
        select(ConsentFormSchool.form_id)
        .where(
            ConsentFormSchool.form_id == ConsentForm.id,
            ConsentFormSchool.school_id == place_school,
        )
        .correlate_except(ConsentFormSchool)
        .exists()
    )
    covered = exists().where(
        ConsentForm.tool_id == ToolUse.tool_id,
        ConsentForm.kind == FormKind.TOOL_CONSENT,
        ConsentForm.status == FormStatus.PUBLISHED,
        or_(~exists().where(ConsentFormSchool.form_id == ConsentForm.id), names_the_school),
    )
    return list(
        db.session.scalars(
            select(ToolUse)
            .join(Tool, Tool.id == ToolUse.tool_id)
            .where(
                use_is_current(today),
                Tool.legal_basis == LegalBasis.PARENT_CONSENT,
                ~covered,
            )
            .options(*_use_options())
            .order_by(Tool.name, ToolUse.scope, ToolUse.id)
        ).unique()
    )
