"""Changing the catalog: every saved edit becomes a revision, and a change that matters to
families becomes one notice plus a message to every guardian of a child who uses the tool.

What matters to families: a new kind of data collected, the data agreement lapsing (its end date
passing, or its status moving off "signed"), the district no longer approving the tool, and a
new legal basis for sharing. The caller commits; a CatalogError means nothing was written.
"""

import logging
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from consent.audit.operations import record
from consent.catalog.models import (
    APPROVED_STATUSES,
    DATA_CATEGORIES,
    AgreementStatus,
    LegalBasis,
    Tool,
    ToolChange,
    ToolChangeNotice,
    ToolDataCategory,
    ToolFeature,
    ToolOptOutOption,
    ToolRevision,
    VettingStatus,
)
from consent.catalog.queries import guardians_of_users
from consent.core import clock
from consent.core.errors import DomainError
from consent.extensions import db
from consent.notifications.operations import notify_many
from consent.optouts.models import ACTIVE_STATUSES, OptOut
from consent.texts import operations as texts
from consent.texts.queries import tool_entries

log = logging.getLogger(__name__)

NOTICE_TEMPLATE = "catalog/tool_changed"
SCALAR_FIELDS = (
    "name",
    "vendor",
    "purpose",
    "website",
    "privacy_policy_url",
    "grade_band",
    "legal_basis",
    "vetting_status",
    "agreement_status",
    "agreement_signed_on",
    "agreement_expires_on",
    "last_reviewed_on",
)


