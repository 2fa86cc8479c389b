"""A vendor roster check: read the vendor's export for a tool, compare it with the students who
must not be rostered to the tool (consent.enforcement.exclusions, the API's exclusion list),
keep the check and what it found per student, write a line on each affected opt-out request's
timeline, and tell the privacy office when anyone is still there.

"Must not be in the roster" is the exclusion list's `do_not_roster`: an opt-out of the whole
tool in effect, consent refused or not given, or no consent form where the tool needs one. A
student with only a feature off may stay rostered, so is not looked for."""

from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, true

from consent.access import (
    integration_students,
    may_check_vendor_rosters,
    token_may_submit_roster_checks,
)
from consent.accounts.models import Account
from consent.audit.operations import record, record_integration
from consent.catalog.models import Tool
from consent.core import clock
from consent.core.errors import DomainError
from consent.enforcement.exclusions import for_tool, stream_exclusions
from consent.enforcement.exports import read_export
from consent.enforcement.models import RosterCheck, RosterCheckFinding
from consent.extensions import db
from consent.integrations.models import IntegrationToken
from consent.notifications.operations import notify
from consent.optouts import events
from consent.optouts.models import ACTIVE_STATUSES, OptOut
from consent.roster.importer.apply import insert_rows
from consent.roster.staff import privacy_officers

VENDOR_MAX = 120


class RosterCheckError(DomainError):
    """A check the rules refuse; the message (translatable) is shown on the form."""


def check_roster(
    *,
    actor: Account | None,
    tool: Tool,
    path: Path,
    source_name: str,
    vendor: str = "",
    token: IntegrationToken | None = None,
) -> RosterCheck:
    """Check the export at `path` (a file the caller removes) against `tool`'s exclusion list
    today. The privacy office checks the whole district (`actor`); a district system (`token`,
    with `actor` None) checks the students its token covers. The caller commits."""
    if token is None:
        if actor is None or not may_check_vendor_rosters(actor):
            raise RosterCheckError(_l("Only the privacy office checks vendors' rosters."))
    elif not token_may_submit_roster_checks(token):
        raise RosterCheckError(_l("This token may not submit roster checks."))
    vendor = " ".join((vendor or "").split()) or tool.vendor
    if not vendor:
        raise RosterCheckError(_l("Name the vendor whose roster this is."))
    if len(vendor) > VENDOR_MAX:
        raise RosterCheckError(_l("Name the vendor in 120 characters at most."))
    export = read_export(path, source_name)

    today = clock.today()
    school_id = token.school_id if token is not None else None
    students = integration_students(token) if token is not None else true()
    statement = for_tool(tool, today, students=students, school_id=school_id)
    findings = [
        {
            "student_id": row["student_id"],
            "school_id": row["school_id"],
            "present": row["sourced_id"] in export.identifiers
            or row["district_identifier"] in export.identifiers,
        }
        for row in stream_exclusions(statement)
        if row["do_not_roster"]
    ]
    check = RosterCheck(
        tool_id=tool.id,
        vendor=vendor,
        source_name=(source_name or "")[:255],
        source_format=export.format,
        submitted_by_account_id=actor.id if token is None else None,
        integration_token_id=token.id if token is not None else None,
        submitted_at=clock.now(),
        as_of=today,
        school_id=school_id,
        listed=export.rows,
        excluded=len(findings),
        still_present=sum(1 for f in findings if f["present"]),
        requests_told=0,
    )
    db.session.add(check)
    db.session.flush()
    # COPY on PostgreSQL, as the roster import writes: a whole district's export can leave
    # 150,000 findings, which one INSERT of many rows took three of the check's five seconds on.
    insert_rows(
        RosterCheckFinding.__table__,
        ("check_id", "student_id", "school_id", "present"),
        ((check.id, f["student_id"], f["school_id"], f["present"]) for f in findings),
    )
    check.requests_told = _write_timelines(check, actor if token is None else None)
    if check.still_present:
        _tell_the_office(check)
    if token is not None:
        record_integration(token, "api.roster_check")  # named by the token; the check names it
    else:
        record(actor, "enforcement.roster_check", target=f"roster_check:{check.id} tool:{tool.id}")
    db.session.flush()
    return check


def _write_timelines(check: RosterCheck, actor: Account | None) -> int:
    """A line on each opt-out of the whole tool in effect for a student the check looked for."""
    affected = db.session.execute(
        select(OptOut.id, RosterCheckFinding.present)
        .join(RosterCheckFinding, RosterCheckFinding.student_id == OptOut.student_id)
        .where(
            RosterCheckFinding.check_id == check.id,
            OptOut.tool_id == check.tool_id,
            OptOut.feature == "",
            OptOut.status.in_(ACTIVE_STATUSES),
        )
        .order_by(OptOut.id)
    ).all()
    for optout_id, present in affected:
        events.roster_checked(optout_id, actor=actor, vendor=check.vendor, present=present)
    return len(affected)


def _tell_the_office(check: RosterCheck) -> None:
    for officer in privacy_officers():
        notify(
            template="enforcement/still_present",
            link=f"/roster-checks/{check.id}",
            staff=officer,
            check=check,
        )
