"""The school-year rollover and the district's year-end rule. Each writes its timeline, audit
and notification rows in the caller's transaction and flushes; the caller commits once.

`plan_rollover` counts what a rollover would do without changing anything (the page's preview
and `flask year rollover --dry-run`); `roll_over` does it, once per school year."""

from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from consent.access import deciding_link
from consent.access.catalog import may_roll_over
from consent.accounts.models import Account
from consent.audit.operations import record
from consent.catalog.models import Tool
from consent.consentforms.models import ConsentForm
from consent.consentforms.operations import copy_as_draft
from consent.core import clock
from consent.core.i18n import district_language
from consent.extensions import db
from consent.notifications.operations import notify
from consent.optouts import operations as optouts
from consent.optouts.models import OPEN_STATUSES, OptOut, OptOutStatus
from consent.rollover.models import (
    Rollover,
    ToolYearEndRule,
    YearEndAction,
    YearEndSetting,
)
from consent.rollover.rules import (
    RolloverError,
    a_year_later,
    check_closable,
    next_school_year,
    year_end_action,
)
from consent.roster.models import Guardian, GuardianLink

NOTICE = "rollover/optouts"  # the one message per guardian
FAMILY_LINK = "/children"


def _require_office(actor: Account | None) -> None:
    """The service (no actor) may roll over; of people, only the privacy office."""
    if actor is not None and not may_roll_over(actor):
        raise RolloverError(_l("Only the privacy office can roll the school year over."))


# --- the district's rule ---------------------------------------------------------------------


def current_rules() -> tuple[YearEndAction | None, dict[int, YearEndAction]]:
    """(the district's rule for all tools, or None; each tool's own rule), in two reads."""
    district = db.session.scalar(select(YearEndSetting.action).where(YearEndSetting.id == 1))
    per_tool = dict(
        db.session.execute(select(ToolYearEndRule.tool_id, ToolYearEndRule.action)).all()
    )
    return district, per_tool


def set_district_rule(*, actor: Account, action: YearEndAction) -> None:
    """What happens to confirmed opt-outs of every tool without a rule of its own."""
    _require_office(actor)
    setting = db.session.get(YearEndSetting, 1) or YearEndSetting(id=1)
    setting.action = YearEndAction(action)
    setting.updated_at = clock.now()
    setting.updated_by_account_id = actor.id
    db.session.add(setting)
    record(actor, "rollover.rule", target=f"year_end:all:{setting.action.value}")
    db.session.flush()


def set_tool_rule(*, actor: Account, tool: Tool, action: YearEndAction | None) -> None:
    """One tool's own rule; None removes it, so the district's rule applies again."""
    _require_office(actor)
    rule = db.session.get(ToolYearEndRule, tool.id)
    if action is None:
        if rule is not None:
            db.session.delete(rule)
        record(actor, "rollover.rule", target=f"year_end:tool:{tool.id}:district")
        db.session.flush()
        return
    rule = rule or ToolYearEndRule(tool_id=tool.id)
    rule.action = YearEndAction(action)
    rule.updated_at = clock.now()
    rule.updated_by_account_id = actor.id
    db.session.add(rule)
    record(actor, "rollover.rule", target=f"year_end:tool:{tool.id}:{rule.action.value}")
    db.session.flush()


# --- what a rollover does ----------------------------------------------------------------------


@dataclass
class ToolLine:
    """One tool's confirmed opt-outs and what the rule does with them."""

    tool_id: int
    name: str
    action: YearEndAction
    count: int


@dataclass
class RolloverPlan:
    school_year: str
    into_year: str
    tools: list[ToolLine] = field(default_factory=list)
    open_untouched: int = 0  # requests still in the workflow: the rollover leaves them be
    forms: int = 0
    guardians: int = 0
    done: Rollover | None = None

    @property
    def carried(self) -> int:
        return sum(t.count for t in self.tools if t.action is YearEndAction.CARRY)

    @property
    def ended(self) -> int:
        return sum(t.count for t in self.tools if t.action is YearEndAction.END)


def _forms_to_copy(school_year: str, into_year: str):
    """The year's forms that the new year has no form of the same kind, tool and title for
    (one the office already made by hand is not copied again)."""
    newer = aliased(ConsentForm)
    copied = (
        select(newer.id)
        .where(
            newer.school_year == into_year,
            newer.kind == ConsentForm.kind,
            newer.title == ConsentForm.title,
            newer.tool_id.is_not_distinct_from(ConsentForm.tool_id),
        )
        .exists()
    )
    return select(ConsentForm).where(ConsentForm.school_year == school_year, ~copied)


def _confirmed_student_ids():
    return select(OptOut.student_id).where(OptOut.status == OptOutStatus.CONFIRMED)


def _rights_links(student_ids):
    return and_(GuardianLink.student_id.in_(student_ids), deciding_link())