class CatalogError(DomainError):
    """A rule the edit breaks; `field` names the form field the message belongs to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass
class ToolData:
    """Everything the privacy office says about a tool, as plain values."""

    name: str
    vendor: str
    purpose: str
    website: str
    privacy_policy_url: str
    grade_band: str
    legal_basis: LegalBasis
    vetting_status: VettingStatus
    agreement_status: AgreementStatus
    agreement_signed_on: date | None
    agreement_expires_on: date | None
    categories: dict[str, str] = field(default_factory=dict)  # category -> plain note
    features: dict[str, str] = field(default_factory=dict)  # key -> label, in order
    options: list[str] = field(default_factory=list)
    # option label -> the feature key of the part it answers; a choice not named answers any part
    option_parts: dict[str, str] = field(default_factory=dict)


@dataclass
class EditResult:
    revision: ToolRevision | None
    notice: ToolChangeNotice | None


def check(data: ToolData, *, tool: Tool | None = None, complete: bool = True) -> None:
    """The rules the database cannot say in plain words; raises CatalogError on the first.
    An entry that is not `complete` (just approved from a vetting request) may still lack what
    the tool collects and its opt-out options: the office fills them in afterwards."""
    if complete and not data.categories:
        raise CatalogError("categories", _("Choose at least one kind of data the tool collects."))
    unknown = set(data.categories) - set(DATA_CATEGORIES)
    if unknown:
        raise CatalogError("categories", _("Choose kinds of data from the list only."))
    signed, expires = data.agreement_signed_on, data.agreement_expires_on
    if data.agreement_status is AgreementStatus.SIGNED and (signed is None or expires is None):
        raise CatalogError(
            "agreement_signed_on",
            _("A signed agreement needs the date it was signed and the date it ends."),
        )
    if data.agreement_status is not AgreementStatus.SIGNED and (signed or expires):
        raise CatalogError(
            "agreement_signed_on",
            _("Leave the agreement dates empty until the agreement is signed."),
        )
    if signed and expires and expires <= signed:
        raise CatalogError(
            "agreement_expires_on", _("The agreement must end after the date it was signed.")
        )
    for label, key in data.option_parts.items():
        if key and label in data.options and key not in data.features:
            raise CatalogError(
                "options",
                _("The option %(option)s answers a feature the tool does not have.", option=label),
            )
    if complete and not data.options:
        raise CatalogError(
            "options", _("Give at least one thing the school can offer a child who opts out.")
        )
    taken = select(Tool.id).where(func.lower(Tool.name) == data.name.strip().lower())
    if tool is not None:
        taken = taken.where(Tool.id != tool.id)
    if db.session.scalar(taken.limit(1)) is not None:
        raise CatalogError("name", _("Another tool in the catalog already has this name."))
    removed = {f.key for f in tool.features} - set(data.features) if tool else set()
    if removed:
        in_effect = db.session.scalar(
            select(OptOut.feature)
            .where(
                OptOut.tool_id == tool.id,
                OptOut.feature.in_(removed),
                OptOut.status.in_(ACTIVE_STATUSES),
            )
            .limit(1)
        )
        if in_effect is not None:
            raise CatalogError(
                "features",
                _(
                    "Families have opt-outs in effect for the feature %(key)s: keep it until "
                    "they end.",
                    key=in_effect,
                ),
            )


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    return str(value.value if hasattr(value, "value") else value)


def snapshot(tool: Tool) -> dict[str, str | None]:
    """The tool as field -> text, lists item by item, so two snapshots diff field by field."""
    values = {name: _text(getattr(tool, name)) for name in SCALAR_FIELDS}
    values |= {f"category:{c.category}": c.note for c in tool.data_categories}
    values |= {f"feature:{f.key}": f.label for f in tool.features}
    values |= {
        f"option:{o.label}": f"{o.label} ({o.feature_key})" if o.feature_key else o.label
        for o in tool.optout_options
    }
    return values


def _apply(tool: Tool, data: ToolData, today: date) -> None:
    for name in SCALAR_FIELDS[:-1]:
        value = getattr(data, name)
        # StrEnum members are strings too: strip only plain text.
        setattr(tool, name, value.strip() if type(value) is str else value)
    tool.last_reviewed_on = today  # saving the entry is the office's review of it
    by_category = {c.category: c for c in tool.data_categories}
    for category, row in by_category.items():
        if category not in data.categories:
            tool.data_categories.remove(row)
            texts.forget("tool_data_category", [row.id])
    for category, note in data.categories.items():
        if category in by_category:
            by_category[category].note = note
        else:
            tool.data_categories.append(ToolDataCategory(category=category, note=note))
    by_key = {f.key: f for f in tool.features}
    for key, row in by_key.items():
        if key not in data.features:
            tool.features.remove(row)
            texts.forget("tool_feature", [row.id])
    for key, label in data.features.items():
        if key in by_key:
            by_key[key].label = label
        else:
            tool.features.append(ToolFeature(key=key, label=label))
    kept = set(data.options)
    for row in list(tool.optout_options):
        if row.label not in kept:
            tool.optout_options.remove(row)
            texts.forget("tool_optout_option", [row.id])
    present = {o.label for o in tool.optout_options}
    for label in data.options:
        if label not in present:
            tool.optout_options.append(ToolOptOutOption(label=label))
    for row in tool.optout_options:
        row.feature_key = data.option_parts.get(row.label) or None


def _write_revision(
    tool: Tool,
    before: dict[str, str | None],
    after: dict[str, str | None],
    actor,
    *,
    vetting_request_id: int | None = None,
) -> ToolRevision | None:
    names = [n for n in SCALAR_FIELDS if before.get(n) != after.get(n)]
    names += sorted(
        n for n in set(before) | set(after) if ":" in n and before.get(n) != after.get(n)
    )
    if not names:
        return None
    number = db.session.scalar(
        select(func.coalesce(func.max(ToolRevision.number), 0)).where(
            ToolRevision.tool_id == tool.id
        )
    )
    revision = ToolRevision(
        tool_id=tool.id,
        number=number + 1,
        at=clock.now(),
        actor_account_id=actor.id if actor is not None else None,
        vetting_request_id=vetting_request_id,
        changes=[ToolChange(field=n, before=before.get(n), after=after.get(n)) for n in names],
    )
    db.session.add(revision)
    return revision


def create_tool(
    *, actor, data: ToolData, today: date, vetting_request_id: int | None = None
) -> Tool:
    """A new catalog entry, with its first revision (every field from nothing). From an
    approved vetting request the entry may start without data categories and opt-out options;
    the public catalog leaves it out until its data categories are filled in."""
    check(data, complete=vetting_request_id is None)
    tool = Tool()
    _apply(tool, data, today)
    db.session.add(tool)
    db.session.flush()
    _write_revision(tool, {}, snapshot(tool), actor, vetting_request_id=vetting_request_id)
    record(actor, "tool.create", target=f"tool:{tool.id}")
    db.session.flush()
    return tool


def data_of(tool: Tool) -> ToolData:
    """The entry as it stands, so one part of it can be changed through `update_tool`."""
    return ToolData(
        name=tool.name,
        vendor=tool.vendor,
        purpose=tool.purpose,
        website=tool.website,
        privacy_policy_url=tool.privacy_policy_url,
        grade_band=tool.grade_band,
        legal_basis=tool.legal_basis,
        vetting_status=tool.vetting_status,
        agreement_status=tool.agreement_status,
        agreement_signed_on=tool.agreement_signed_on,
        agreement_expires_on=tool.agreement_expires_on,
        categories={c.category: c.note for c in tool.data_categories},
        features={f.key: f.label for f in tool.features},
        options=[o.label for o in tool.optout_options],
        option_parts={o.label: o.feature_key for o in tool.optout_options if o.feature_key},
    )


def agreement_in_force(status, expires_on: date | None, today: date) -> bool:
    return status is AgreementStatus.SIGNED and expires_on is not None and expires_on >= today


def _lapse_key(expires_on: date) -> str:
    return f"expired:{expires_on.isoformat()}"


def _lapse_already_told(tool_id: int, expires_on: date | None) -> bool:
    if expires_on is None:
        return False
    return (
        db.session.scalar(
            select(ToolChangeNotice.id)
            .where(
                ToolChangeNotice.tool_id == tool_id,
                ToolChangeNotice.lapse_key == _lapse_key(expires_on),
            )
            .limit(1)
        )
        is not None
    )


def update_tool(
    *,
    actor,
    tool: Tool,
    data: ToolData,
    today: date,
    vetting_request_id: int | None = None,
) -> EditResult:
    """Save an edit as a revision; tell families when it matters to them. With
    `vetting_request_id`, the edit is the committee's decision on that request (its status and
    legal basis), which may come before the office completes the entry."""
    check(data, tool=tool, complete=vetting_request_id is None)
    before_status, before_expires = tool.agreement_status, tool.agreement_expires_on
    before_vetting, before_basis = tool.vetting_status, tool.legal_basis
    before_categories = {c.category for c in tool.data_categories}
    before = snapshot(tool)
    _apply(tool, data, today)
    db.session.flush()
    revision = _write_revision(
        tool, before, snapshot(tool), actor, vetting_request_id=vetting_request_id
    )
    record(actor, "tool.edit", target=f"tool:{tool.id}")
    if revision is None:
        return EditResult(None, None)
    db.session.flush()

    # An agreement counts as in force until its lapse was told, even after its end date, so
    # an edit made before the scheduled check has run still tells families.
    was_in_force = before_status is AgreementStatus.SIGNED and (
        agreement_in_force(before_status, before_expires, today)
        or not _lapse_already_told(tool.id, before_expires)
    )
    lapsed = was_in_force and not agreement_in_force(
        tool.agreement_status, tool.agreement_expires_on, today
    )
    new_categories = [
        c.category for c in tool.data_categories if c.category not in before_categories
    ]
    no_longer_approved = (
        before_vetting in APPROVED_STATUSES and tool.vetting_status not in APPROVED_STATUSES
    )
    basis_changed = before_basis is not tool.legal_basis
    if not (lapsed or new_categories or no_longer_approved or basis_changed):
        return EditResult(revision, None)
    expired_by_date = tool.agreement_status is AgreementStatus.SIGNED and lapsed
    notice = ToolChangeNotice(
        tool_id=tool.id,
        revision_id=revision.id,
        created_at=clock.now(),
        new_categories="\n".join(new_categories),
        agreement_lapsed=lapsed,
        no_longer_approved=no_longer_approved,
        vetting_status=tool.vetting_status,
        legal_basis_before=before_basis if basis_changed else None,
        legal_basis_after=tool.legal_basis if basis_changed else None,
        lapse_key=_lapse_key(tool.agreement_expires_on) if expired_by_date else None,
        guardians_notified=0,
    )
    db.session.add(notice)
    db.session.flush()
    notice.guardians_notified = tell_families(notice, tool, today)
    return EditResult(revision, notice)


def translate_tool(
    *, actor, tool: Tool, language: str, values: dict[str, str]
) -> ToolRevision | None:
    """Save the tool's texts in one language as one revision of the tool, so its history says
    who changed which translation. A translation says what the English says: families are not
    told (a change of wording never tells them), and the office's review date stays."""
    changes = texts.save(
        actor=actor, language=language, entries=tool_entries(tool, language), values=values
    )
    record(actor, "tool.translate", target=f"tool:{tool.id}")
    if not changes:
        return None
    before = {translation_field(c.entry, language): c.before for c in changes}
    after = {translation_field(c.entry, language): c.after for c in changes}
    revision = _write_revision(tool, before, after, actor)
    db.session.flush()
    return revision


