"""The district's review rubric: the questions every reviewer answers (pass / concern / fail,
with a note). The office adds, renames, orders and retires items; the defaults come from the
concerns of the national data privacy agreement (NDPA) and COPPA, and are put in place by the
migration, by the demo, and on first use of an empty rubric."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from consent.access import may_keep_rubric
from consent.accounts.models import Account
from consent.audit.operations import record
from consent.core import clock
from consent.core.errors import DomainError
from consent.extensions import db
from consent.vetting.committee.models import RubricItem

# Stored as the district's own text (the office may rename them); the migration seeds the same.
DEFAULT_ITEMS = (
    (
        "Data collected",
        "Which NDPA data categories the tool collects, and whether each is needed for the purpose.",
    ),
    (
        "Sharing with third parties",
        "Who else receives student data (subprocessors, partners), and under what terms.",
    ),
    (
        "Advertising and selling data",
        "No targeted advertising to students, no selling or renting of student data.",
    ),
    (
        "Retention and deletion",
        "How long data is kept, and whether the district can have it deleted when the service "
        "ends.",
    ),
    (
        "Security practices",
        "Encryption, access controls, breach notification and a security programme.",
    ),
    (
        "Accounts for children under 13 (COPPA)",
        "Whether children under 13 make accounts, and on what consent.",
    ),
    (
        "Signed data privacy agreement",
        "Whether the vendor has signed (or will sign) the district's data privacy agreement.",
    ),
)

TITLE_MAX = 255
GUIDANCE_MAX = 2000


class RubricError(DomainError):
    """A rubric change the rules refuse."""


def ensure_default_rubric() -> None:
    """An empty rubric (a fresh database) gets the defaults, so reviews never start empty."""
    if db.session.scalar(select(func.count()).select_from(RubricItem)):
        return
    now = clock.now()
    db.session.add_all(
        RubricItem(title=title, guidance=guidance, position=number, created_at=now)
        for number, (title, guidance) in enumerate(DEFAULT_ITEMS, start=1)
    )
    db.session.flush()


def current_items() -> list[RubricItem]:
    """The items reviewers answer now, in the office's order."""
    return list(
        db.session.scalars(
            select(RubricItem)
            .where(RubricItem.retired_at.is_(None))
            .order_by(RubricItem.position, RubricItem.id)
        )
    )


def all_items() -> list[RubricItem]:
    """Current items in order, then retired ones (kept for the reviews that used them)."""
    return list(
        db.session.scalars(
            select(RubricItem).order_by(
                RubricItem.retired_at.is_not(None), RubricItem.position, RubricItem.id
            )
        )
    )


def _check(actor: Account, title: str, guidance: str) -> tuple[str, str]:
    if not may_keep_rubric(actor):
        raise RubricError(_l("Only the privacy office can change the review rubric."))
    title, guidance = (title or "").strip(), (guidance or "").strip()
    if not title:
        raise RubricError(_l("Give the item a title."))
    if len(title) > TITLE_MAX or len(guidance) > GUIDANCE_MAX:
        raise RubricError(_l("This text is too long."))
    return title, guidance


def add_item(*, actor: Account, title: str, guidance: str = "") -> RubricItem:
    title, guidance = _check(actor, title, guidance)
    last = db.session.scalar(select(func.max(RubricItem.position))) or 0
    item = RubricItem(title=title, guidance=guidance, position=last + 1, created_at=clock.now())
    db.session.add(item)
    db.session.flush()
    record(actor, "vetting.rubric_change", target=f"vetting_rubric_item:{item.id}")
    return item


def rename_item(*, actor: Account, item: RubricItem, title: str, guidance: str = "") -> None:
    item.title, item.guidance = _check(actor, title, guidance)
    record(actor, "vetting.rubric_change", target=f"vetting_rubric_item:{item.id}")
    db.session.flush()


def retire_item(*, actor: Account, item: RubricItem) -> None:
    """Reviews from now on no longer answer the item; those that did keep their finding."""
    if not may_keep_rubric(actor):
        raise RubricError(_l("Only the privacy office can change the review rubric."))
    if item.retired:
        raise RubricError(_l("This item is already retired."))
    if len(current_items()) <= 1:
        raise RubricError(_l("The rubric needs at least one item."))
    item.retired_at = clock.now()
    record(actor, "vetting.rubric_change", target=f"vetting_rubric_item:{item.id}")
    db.session.flush()


def move_item(*, actor: Account, item: RubricItem, up: bool) -> None:
    """Swap the item with its neighbour above (or below); the ends stay where they are."""
    if not may_keep_rubric(actor):
        raise RubricError(_l("Only the privacy office can change the review rubric."))
    items = current_items()
    if item not in items:
        raise RubricError(_l("A retired item has no place in the order."))
    index = items.index(item)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(items):
        return
    for number, each in enumerate(items, start=1):  # positions 1..n, whatever they were
        each.position = number
    items[index].position, items[other].position = items[other].position, items[index].position
    record(actor, "vetting.rubric_change", target=f"vetting_rubric_item:{item.id}")
    db.session.flush()