def plan_rollover(school_year: str) -> RolloverPlan:
    """What rolling `school_year` over would do now, counted in a fixed number of reads
    whatever the district's size. Changes nothing. Once the year is rolled over, `done`
    holds what it did."""
    plan = RolloverPlan(school_year=school_year, into_year=next_school_year(school_year))
    plan.done = db.session.scalar(select(Rollover).where(Rollover.school_year == school_year))
    district, per_tool = current_rules()
    rows = db.session.execute(
        select(OptOut.tool_id, Tool.name, func.count(OptOut.id))
        .join(Tool, Tool.id == OptOut.tool_id)
        .where(OptOut.status == OptOutStatus.CONFIRMED)
        .group_by(OptOut.tool_id, Tool.name)
        .order_by(Tool.name, OptOut.tool_id)
    )
    plan.tools = [
        ToolLine(
            tool_id,
            name,
            year_end_action(tool_id, district=district, per_tool=per_tool),
            count,
        )
        for tool_id, name, count in rows
    ]
    plan.open_untouched = db.session.scalar(
        select(func.count(OptOut.id)).where(OptOut.status.in_(OPEN_STATUSES))
    )
    plan.forms = db.session.scalar(
        select(func.count()).select_from(_forms_to_copy(school_year, plan.into_year).subquery())
    )
    plan.guardians = db.session.scalar(
        select(func.count(func.distinct(GuardianLink.guardian_id))).where(
            _rights_links(_confirmed_student_ids())
        )
    )
    return plan


@dataclass
class _Told:
    carried: list = field(default_factory=list)
    ended: list = field(default_factory=list)


def roll_over(*, actor: Account | None, school_year: str) -> Rollover:
    """Close `school_year`: each confirmed opt-out carries into the next year or ends with this
    one, as the tool's rule (else the district's) says, each with its timeline line and audit
    row; every guardian with FERPA rights is told in one message, in their language, which of
    their children's opt-outs carried and which ended; the year's consent forms are copied as
    drafts for the next year. Requests still open are left as they are. Refused for a year
    already rolled over, so a second run changes nothing. `actor` is None for the service."""
    _require_office(actor)
    done = set(db.session.scalars(select(Rollover.school_year)))
    into_year = check_closable(school_year, clock.today(), done=done)
    rollover = Rollover(
        school_year=school_year,
        into_year=into_year,
        done_at=clock.now(),
        done_by_account_id=actor.id if actor else None,
        carried=0,
        ended=0,
        forms_copied=0,
        guardians_told=0,
    )
    try:
        with db.session.begin_nested():  # two runs at once: the second meets the unique year
            db.session.add(rollover)
            db.session.flush()
    except IntegrityError as error:
        raise RolloverError(
            _l("The %(year)s school year has already been rolled over.", year=school_year)
        ) from error

    district, per_tool = current_rules()
    told: dict[int, _Told] = defaultdict(_Told)
    confirmed = list(
        db.session.scalars(
            select(OptOut).where(OptOut.status == OptOutStatus.CONFIRMED).order_by(OptOut.id)
        )
    )
    links = defaultdict(list)
    guardians = {}
    for link, guardian in db.session.execute(
        select(GuardianLink, Guardian)
        .join(Guardian, Guardian.id == GuardianLink.guardian_id)
        .where(_rights_links(_confirmed_student_ids()))
    ):
        links[link.student_id].append(guardian.id)
        guardians[guardian.id] = guardian

    for optout in confirmed:
        action = year_end_action(optout.tool_id, district=district, per_tool=per_tool)
        if action is YearEndAction.CARRY:
            with district_language():  # a timeline note, for everyone to read later
                note = str(
                    _l(
                        "Carried into the %(year)s school year: the district's rule for %(tool)s.",
                        year=into_year,
                        tool=optout.tool.name,
                    )
                )
            optouts.carry_into_school_year(actor=actor, optout=optout, note=note)
            rollover.carried += 1
        else:
            with district_language():
                reason = str(
                    _l(
                        "The %(year)s school year ended, and the district's rule ends "
                        "opt-outs for %(tool)s with the year.",
                        year=school_year,
                        tool=optout.tool.name,
                    )
                )
            optouts.end_with_school_year(actor=actor, optout=optout, reason=reason)
            rollover.ended += 1
        for guardian_id in links[optout.student_id]:
            bucket = told[guardian_id]
            (bucket.carried if action is YearEndAction.CARRY else bucket.ended).append(optout)

    for guardian_id, bucket in sorted(told.items()):
        notify(
            template=NOTICE,
            link=FAMILY_LINK,
            guardian=guardians[guardian_id],
            carried=_in_order(bucket.carried),
            ended=_in_order(bucket.ended),
            school_year=school_year,
            into_year=into_year,
        )
    rollover.guardians_told = len(told)

    forms = list(
        db.session.scalars(_forms_to_copy(school_year, into_year).order_by(ConsentForm.id))
    )
    for form in forms:
        copy_as_draft(
            actor=actor,
            form=form,
            school_year=into_year,
            opens_on=a_year_later(form.opens_on),
            closes_on=a_year_later(form.closes_on),
        )
        rollover.forms_copied += 1

    record(actor, "rollover.run", target=f"rollover:{school_year}", as_service=actor is None)
    db.session.flush()
    return rollover


def _in_order(items: list[OptOut]) -> list[OptOut]:
    return sorted(items, key=lambda o: (o.student.given_name, o.tool.name, o.feature, o.id))
