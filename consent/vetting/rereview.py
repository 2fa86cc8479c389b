"""Re-review: an approved tool returns to the committee on its next-review date, after a change
families were told about (a new kind of data, a lapsed agreement, a new legal basis), and (when
the district turns the policy watch on) when its privacy policy's text changes. A re-review is a
vetting request of kind "re_review" naming the tool, opened through `submit_request`, so the
committee's flow applies; the tool stays in use meanwhile. The caller commits."""

import hashlib
import html
import logging
import re
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import requests
from flask import current_app
from sqlalchemy import Select, and_, exists, or_, select

from consent.accounts.models import Account
from consent.catalog.models import APPROVED_STATUSES, Tool, ToolChangeNotice, ToolRevision
from consent.core import clock
from consent.extensions import db
from consent.vetting.models import (
    OPEN_STATUSES,
    RequestKind,
    RereviewReason,
    VettingRequest,
)
from consent.vetting.operations import submit_request

log = logging.getLogger(__name__)


def interval() -> timedelta:
    return timedelta(days=current_app.config["REVIEW_INTERVAL_DAYS"])


def next_review_on(tool: Tool) -> date | None:
    """The tool's next-review date: set by its last approval, else a year (the district's
    interval) after the office last reviewed the entry; None when it was never reviewed."""
    if tool.next_review_on is not None:
        return tool.next_review_on
    if tool.last_reviewed_on is not None:
        return tool.last_reviewed_on + interval()
    return None


def _due_by(day: date):
    """SQL condition: the tool's next-review date is `day` or earlier (a tool never reviewed
    is due at once)."""
    return or_(
        Tool.next_review_on <= day,
        and_(
            Tool.next_review_on.is_(None),
            or_(Tool.last_reviewed_on.is_(None), Tool.last_reviewed_on <= day - interval()),
        ),
    )


def open_rereview_exists(tool_id=Tool.id):
    """SQL condition: a re-review of the tool waits for the committee."""
    return exists().where(
        VettingRequest.tool_id == tool_id,
        VettingRequest.kind == RequestKind.RE_REVIEW,
        VettingRequest.status.in_(OPEN_STATUSES),
    )


def due_soon(today: date) -> Select:
    """Approved tools whose next review falls within the district's notice period (or has
    passed), soonest first: the office's list."""
    horizon = today + timedelta(days=current_app.config["REVIEW_NOTICE_DAYS"])
    return (
        select(Tool)
        .where(Tool.vetting_status.in_(APPROVED_STATUSES), _due_by(horizon))
        .order_by(Tool.next_review_on.is_(None), Tool.next_review_on, Tool.name, Tool.id)
    )


def open_rereview(
    *, tool: Tool, reason: RereviewReason, actor: Account | None = None, now: datetime | None = None
) -> VettingRequest | None:
    """Send the tool back to the committee, unless a re-review of it is already waiting (then
    None: running twice opens one)."""
    waiting = db.session.scalar(select(open_rereview_exists(tool.id)))
    if waiting:
        return None
    origin = db.session.scalar(
        select(VettingRequest)
        .where(VettingRequest.tool_id == tool.id)
        .order_by(VettingRequest.submitted_at.desc(), VettingRequest.id.desc())
        .limit(1)
    )
    collected = ", ".join(c.category for c in tool.data_categories)
    return submit_request(
        actor=actor,
        tool=tool,
        reason=reason,
        name=tool.name,
        website=tool.website,
        vendor=tool.vendor,
        privacy_policy_url=tool.privacy_policy_url,
        purpose=tool.purpose,
        grades=tool.grade_band,
        student_use=origin.student_use if origin is not None else tool.purpose,
        student_data=collected or (origin.student_data if origin is not None else "-"),
        now=now,
    )


@dataclass
class RereviewReport:
    due: list[VettingRequest] = field(default_factory=list)
    changed: list[VettingRequest] = field(default_factory=list)


