"""Opt-outs follow the child, proven with a before/after pair of real OneRoster files: the
bulk set with guardians, then the delta set (a student leaves a class, another leaves the
district, a guardian link ends)."""

import shutil
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from consent.accounts.models import Account
from consent.catalog.models import Tool
from consent.core import clock
from consent.extensions import db
from consent.optouts import operations as ops
from consent.optouts.models import Event, OptOut, OptOutStatus, TaskStatus
from consent.roster.models import Guardian, GuardianLink, RosterImport, School, Student
from consent.roster.operations import import_roster

DATA = Path(__file__).resolve().parents[1] / "roster" / "data"


def dated_copy(name: str, target: Path, today) -> Path:
    """The set with its school year moved around today, so its classes are current."""
    shutil.copytree(DATA / name, target)
    shifts = {
        "2025-08-18": today - timedelta(days=60),
        "2025-12-19": today + timedelta(days=30),
        "2026-01-05": today + timedelta(days=31),
        "2026-06-12": today + timedelta(days=200),
    }
    for path in target.glob("*.csv"):
        text = path.read_text(encoding="utf-8-sig")
        for old, new in shifts.items():
            text = text.replace(old, new.isoformat())
        path.write_text(text, encoding="utf-8")
    return target


def file_for(guardian_sourced_id: str, student_sourced_id: str) -> int:
    guardian = db.session.scalar(select(Guardian).where(Guardian.sourced_id == guardian_sourced_id))
    account = Account(email=guardian.email, password_hash="x", guardian=guardian)
    db.session.add(account)
    tool = db.session.scalar(select(Tool).where(Tool.name == "Google Classroom"))  # district-wide
    student = db.session.scalar(select(Student).where(Student.sourced_id == student_sourced_id))
    filing = ops.file_optout(
        actor=account,
        student=student,
        tool=tool,
        feature="",
        accommodation=tool.optout_options[0].label,
    )
    db.session.commit()
    return filing.optout.id


def test_before_and_after_roster_files(ctx, tmp_path):
    today = clock.today()
    before = import_roster(
        dated_copy("oneroster-1.1-guardians", tmp_path / "a", today), today=today
    )
    assert not before.problems, before.problems
    db.session.commit()

    zoe = file_for("g1", "stu2")  # Zoë, Science 5 with Ana García
    amara = file_for("g3", "stu3")  # Amara, Math 7
    assert [t.teacher.sourced_id for t in db.session.get(OptOut, zoe).tasks] == ["t1"]

    after = import_roster(dated_copy("oneroster-1.1-delta", tmp_path / "b", today), today=today)
    assert not after.problems, after.problems
    db.session.commit()
    assert after.summary.follow.tasks_closed >= 1
    assert after.summary.follow.requests_closed == 1

    # Zoë left Science 5: Ms. García's task is closed and the timeline says why.
    zoe_request = db.session.get(OptOut, zoe)
    assert [t.status for t in zoe_request.tasks] == [TaskStatus.CLOSED]
    assert zoe_request.tasks[0].closed_reason == "student left the section"
    kinds = db.session.scalars(select(Event.kind).where(Event.optout_id == zoe)).all()
    assert "teacher_left" in kinds

    # Amara left the district: her request is closed with the reason.
    amara_request = db.session.get(OptOut, amara)
    assert amara_request.status is OptOutStatus.CLOSED
    # Her guardian's link ended with it.
    assert not db.session.scalar(
        select(GuardianLink.active)
        .join(Guardian, Guardian.id == GuardianLink.guardian_id)
        .where(Guardian.sourced_id == "g3")
    )

    # The same delta again changes nothing.
    again = import_roster(dated_copy("oneroster-1.1-delta", tmp_path / "c", today), today=today)
    assert not again.summary.changed


def test_a_dry_run_undoes_the_import_and_nothing_its_caller_did(ctx, tmp_path):
    """A dry run applies the set and undoes it, but the caller's transaction is the caller's:
    what it wrote before the import stays, and the run is logged (import_roster rolled the
    whole transaction back until the savepoint)."""
    today = clock.today()
    db.session.add(School(sourced_id="school-the-caller-added", name="Added before the import"))
    db.session.flush()
    runs = db.session.scalar(select(func.count()).select_from(RosterImport))

    result = import_roster(
        dated_copy("oneroster-1.1-guardians", tmp_path / "a", today), today=today, dry_run=True
    )

    assert not result.problems, result.problems
    assert result.summary is not None and result.summary.changed, "the set was applied"
    assert db.session.scalar(select(Student).where(Student.sourced_id == "stu2")) is None
    assert db.session.scalar(
        select(School).where(School.sourced_id == "school-the-caller-added")
    ), "the caller's own row was rolled back with the dry run"
    assert db.session.scalar(select(func.count()).select_from(RosterImport)) == runs + 1
