"""Changes that matter to families: told once, set-based, to the guardians (with FERPA rights)
of the children who use the tool, and listed once per change on each such child's page."""

from datetime import timedelta

from sqlalchemy import func, select

from consent.catalog import operations
from consent.catalog.models import (
    AgreementStatus,
    LegalBasis,
    Tool,
    ToolChangeNotice,
    VettingStatus,
)
from consent.core import clock
from consent.extensions import db
from consent.notifications import operations as notifications
from consent.notifications.models import DeliveryStatus, Notification
from consent.notifications.operations import deliver_due
from consent.roster.models import Guardian
from tests.catalog.helpers import data_of, form_of
from tests.support import count_queries

# Zoom is used in Room 12 (Sofia, Ava, Liam) and Math 7 (Mateo, Olivia, Elijah, Amélie, Mia).
ZOOM_GUARDIANS = {"maria", "luis", "james", "robert", "patricia", "michael", "nora", "sarah"}
# Seesaw is used across Oakwood (Sofia, Ava, Liam, Noah, Emma, Henry).
SEESAW_GUARDIANS = {"maria", "luis", "james", "robert", "linda", "susan", "karen_t"}


def told(app, demo, kind="catalog/tool_changed") -> list[str]:
    """The guardians (demo keys) who got a tool-change message, one entry per message."""
    key = {v: k for k, v in demo.guardians.items()}
    with app.app_context():
        rows = db.session.scalars(
            select(Notification.guardian_id).where(Notification.kind == kind)
        ).all()
        db.session.remove()
    return sorted(key[g] for g in rows)


def edit(app, demo, tool_key, *, actor_key="lee", today=None, **changes):
    with app.app_context():
        from consent.accounts.models import Account

        tool = db.session.get(Tool, demo.tools[tool_key])
        actor = db.session.get(Account, demo.accounts[actor_key])
        result = operations.update_tool(
            actor=actor, tool=tool, data=data_of(tool, **changes), today=today or clock.today()
        )
        db.session.commit()
        notice_id = result.notice.id if result.notice else None
        db.session.remove()
    return notice_id


def notices(app):
    with app.app_context():
        rows = [
            (n.tool_id, n.agreement_lapsed, n.no_longer_approved, n.new_categories, n.lapse_key)
            for n in db.session.scalars(select(ToolChangeNotice).order_by(ToolChangeNotice.id))
        ]
        db.session.remove()
    return rows


def with_category(tool_key, app, demo, category, note):
    with app.app_context():
        tool = db.session.get(Tool, demo.tools[tool_key])
        categories = {c.category: c.note for c in tool.data_categories} | {category: note}
        db.session.remove()
    return categories


def test_a_new_category_tells_each_guardian_of_a_user_once(app, demo, as_):
    categories = with_category("zoom", app, demo, "Student Survey Responses", "in-meeting polls")
    lee = as_("lee")
    with app.app_context():
        payload = form_of(db.session.get(Tool, demo.tools["zoom"]), categories=categories)
        db.session.remove()
    answer = lee.post(f"/tools/{demo.tools['zoom']}/edit", payload, follow_redirects=True)
    assert "8 guardians will be told" in answer.get_data(as_text=True)
    # Maria has two children using Zoom and hears once; Grace (no FERPA rights) not at all.
    assert told(app, demo) == sorted(ZOOM_GUARDIANS)
    [(tool_id, lapsed, unapproved, new, _key)] = notices(app)
    assert (tool_id, lapsed, unapproved, new) == (
        demo.tools["zoom"],
        False,
        False,
        "Student Survey Responses",
    )
    with app.app_context():
        notice = db.session.scalar(select(ToolChangeNotice))
        assert notice.guardians_notified == 8
        db.session.remove()


def test_the_message_reaches_the_guardian_by_email(app, demo, smtp):
    categories = with_category("zoom", app, demo, "Student Survey Responses", "in-meeting polls")
    edit(app, demo, "zoom", categories=categories)
    with app.app_context():
        report = deliver_due()
        db.session.remove()
    assert report.failed == 0
    [message] = [m for m in smtp.to("james.chen@demo.consent.example") if "Zoom" in m["Subject"]]
    assert "an online tool your child uses" in message["Subject"]
    [part] = [p for p in message.walk() if p.get_content_type() == "text/plain"]
    body = part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    assert "Student Survey Responses" in body
    assert "http://consent.test/children" in body


