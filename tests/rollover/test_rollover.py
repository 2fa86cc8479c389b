"""`flask year rollover`: confirmed opt-outs carry over or end as the district's rule says, each
with its timeline line and audit row; each guardian is told once; the year's forms are copied as
drafts; open requests are untouched; a dry run and a second run change nothing. Years come from
the clock, so the suite passes on any date."""

import pytest
from sqlalchemy import func, select

from consent.accounts.models import Account
from consent.audit.models import AuditEvent
from consent.consentforms.models import ConsentAnswer, ConsentForm, FormKind, FormStatus
from consent.consentforms.operations import latest_version
from consent.extensions import db
from consent.notifications.models import Notification
from consent.optouts.models import Event, OptOut, OptOutStatus, TaskStatus
from consent.rollover.models import Rollover
from consent.rollover.operations import NOTICE, plan_rollover, roll_over
from consent.rollover.rules import RolloverError, a_year_later, next_school_year
from tests.rollover.helpers import fingerprint, statuses, this_year, three_confirmed


def rollover(app, *args):
    result = app.test_cli_runner().invoke(args=["year", "rollover", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_preview_counts_what_would_happen_and_changes_nothing(app, demo):
    three_confirmed(app, demo)
    before = fingerprint(app)
    with app.app_context():
        plan = plan_rollover(this_year())
        assert plan.into_year == next_school_year(this_year())
        assert {(t.name, t.action.value, t.count) for t in plan.tools} == {
            ("Zoom", "carry", 2),
            ("Seesaw", "end", 1),
        }
        assert (plan.carried, plan.ended) == (2, 1)
        assert plan.forms == 3  # the demo's photo release, Riverside's directory form, Flip's
        assert plan.guardians == 3  # Maria, Luis, James; not Grace, a relative
        open_now = db.session.scalar(
            select(func.count()).where(OptOut.status.in_(["submitted", "in_progress", "planned"]))
        )
        assert plan.open_untouched == open_now > 0
        assert plan.done is None
        db.session.rollback()
    assert fingerprint(app) == before


def test_the_dry_run_prints_the_counts_and_changes_nothing(app, demo):
    three_confirmed(app, demo)
    before = fingerprint(app)
    output = rollover(app, "--dry-run")
    assert f"School year {this_year()} → {next_school_year(this_year())}" in output
    assert "opt-outs carried 2, ended 1" in output
    assert "forms copied as drafts 3, guardians told 3" in output
    assert "Dry run: nothing changed." in output
    assert fingerprint(app) == before


def test_the_rollover_carries_ends_tells_and_copies_and_leaves_open_requests(app, demo):
    three_confirmed(app, demo)
    before = statuses(app)
    year, into = this_year(), next_school_year(this_year())
    output = rollover(app)
    assert "Rolled over: opt-outs carried 2, ended 1, forms copied as drafts 3" in output
    assert "guardians told 3" in output
    after = statuses(app)
    with app.app_context():
        zoom = set(
            db.session.scalars(
                select(OptOut.id).where(
                    OptOut.tool_id == demo.tools["zoom"], OptOut.status == "confirmed"
                )
            )
        )
        seesaw = db.session.get(OptOut, demo.optouts["planned"])
        # Zoom's rule carries: still confirmed, a line on each timeline, an audit row each.
        assert zoom == {demo.optouts["confirmed"], demo.optouts["submitted"]}
        carried = db.session.scalars(select(Event).where(Event.kind == "carried_over")).all()
        assert {e.optout_id for e in carried} == zoom
        assert all(into in e.note and e.actor_role == "system" for e in carried)
        # The rule for all tools ends Seesaw's: closed, with the reason, its tasks closed.
        assert seesaw.status is OptOutStatus.CLOSED and seesaw.ended_at is not None
        ended = db.session.scalars(select(Event).where(Event.kind == "year_ended")).one()
        assert ended.optout_id == seesaw.id
        assert (ended.from_status, ended.to_status) == ("confirmed", "closed")
        assert year in ended.note and "Seesaw" in ended.note
        assert {t.status for t in seesaw.tasks} == {TaskStatus.CLOSED}
        assert {t.closed_reason for t in seesaw.tasks} == {"school year ended"}
        audit = db.session.execute(
            select(AuditEvent.action, AuditEvent.target, AuditEvent.actor_role).where(
                AuditEvent.action.like("optout.year_%") | (AuditEvent.action == "rollover.run")
            )
        ).all()
        assert sorted(audit) == sorted(
            [("optout.year_carry", f"optout:{i}", "system") for i in zoom]
            + [("optout.year_end", f"optout:{seesaw.id}", "system")]
            + [("rollover.run", f"rollover:{year}", "system")]
        )
        # Every other request is exactly as it was.
        changed = {i for i in before if before[i] != after[i]}
        assert changed == {seesaw.id}
        # One message per guardian with rights, listing their children's opt-outs.
        told = db.session.execute(
            select(Notification.guardian_id, func.count())
            .where(Notification.kind == NOTICE)
            .group_by(Notification.guardian_id)
        ).all()
        assert dict(told) == {
            demo.guardians["maria"]: 1,
            demo.guardians["luis"]: 1,
            demo.guardians["james"]: 1,
        }
        # Each of the year's forms is copied as a draft for the new year, without its answers.
        by_title = lambda school_year: sorted(  # noqa: E731
            db.session.scalars(select(ConsentForm).where(ConsentForm.school_year == school_year)),
            key=lambda f: f.title,
        )
        olds, news = by_title(year), by_title(into)
        assert len(olds) == len(news) == 3
        for old, new in zip(olds, news, strict=True):
            assert new.status is FormStatus.DRAFT and old.status is FormStatus.PUBLISHED
            assert (new.kind, new.mode, new.title) == (old.kind, old.mode, old.title)
            assert (new.opens_on, new.closes_on) == (
                a_year_later(old.opens_on),
                a_year_later(old.closes_on),
            )
            assert latest_version(new).text == latest_version(old).text
            assert latest_version(new).number == 1
            assert not db.session.scalar(
                select(func.count()).where(ConsentAnswer.form_id == new.id)
            )
        done = db.session.scalars(select(Rollover)).one()
        assert (done.school_year, done.into_year) == (year, into)
        assert (done.carried, done.ended, done.forms_copied, done.guardians_told) == (2, 1, 3, 3)
        assert done.done_by_account_id is None


def test_running_it_twice_changes_nothing(app, demo):
    three_confirmed(app, demo)
    rollover(app)
    after_first = fingerprint(app)
    output = rollover(app)
    assert f"School year {this_year()} was rolled over on" in output
    assert "opt-outs carried 2, ended 1" in output and "Nothing changed." in output
    assert fingerprint(app) == after_first
    assert "Nothing changed." in rollover(app, "--dry-run")
    assert fingerprint(app) == after_first


def test_the_operation_refuses_a_second_run_and_anyone_but_the_office(app, demo):
    with app.app_context():
        brooks = db.session.get(Account, demo.accounts["brooks"])
        with pytest.raises(RolloverError, match="Only the privacy office"):
            roll_over(actor=brooks, school_year=this_year())
        db.session.rollback()
        lee = db.session.get(Account, demo.accounts["lee"])
        done = roll_over(actor=lee, school_year=this_year())
        assert done.done_by_account_id == lee.id
        assert (done.carried, done.ended) == (1, 0)  # the demo's one, carried by default
        db.session.commit()
        with pytest.raises(RolloverError, match="already been rolled over"):
            roll_over(actor=lee, school_year=this_year())
        db.session.rollback()
        last = f"{int(this_year()[:4]) - 1}-{this_year()[:4]}"
        with pytest.raises(RolloverError, match="earlier year"):
            roll_over(actor=lee, school_year=last)
        db.session.rollback()
        db.session.remove()


def test_a_form_the_office_already_made_for_the_new_year_is_not_copied_again(app, demo):
    year, into = this_year(), next_school_year(this_year())
    with app.app_context():
        old = db.session.scalars(
            select(ConsentForm).where(
                ConsentForm.school_year == year, ConsentForm.kind == FormKind.MEDIA_RELEASE
            )
        ).one()
        from consent.consentforms.operations import copy_as_draft

        copy_as_draft(
            actor=None,
            form=old,
            school_year=into,
            opens_on=old.opens_on,
            closes_on=old.closes_on,
        )
        db.session.commit()
        assert plan_rollover(year).forms == 2  # the other two of the demo's three
        db.session.remove()
    assert "forms copied as drafts 2" in rollover(app)
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(ConsentForm.school_year == into)) == 3
        db.session.remove()


def test_a_bad_year_is_refused_and_changes_nothing(app, demo):
    before = fingerprint(app)
    result = app.test_cli_runner().invoke(args=["year", "rollover", "--year", "2026"])
    assert result.exit_code != 0 and "2026-2027" in result.output
    start = int(this_year()[:4])
    result = app.test_cli_runner().invoke(
        args=["year", "rollover", "--year", f"{start + 1}-{start + 2}"]
    )
    assert result.exit_code != 0 and "this school year or the last" in result.output
    assert fingerprint(app) == before
