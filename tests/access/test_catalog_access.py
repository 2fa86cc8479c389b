"""Who may do what with the catalog, tool uses, vetting requests and the privacy office's own
pages: the predicates of consent.access.catalog called directly for every persona, the loaders
that answer 404 with one `access.denied` row, and the office's pages as each role meets them.

The expected answers are written out here from the product's rules (PRODUCT.md: the privacy
office keeps the catalog and decides vetting; any staff member asks for vetting; a teacher
declares tools for their own classes only, never school- or district-wide), not read from
consent.access."""

from datetime import date

import pytest
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from consent import access
from consent.accounts.models import Account
from consent.audit.models import AuditEvent
from consent.catalog.models import ToolUse, UseScope
from consent.extensions import db
from consent.roster.models import RosterImport, School, Section
from consent.schoolcalendar.models import Closure
from tests import factories

PERSONAS = ("maria", "grace", "johnson", "kim", "patel", "brooks", "reed", "lee")
GUARDIANS = {"maria", "grace"}
OFFICE = {"lee"}
MISSING = 987_654

OFFICE_ONLY = (
    "may_edit_catalog",
    "may_decide_vetting",
    "may_declare_wide_use",
    "may_keep_calendar",
    "may_read_audit_log",
    "may_watch_outbox",
    "may_import_roster",
    "may_verify_receipts",
)

# Which classes each persona may say the tools of: their own as teacher, all for the office.
DECLARES_FOR = {
    "johnson": {"room12", "science4"},
    "kim": {"science4", "room15"},
    "patel": {"math7", "science7", "english7"},
    "lee": {"room12", "science4", "room15", "math7", "science7", "english7"},
}


def account(demo, persona: str) -> Account:
    return db.session.get(Account, demo.accounts[persona])


def denials() -> list[tuple[int | None, str]]:
    rows = db.session.execute(
        select(AuditEvent.actor_account_id, AuditEvent.target)
        .where(AuditEvent.action == "access.denied")
        .order_by(AuditEvent.id)
    )
    return [(who, target) for who, target in rows]


@pytest.mark.parametrize("predicate", OFFICE_ONLY)
def test_only_the_privacy_office_keeps_the_catalog_and_its_pages(ctx, demo, predicate):
    check = getattr(access, predicate)
    allowed = {p for p in PERSONAS if check(account(demo, p))}
    assert allowed == OFFICE


def test_every_staff_member_may_ask_for_vetting_and_no_family(ctx, demo):
    allowed = {p for p in PERSONAS if access.may_ask_for_vetting(account(demo, p))}
    assert allowed == set(PERSONAS) - GUARDIANS


def test_a_class_s_tools_are_declared_by_its_own_teachers_or_the_office(ctx, demo):
    for persona in PERSONAS:
        actor = account(demo, persona)
        allowed = {
            key
            for key, section_id in demo.sections.items()
            if access.may_declare_for_section(actor, db.session.get(Section, section_id))
        }
        # A principal oversees their school's classes but does not teach them.
        assert allowed == DECLARES_FOR.get(persona, set()), persona


def test_a_use_is_ended_by_its_class_s_teachers_or_the_office(ctx, demo):
    tool = factories.tool()
    room12 = factories.tool_use(tool, section=db.session.get(Section, demo.sections["room12"]))
    math7 = factories.tool_use(tool, section=db.session.get(Section, demo.sections["math7"]))
    school = factories.tool_use(tool, school=db.session.get(School, demo.schools["oakwood"]))
    district = factories.tool_use(tool)
    expected = {
        "johnson": {"room12"},
        "patel": {"math7"},
        "lee": {"room12", "math7", "school", "district"},
    }
    uses = {"room12": room12, "math7": math7, "school": school, "district": district}
    for persona in PERSONAS:
        actor = account(demo, persona)
        allowed = {name for name, use in uses.items() if access.may_change_use(actor, use)}
        assert allowed == expected.get(persona, set()), persona


def test_a_vetting_request_is_followed_by_its_requester_and_the_office(ctx, demo):
    request = factories.vetting_request(requester=account(demo, "johnson"))
    allowed = {p for p in PERSONAS if access.may_follow_vetting_request(account(demo, p), request)}
    assert allowed == {"johnson", "lee"}


def _request_by(demo, persona: str) -> int:
    request = factories.vetting_request(requester=account(demo, persona))
    db.session.commit()
    return request.id


def test_the_vetting_request_loader_refuses_like_a_missing_request(ctx, demo):
    request_id = _request_by(demo, "johnson")
    for persona in ("johnson", "lee"):
        assert access.vetting_request_or_404(account(demo, persona), request_id).id == request_id
    assert denials() == []
    for persona, wanted in (("kim", request_id), ("brooks", request_id), ("johnson", MISSING)):
        with pytest.raises(NotFound):
            access.vetting_request_or_404(account(demo, persona), wanted)
    assert denials() == [
        (demo.accounts["kim"], f"vetting_request:{request_id}"),
        (demo.accounts["brooks"], f"vetting_request:{request_id}"),
        (demo.accounts["johnson"], f"vetting_request:{MISSING}"),
    ]
    kims = db.session.scalars(access.visible_vetting_requests(account(demo, "kim"))).all()
    assert request_id not in [r.id for r in kims]