def test_changes_families_need_not_hear_about_tell_nobody(app, demo):
    with app.app_context():
        zoom = db.session.get(Tool, demo.tools["zoom"])
        fewer = {c.category: c.note for c in zoom.data_categories if c.category != "Other"}
        db.session.remove()
    assert edit(app, demo, "zoom", vendor="Zoom Video", purpose="Video lessons.") is None
    assert edit(app, demo, "zoom", categories=fewer) is None  # collecting less
    assert edit(app, demo, "zoom", vetting_status=VettingStatus.APPROVED_WITH_CONDITIONS) is None
    assert notices(app) == [] and told(app, demo) == []


def test_no_longer_approved_and_a_new_legal_basis_are_told(app, demo):
    assert edit(app, demo, "seesaw", vetting_status=VettingStatus.NOT_APPROVED) is not None
    assert told(app, demo) == sorted(SEESAW_GUARDIANS)
    assert edit(app, demo, "zoom", legal_basis=LegalBasis.PARENT_CONSENT) is not None
    assert sorted(set(told(app, demo))) == sorted(SEESAW_GUARDIANS | ZOOM_GUARDIANS)
    with app.app_context():
        seesaw, zoom = db.session.scalars(
            select(ToolChangeNotice).order_by(ToolChangeNotice.id)
        ).all()
        assert seesaw.no_longer_approved and seesaw.vetting_status is VettingStatus.NOT_APPROVED
        assert zoom.legal_basis_before is LegalBasis.SCHOOL_OFFICIAL
        assert zoom.legal_basis_after is LegalBasis.PARENT_CONSENT
        db.session.remove()


def test_an_agreement_moved_off_signed_is_told_once(app, demo):
    edit(
        app,
        demo,
        "zoom",
        agreement_status=AgreementStatus.NEGOTIATING,
        agreement_signed_on=None,
        agreement_expires_on=None,
    )
    assert [n[1] for n in notices(app)] == [True]
    # Still not signed: a later edit, and the scheduled check, say nothing more.
    edit(app, demo, "zoom", agreement_status=AgreementStatus.NONE)
    with app.app_context():
        assert operations.check_agreements(today=clock.today()) == []
        db.session.commit()
        db.session.remove()
    assert len(notices(app)) == 1 and told(app, demo) == sorted(ZOOM_GUARDIANS)


def test_the_scheduled_check_tells_each_lapse_once(app, demo):
    with app.app_context():
        zoom = db.session.get(Tool, demo.tools["zoom"])
        ends = zoom.agreement_expires_on
        db.session.remove()
    day_after = ends + timedelta(days=1)
    runner = app.test_cli_runner()
    with app.app_context():
        assert operations.check_agreements(today=ends) == []  # the last day still counts
        db.session.remove()
    with app.app_context():
        first = operations.check_agreements(today=day_after)
        db.session.commit()
        assert [n.tool_id for n in first] == [demo.tools["zoom"]]
        db.session.remove()
    assert told(app, demo) == sorted(ZOOM_GUARDIANS)
    # Run again (by cron, the next morning): nothing new.
    with app.app_context():
        assert operations.check_agreements(today=day_after + timedelta(days=1)) == []
        db.session.remove()
    result = runner.invoke(args=["catalog", "check-agreements"])
    assert result.exit_code == 0, result.output
    assert notices(app)[0][4] == f"expired:{ends.isoformat()}"
    assert len(notices(app)) == 1 and told(app, demo) == sorted(ZOOM_GUARDIANS)
    # Marking the lapsed agreement as being renegotiated is not a second lapse ...
    edit(
        app,
        demo,
        "zoom",
        today=day_after,
        agreement_status=AgreementStatus.NEGOTIATING,
        agreement_signed_on=None,
        agreement_expires_on=None,
    )
    assert len(notices(app)) == 1
    # ... but a renewed agreement that ends later lapses anew.
    renewed = day_after + timedelta(days=30)
    edit(
        app,
        demo,
        "zoom",
        today=day_after,
        agreement_status=AgreementStatus.SIGNED,
        agreement_signed_on=day_after,
        agreement_expires_on=renewed,
    )
    with app.app_context():
        [again] = operations.check_agreements(today=renewed + timedelta(days=1))
        db.session.commit()
        assert again.lapse_key == f"expired:{renewed.isoformat()}"
        db.session.remove()
    assert len(told(app, demo)) == 2 * len(ZOOM_GUARDIANS)


