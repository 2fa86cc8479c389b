"""Reads for the guidelines pages and the child's page."""

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, lazyload

from consent.catalog.models import Tool
from consent.extensions import db
from consent.guidelines.models import GuidelineConfirmation, GuidelineStatus, GuidelineUse
from consent.roster.models import Section
from consent.vetting.models import OPEN_STATUSES, RequestKind, VettingRequest


def pending_requests() -> list[VettingRequest]:
    """Tools waiting for the committee that a class may use meanwhile, by name."""
    return list(
        db.session.scalars(
            select(VettingRequest)
            .where(
                VettingRequest.kind == RequestKind.NEW,
                VettingRequest.status.in_(OPEN_STATUSES),
            )
            .order_by(VettingRequest.name, VettingRequest.id)
        )
    )


def listed(visible: Select, *, settled: bool = False) -> Select:
    """Uses pending review (newest first), or settled ones, from a scoped select."""
    statuses = (
        [GuidelineStatus.APPROVED, GuidelineStatus.DECLINED]
        if settled
        else [GuidelineStatus.PENDING_REVIEW]
    )
    return (
        visible.where(GuidelineUse.status.in_(statuses))
        .options(
            joinedload(GuidelineUse.tool).options(
                lazyload(Tool.data_categories),
                lazyload(Tool.features),
                lazyload(Tool.optout_options),
            ),
            joinedload(GuidelineUse.section).joinedload(Section.school),
            joinedload(GuidelineUse.teacher),
            joinedload(GuidelineUse.tool_use),
            lazyload(GuidelineUse.confirmations),
        )
        .order_by(GuidelineUse.created_at.desc(), GuidelineUse.id.desc())
    )


def section_guideline_uses(section_id: int) -> list[GuidelineUse]:
    return list(
        db.session.scalars(
            select(GuidelineUse)
            .where(
                GuidelineUse.section_id == section_id,
                GuidelineUse.status == GuidelineStatus.PENDING_REVIEW,
            )
            .options(joinedload(GuidelineUse.tool))
            .order_by(GuidelineUse.created_at)
        )
    )


def confirmed_for_child(section_ids: list[int], tool_ids: list[int]) -> dict[int, list[str]]:
    """tool id -> what the teacher confirmed, for the tools pending review used in the child's
    classes (one query; the same checklist items once when two classes use the tool)."""
    if not section_ids or not tool_ids:
        return {}
    rows = db.session.execute(
        select(GuidelineUse.tool_id, GuidelineConfirmation.text)
        .join(GuidelineConfirmation, GuidelineConfirmation.guideline_use_id == GuidelineUse.id)
        .where(
            GuidelineUse.section_id.in_(section_ids),
            GuidelineUse.tool_id.in_(tool_ids),
            GuidelineUse.status == GuidelineStatus.PENDING_REVIEW,
        )
        .order_by(GuidelineUse.tool_id, GuidelineUse.id, GuidelineConfirmation.position)
    )
    confirmed: dict[int, list[str]] = {}
    for tool_id, text in rows:
        texts = confirmed.setdefault(tool_id, [])
        if text not in texts:
            texts.append(text)
    return confirmed