def test_the_tool_use_loader_gives_only_a_use_the_person_may_end(ctx, demo):
    use_id = db.session.scalar(
        select(ToolUse.id)
        .where(ToolUse.scope == UseScope.SECTION, ToolUse.section_id == demo.sections["room12"])
        .limit(1)
    )
    assert use_id is not None, "the demo declares a tool for Room 12"
    assert access.tool_use_or_404(account(demo, "johnson"), use_id).id == use_id
    assert access.tool_use_or_404(account(demo, "lee"), use_id).id == use_id
    for persona, wanted in (("patel", use_id), ("brooks", use_id), ("lee", MISSING)):
        with pytest.raises(NotFound):
            access.tool_use_or_404(account(demo, persona), wanted)
    assert [target for _who, target in denials()] == [
        f"tool_use:{use_id}",
        f"tool_use:{use_id}",
        f"tool_use:{MISSING}",
    ]


def test_the_office_s_records_are_the_office_s_alone(ctx, demo):
    closure = factories.closure(date(2031, 1, 2), reason="Snow")
    # By hand: only importing a file writes an import's record; the loader needs just the row.
    run = RosterImport(run_by_account_id=demo.accounts["lee"], source_name="x.zip", dry_run=True)
    db.session.add(run)
    db.session.commit()
    closure_id, run_id = closure.id, run.id
    lee = account(demo, "lee")
    assert access.closure_or_404(lee, closure_id).id == closure_id
    assert access.roster_import_or_404(lee, run_id).id == run_id
    refused = [
        (access.closure_or_404, "brooks", closure_id, f"closure:{closure_id}"),
        (access.closure_or_404, "lee", MISSING, f"closure:{MISSING}"),
        (access.roster_import_or_404, "johnson", run_id, f"roster_import:{run_id}"),
        (access.roster_import_or_404, "lee", MISSING, f"roster_import:{MISSING}"),
        (access.tool_or_404, "maria", MISSING, f"tool:{MISSING}"),
    ]
    for loader, persona, wanted, _target in refused:
        with pytest.raises(NotFound):
            loader(account(demo, persona), wanted)
    assert denials() == [(demo.accounts[p], target) for _l, p, _w, target in refused]
    # The closure and the import are still there: a refusal changes nothing.
    assert db.session.get(Closure, closure_id) is not None
    assert db.session.get(RosterImport, run_id) is not None


def test_a_page_gate_refuses_with_one_audit_row(ctx, demo):
    access.allowed_or_404(account(demo, "lee"), access.may_read_audit_log, target="audit")
    with pytest.raises(NotFound):
        access.allowed_or_404(account(demo, "reed"), access.may_read_audit_log, target="audit")
    assert denials() == [(demo.accounts["reed"], "audit")]


# --- the office's pages, as each role meets them ----------------------------------------------

OFFICE_PAGES = (
    "/outbox",
    "/roster/imports",
    "/calendar",
    "/audit",
    "/tool-uses",
    "/vetting/review",
)


def _count_denied(app) -> int:
    with app.app_context():
        n = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "access.denied")
        )
        db.session.remove()
    return n


@pytest.mark.parametrize("persona", ["maria", "johnson", "brooks"])
def test_the_office_s_pages_answer_like_missing_ones_for_everyone_else(app, as_, persona):
    person = as_(persona)
    for url in OFFICE_PAGES:
        before = _count_denied(app)
        answer = person.get(url)
        assert answer.status_code == 404, url
        assert _count_denied(app) == before + 1, url


def test_the_office_reaches_its_pages_and_a_missing_import_is_a_404(app, as_):
    lee = as_("lee")
    for url in OFFICE_PAGES:
        assert lee.get(url).status_code == 200, url
    before = _count_denied(app)
    assert lee.get(f"/roster/imports/{MISSING}").status_code == 404
    assert _count_denied(app) == before + 1


def test_only_the_office_sees_the_edit_links_on_a_tool_s_page(as_, demo):
    url = f"/tools/{demo.tools['zoom']}"
    edit_link = f"/tools/{demo.tools['zoom']}/edit"
    assert edit_link in as_("lee").get(url).get_data(as_text=True)
    for persona in ("maria", "johnson", "brooks"):
        page = as_(persona).get(url)
        assert page.status_code == 200
        assert edit_link not in page.get_data(as_text=True), persona


def test_who_acts_on_requests_is_decided_by_the_gate(app, demo):
    """The opt-out workflow's own permissions are plain predicates of consent.access."""
    from consent.optouts.models import Task

    with app.app_context():
        people = {
            key: db.session.get(Account, demo.accounts[key])
            for key in ("maria", "patel", "johnson", "reed", "lee")
        }
        task = db.session.scalars(
            select(Task).where(Task.teacher_id == demo.staff["patel"])
        ).first()
        assert access.files_for_self(people["maria"])
        assert not any(access.files_for_self(people[k]) for k in ("patel", "reed", "lee"))
        assert access.may_act_on_task(people["patel"], task)
        assert not access.may_act_on_task(people["johnson"], task)
        assert not access.may_act_on_task(people["reed"], task)
        assert [k for k in people if access.may_decide_requests(people[k])] == ["reed", "lee"]
        assert [k for k in people if access.sees_every_school(people[k])] == ["lee"]
        db.session.remove()