def changes_that_matter(today: date) -> Select:
    """Change notices of the last notice period that should send an approved tool back: a new
    kind of data, a lapsed agreement or a new legal basis, not made by a committee decision
    itself, and not already covered by a re-review open then or since."""
    since = clock.day_start(today - timedelta(days=current_app.config["REVIEW_NOTICE_DAYS"]))
    covered = exists().where(
        VettingRequest.tool_id == ToolChangeNotice.tool_id,
        VettingRequest.kind == RequestKind.RE_REVIEW,
        or_(
            VettingRequest.decided_at.is_(None),
            VettingRequest.decided_at >= ToolChangeNotice.created_at,
        ),
    )
    by_decision = exists().where(
        ToolRevision.id == ToolChangeNotice.revision_id,
        ToolRevision.vetting_request_id.is_not(None),
    )
    return (
        select(ToolChangeNotice)
        .join(Tool, Tool.id == ToolChangeNotice.tool_id)
        .where(
            ToolChangeNotice.created_at >= since,
            Tool.vetting_status.in_(APPROVED_STATUSES),
            or_(
                ToolChangeNotice.new_categories != "",
                ToolChangeNotice.agreement_lapsed.is_(True),
                ToolChangeNotice.legal_basis_after.is_not(None),
            ),
            ~covered,
            ~by_decision,
        )
        .order_by(ToolChangeNotice.created_at, ToolChangeNotice.id)
    )


def open_due_rereviews(today: date) -> RereviewReport:
    """The daily run (`flask vetting rereview`): every approved tool whose date came, and every
    tool with a change that matters, goes back to the committee once."""
    report = RereviewReport()
    tools = db.session.scalars(
        select(Tool)
        .where(Tool.vetting_status.in_(APPROVED_STATUSES), _due_by(today), ~open_rereview_exists())
        .order_by(Tool.id)
    ).all()
    for tool in tools:
        opened = open_rereview(tool=tool, reason=RereviewReason.DUE)
        if opened is not None:
            report.due.append(opened)
    for notice in db.session.scalars(changes_that_matter(today)).all():
        opened = open_rereview(tool=notice.tool, reason=RereviewReason.CHANGE)
        if opened is not None:
            report.changed.append(opened)
    db.session.flush()
    return report


# --- the policy watch ------------------------------------------------------------------------

_HIDDEN = re.compile(r"<(script|style|noscript)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def normalised(text: str) -> str:
    """A page's words alone: no markup, scripts or styles; entities read; spaces collapsed;
    lower case (a policy that only changes its layout has not changed)."""
    text = _TAG.sub(" ", _HIDDEN.sub(" ", text))
    return " ".join(html.unescape(text).split()).lower()


def fingerprint(text: str) -> str:
    return hashlib.sha256(normalised(text).encode("utf-8")).hexdigest()


def watched_tools() -> list[tuple[int, str]]:
    """(tool id, policy address) of every approved tool with a privacy-policy address."""
    return list(
        db.session.execute(
            select(Tool.id, Tool.privacy_policy_url)
            .where(Tool.vetting_status.in_(APPROVED_STATUSES), Tool.privacy_policy_url != "")
            .order_by(Tool.id)
        ).all()
    )


POLICY_MAX_REDIRECTS = 5


def fetch(url: str, timeout: float, max_bytes: int) -> str | None:
    """The policy page's text, or None when it cannot be read now (tried again next run).
    The address comes from a staff member's request, so the reader is wary: a few redirects at
    most, at most `max_bytes` read, and the whole page within three times `timeout`; a page
    that breaks one of these counts as unreadable rather than holding up the daily job."""
    deadline = time.monotonic() + 3 * timeout
    try:
        with requests.Session() as session:
            session.max_redirects = POLICY_MAX_REDIRECTS
            with session.get(
                url, timeout=timeout, stream=True, headers={"User-Agent": "consent-policy-watch"}
            ) as answer:
                answer.raise_for_status()
                body = bytearray()
                for chunk in answer.iter_content(chunk_size=65_536):
                    body += chunk
                    if len(body) > max_bytes or time.monotonic() > deadline:
                        log.warning("policy watch: %s too large or too slow; not read", url)
                        return None
                return body.decode(answer.encoding or "utf-8", errors="replace")
    except requests.RequestException as error:
        log.warning("policy watch: %s not read (%s)", url, type(error).__name__)
        return None


@dataclass
class WatchReport:
    checked: int = 0
    unreadable: int = 0
    recorded: int = 0  # first fetch: the fingerprint is only recorded
    changed: list[VettingRequest] = field(default_factory=list)


def record_policy(tool: Tool, text: str, report: WatchReport, now: datetime) -> None:
    """Store the text's fingerprint; a different one from last time opens a re-review."""
    new = fingerprint(text)
    before = tool.policy_fingerprint
    tool.policy_fingerprint = new
    tool.policy_checked_at = now
    report.checked += 1
    if before is None:
        report.recorded += 1
    elif before != new:
        log.info("policy watch: tool %s policy changed", tool.id)
        opened = open_rereview(tool=tool, reason=RereviewReason.POLICY)
        if opened is not None:
            report.changed.append(opened)