def translation_field(entry, language: str) -> str:
    """A translation's name in the tool's history: `translation:es:category:Student Work`."""
    item = {
        "purpose": "purpose",
        "category": f"category:{entry.item}",
        "feature": f"feature:{entry.item}",
        "option": f"option:{entry.english}",
    }[entry.part]
    return f"translation:{language}:{item}"


def tell_families(notice: ToolChangeNotice, tool: Tool, today: date) -> int:
    """Queue one message per guardian with FERPA rights of a child the tool reaches today, in
    their language. The message names no child, so it is written set-based (notify_many)."""
    total = notify_many(
        template=NOTICE_TEMPLATE,
        guardian_ids=guardians_of_users(tool.id, today),
        link="/children",
        context={"tool": tool, "notice": notice},
    )
    log.info("tool %s change notice %s queued for %s guardians", tool.id, notice.id, total)
    return total


def check_agreements(*, today: date) -> list[ToolChangeNotice]:
    """Tell families about every signed agreement whose end date has passed, once per lapse;
    run from cron (`flask catalog check-agreements`). The caller commits."""
    tools = list(
        db.session.scalars(
            select(Tool)
            .where(
                Tool.agreement_status == AgreementStatus.SIGNED,
                Tool.agreement_expires_on < today,
            )
            .order_by(Tool.id)
        )
    )
    if not tools:
        return []
    told = {
        (tool_id, key)
        for tool_id, key in db.session.execute(
            select(ToolChangeNotice.tool_id, ToolChangeNotice.lapse_key).where(
                ToolChangeNotice.tool_id.in_([t.id for t in tools]),
                ToolChangeNotice.lapse_key.is_not(None),
            )
        )
    }
    notices = []
    for tool in tools:
        key = _lapse_key(tool.agreement_expires_on)
        if (tool.id, key) in told:
            continue
        notice = ToolChangeNotice(
            tool_id=tool.id,
            created_at=clock.now(),
            new_categories="",
            agreement_lapsed=True,
            no_longer_approved=False,
            vetting_status=tool.vetting_status,
            lapse_key=key,
            guardians_notified=0,
        )
        db.session.add(notice)
        db.session.flush()
        notice.guardians_notified = tell_families(notice, tool, today)
        notices.append(notice)
    db.session.flush()
    return notices