def test_the_cli_check_tells_families_when_run_by_cron(app, demo):
    with app.app_context():
        zoom = db.session.get(Tool, demo.tools["zoom"])
        zoom.agreement_expires_on = clock.today() - timedelta(days=1)
        db.session.commit()
        db.session.remove()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["catalog", "check-agreements"])
    second = runner.invoke(args=["catalog", "check-agreements"])
    assert first.exit_code == 0 and second.exit_code == 0
    assert "agreements lapsed 1, guardians told 8" in first.output
    assert "agreements lapsed 0, guardians told 0" in second.output
    assert told(app, demo) == sorted(ZOOM_GUARDIANS)


def test_an_edit_after_the_end_date_before_the_check_still_tells(app, demo):
    """The end date passed overnight and the office marks it ended before cron runs."""
    with app.app_context():
        zoom = db.session.get(Tool, demo.tools["zoom"])
        zoom.agreement_expires_on = clock.today() - timedelta(days=1)
        db.session.commit()
        db.session.remove()
    edit(
        app,
        demo,
        "zoom",
        agreement_status=AgreementStatus.NONE,
        agreement_signed_on=None,
        agreement_expires_on=None,
    )
    with app.app_context():
        assert operations.check_agreements(today=clock.today()) == []
        db.session.remove()
    assert [n[1] for n in notices(app)] == [True]
    assert told(app, demo) == sorted(ZOOM_GUARDIANS)


def test_a_district_wide_tool_is_told_in_one_statement_per_language(app, demo, monkeypatch):
    monkeypatch.setattr(notifications, "available_locales", lambda: ["en", "es"])
    categories = with_category("classroom", app, demo, "Assessment", "quiz scores")
    with count_queries(app) as statements:
        edit(app, demo, "classroom", categories=categories)
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT INTO NOTIFICATION")]
    assert len(inserts) == 2  # English and Spanish, whatever the number of guardians
    # Every rights holder in the district: not Grace (a relative), nor Rosa, whose son Daniel
    # turned 18 and holds the rights himself.
    everyone = sorted(set(demo.guardians) - {"grace", "rosa"})
    assert told(app, demo) == everyone
    with app.app_context():
        rows = dict(
            db.session.execute(
                select(Guardian.given_name, Notification.language)
                .join(Notification, Notification.guardian_id == Guardian.id)
                .where(Guardian.given_name.in_(["Maria", "Luis", "Linda"]))
            ).all()
        )
        no_address = db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(
                Notification.kind == "catalog/tool_changed",
                Notification.delivery_status == DeliveryStatus.NO_ADDRESS,
            )
        )
        db.session.remove()
    assert rows == {"Maria": "es", "Luis": "en", "Linda": "es"}
    assert no_address == 1  # Linda has no email address: the message waits in her inbox


def test_the_change_is_listed_once_on_each_affected_childs_page(app, demo, as_):
    categories = with_category("zoom", app, demo, "Student Survey Responses", "in-meeting polls")
    edit(app, demo, "zoom", categories=categories)
    assert len(notices(app)) == 1  # stored once, not once per child
    maria = as_("maria")
    for child in ("sofia", "mateo"):
        page = maria.get(f"/students/{demo.students[child]}").get_data(as_text=True)
        assert "Changes to" in page
        assert "Now collects: Student Survey Responses." in page
    # Lucas (Science 7, English 7) does not use Zoom: his page lists no change.
    page = as_("reed").get(f"/students/{demo.students['lucas']}").get_data(as_text=True)
    assert "Student Survey Responses" not in page and "Changes to" not in page
