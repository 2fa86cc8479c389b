"""Applying a validated roster to the database in one transaction, set by set.

Every kind is synchronised with a handful of statements whatever its size: the existing rows
are read once, compared in memory, and written back with executemany. Bulk files are the whole
truth (missing records become inactive; nothing is deleted); delta files change only the
records they carry. Importing the same set twice changes nothing the second time.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Table, bindparam, delete, insert, select, update

from consent.accounts.models import Account
from consent.db import chunks
from consent.extensions import db
from consent.optouts.operations import FollowReport, follow_roster
from consent.roster.importer.records import Mode, Problem, RosterSet
from consent.roster.models import (
    Enrollment,
    Guardian,
    GuardianLink,
    Relationship,
    School,
    Section,
    Staff,
    StaffRole,
    Student,
    section_teacher,
)


class ImportRefused(Exception):
    """The set refers to records this district does not have; nothing was written."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


@dataclass
class KindCounts:
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deactivated


@dataclass
class ImportSummary:
    counts: dict[str, KindCounts] = field(default_factory=dict)
    follow: FollowReport = field(default_factory=FollowReport)

    @property
    def changed(self) -> bool:
        return any(c.changed for c in self.counts.values()) or bool(self.follow.rerouted)

    def lines(self) -> list[str]:
        out = [
            f"{kind:<12} created {c.created}, updated {c.updated}, "
            f"deactivated {c.deactivated}, unchanged {c.unchanged}"
            for kind, c in self.counts.items()
        ]
        f = self.follow
        out.append(
            f"opt-outs re-routed: {f.tasks_added} tasks added, {f.tasks_closed} tasks closed, "
            f"{f.school_moves} school moves, {f.requests_closed} requests closed"
        )
        if not self.changed:
            out.append("Nothing changed: the district already matches this roster.")
        return out


def _sync(
    table: Table,
    records: dict[str, dict],
    mode: Mode,
    counts: KindCounts,
    *,
    key: str = "sourced_id",
    insert_only: dict | None = None,
    deactivate: Callable[[object], dict] | None = None,
) -> dict[str, int]:
    """Make `table` match `records` (key → column values). Returns key → id for every row."""
    existing = {row._mapping[key]: row for row in db.session.execute(select(table))}
    inserts, updates = [], []
    for record_key, values in records.items():
        row = existing.get(record_key)
        if row is None:
            if values.get("active", True) is False and mode is Mode.DELTA:
                continue  # a deletion of something we never had
            inserts.append({key: record_key, **(insert_only or {}), **values})
            counts.created += 1
        elif any(row._mapping[c] != v for c, v in values.items()):
            if row._mapping.get("active", True) and values.get("active", True) is False:
                counts.deactivated += 1
            else:
                counts.updated += 1
            updates.append({"_id": row.id, **values})
        else:
            counts.unchanged += 1
    if mode is Mode.BULK and deactivate is not None:
        for record_key, row in existing.items():
            if record_key is None or record_key in records:
                continue
            change = deactivate(row)
            if change:
                updates.append({"_id": row.id, **change})
                counts.deactivated += 1
    doomed = [change["_id"] for change in updates if change.get("_delete")]
    if doomed:
        for chunk in chunks(doomed):
            db.session.execute(delete(table).where(table.c.id.in_(chunk)))
        updates = [change for change in updates if not change.get("_delete")]
    if inserts:
        db.session.execute(insert(table), inserts)
    by_columns: dict[tuple, list[dict]] = {}
    for change in updates:
        by_columns.setdefault(tuple(sorted(change)), []).append(change)
    for names, rows in by_columns.items():
        values = {n: bindparam(n) for n in names if n != "_id"}
        db.session.execute(
            update(table).where(table.c.id == bindparam("_id")).values(values),
            rows,
            execution_options={"synchronize_session": False},
        )
    return {
        row[0]: row[1]
        for row in db.session.execute(select(table.c[key], table.c.id))
        if row[0] is not None
    }


def _deactivate_if_active(row) -> dict:
    return {"active": False} if row._mapping["active"] else {}


def _ids(mapping: dict[str, int], ref: str, kind: str, problems: list[Problem]) -> int | None:
    found = mapping.get(ref)
    if found is None:
        problems.append(
            Problem(kind, 0, "", f"refers to {ref!r}, which this district does not have")
        )
    return found


def apply_roster(
    roster: RosterSet, *, today: date, progress: Callable[[str], None] = lambda step: None
) -> ImportSummary:
    """Write the roster in the caller's transaction and re-route opt-outs; flush, never commit."""
    summary = ImportSummary(
        counts={
            k: KindCounts()
            for k in (
                "schools",
                "staff",
                "students",
                "guardians",
                "links",
                "sections",
                "enrollments",
            )
        }
    )
    problems: list[Problem] = []
    mode = roster.modes
    yesterday = today - timedelta(days=1)

    progress("schools")
    schools = _sync(
        School.__table__,
        {r.sourced_id: {"name": r.name, "active": r.active} for r in roster.schools.values()},
        mode.get("schools", Mode.ABSENT),
        summary.counts["schools"],
        deactivate=_deactivate_if_active,
    )

    progress("staff")
    staff_values = {}
    for r in roster.staff.values():
        school_id = (
            _ids(schools, r.school_sourced_id, "staff", problems) if r.school_sourced_id else None
        )
        staff_values[r.sourced_id] = {
            "given_name": r.given_name,
            "family_name": r.family_name,
            "email": r.email or "",
            "role": StaffRole(r.role),
            "school_id": school_id,
            "active": r.active,
        }
    # The privacy office's own staff records are not the SIS's to deactivate.
    staff = _sync(
        Staff.__table__,
        staff_values,
        mode.get("staff", Mode.ABSENT),
        summary.counts["staff"],
        deactivate=lambda row: (
            {"active": False}
            if row._mapping["active"] and row._mapping.get("role") is not StaffRole.PRIVACY_OFFICER
            else {}
        ),
    )

    progress("students")
    before = {
        sid: (school_id, active)
        for sid, school_id, active in db.session.execute(
            select(Student.sourced_id, Student.school_id, Student.active)
        )
    }
    student_values = {}
    for r in roster.students.values():
        student_values[r.sourced_id] = {
            "district_identifier": r.identifier,
            "given_name": r.given_name,
            "family_name": r.family_name,
            "grade": r.grade,
            "school_id": _ids(schools, r.school_sourced_id, "students", problems),
            "active": r.active,
        }
    if problems:
        raise ImportRefused(problems)
    students = _sync(
        Student.__table__,
        student_values,
        mode.get("students", Mode.ABSENT),
        summary.counts["students"],
        deactivate=_deactivate_if_active,
    )
    after = {
        sid: (school_id, active)
        for sid, school_id, active in db.session.execute(
            select(Student.sourced_id, Student.school_id, Student.active)
        )
    }
    departed = [
        students[s]
        for s, (_, active) in after.items()
        if not active and before.get(s, (0, False))[1]
    ]
    moved = [
        students[s]
        for s, (school, active) in after.items()
        if active and s in before and before[s][0] != school
    ]

    progress("guardians")
    guardians = _sync(
        Guardian.__table__,
        {
            r.sourced_id: {
                "given_name": r.given_name,
                "family_name": r.family_name,
                "email": r.email,
                "phone": r.phone,
                "active": r.active,
            }
            for r in roster.guardians.values()
        },
        mode.get("guardians", Mode.ABSENT),
        summary.counts["guardians"],
        insert_only={"preferred_language": "en"},
        deactivate=_deactivate_if_active,
    )

    progress("links")
    _sync_links(roster, guardians, students, mode.get("links", Mode.ABSENT), summary, problems)

    progress("sections")
    section_values = {
        r.sourced_id: {
            "title": r.title,
            "term": r.term,
            "active": r.active,
            "school_id": _ids(schools, r.school_sourced_id, "sections", problems),
        }
        for r in roster.sections.values()
    }
    if problems:
        raise ImportRefused(problems)
    sections = _sync(
        Section.__table__,
        section_values,
        mode.get("sections", Mode.ABSENT),
        summary.counts["sections"],
        deactivate=_deactivate_if_active,
    )
    _sync_section_teachers(roster, sections, staff, problems)

    progress("enrollments")
    dropped = [r.sourced_id for r in roster.enrollments.values() if not r.active]
    began = {}
    for chunk in chunks(dropped):
        began.update(
            db.session.execute(
                select(Enrollment.sourced_id, Enrollment.begin_date).where(
                    Enrollment.sourced_id.in_(chunk)
                )
            ).all()
        )
    enrollment_values, never_began = {}, []
    for r in roster.enrollments.values():
        values = {
            "student_id": _ids(students, r.student_sourced_id, "enrollments", problems),
            "section_id": _ids(sections, r.section_sourced_id, "enrollments", problems),
            "end_date": r.end_date,
        }
        if r.begin_date is not None:  # else keep the start we have (today for a new one)
            values["begin_date"] = r.begin_date
        if not r.active:
            begin = r.begin_date or began.get(r.sourced_id)
            if begin is None or begin >= today:
                # Dropped before it began: there is no history to keep.
                never_began.append(r.sourced_id)
                continue
            if r.end_date is None or r.end_date >= today:
                values["end_date"] = yesterday  # ended: no longer current today
        enrollment_values[r.sourced_id] = values
    if problems:
        raise ImportRefused(problems)

    def end_enrollment(row):
        end, begin = row._mapping["end_date"], row._mapping["begin_date"]
        if end is not None and end < today:
            return {}
        if begin >= today:
            return {"_delete": True}
        return {"end_date": yesterday}

    _rekey_enrollments(enrollment_values)
    counts = summary.counts["enrollments"]
    _sync(
        Enrollment.__table__,
        enrollment_values,
        mode.get("enrollments", Mode.ABSENT),
        counts,
        insert_only={"begin_date": today},
        deactivate=end_enrollment,
    )
    for chunk in chunks(never_began):
        counts.deactivated += db.session.execute(
            delete(Enrollment)
            .where(Enrollment.sourced_id.in_(chunk))
            .execution_options(synchronize_session=False)
        ).rowcount
    _deactivate_accounts()
    db.session.flush()
    db.session.expire_all()

    progress("opt-outs")
    summary.follow = follow_roster(
        today=today, departed_student_ids=departed, moved_student_ids=moved
    )
    return summary


def _sync_links(roster, guardians, students, mode, summary, problems) -> None:
    table = GuardianLink.__table__
    counts = summary.counts["links"]
    wanted = {}
    for (g_sid, s_sid), r in roster.links.items():
        g, s = _ids(guardians, g_sid, "links", problems), _ids(students, s_sid, "links", problems)
        wanted[(g, s)] = {
            "relationship": Relationship(r.relationship),
            "has_rights": r.has_rights,
            "active": r.active,
        }
    if problems:
        raise ImportRefused(problems)
    existing = {
        (row.guardian_id, row.student_id): row
        for row in db.session.execute(
            select(
                table.c.id,
                table.c.guardian_id,
                table.c.student_id,
                table.c.relationship,
                table.c.has_rights,
                table.c.active,
            )
        )
    }
    inserts, updates = [], []
    for (g, s), values in wanted.items():
        row = existing.get((g, s))
        if row is None:
            if values["active"] or mode is not Mode.DELTA:
                inserts.append({"guardian_id": g, "student_id": s, **values})
                counts.created += 1
        elif any(row._mapping[c] != v for c, v in values.items()):
            updates.append({"_id": row.id, **values})
            counts.deactivated += row.active and not values["active"]
            counts.updated += not (row.active and not values["active"])
        else:
            counts.unchanged += 1
    if mode is Mode.BULK:
        for pair, row in existing.items():
            if pair not in wanted and row.active:
                updates.append(
                    {
                        "_id": row.id,
                        "relationship": row.relationship,
                        "has_rights": row.has_rights,
                        "active": False,
                    }
                )
                counts.deactivated += 1
    if inserts:
        db.session.execute(insert(table), inserts)
    if updates:
        db.session.execute(
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values(
                relationship=bindparam("relationship"),
                has_rights=bindparam("has_rights"),
                active=bindparam("active"),
            ),
            updates,
            execution_options={"synchronize_session": False},
        )


def _sync_section_teachers(roster, sections, staff, problems) -> None:
    """Each section in the set gets exactly the teachers the set names for it."""
    wanted = set()
    for r in roster.sections.values():
        for t in r.teacher_sourced_ids:
            teacher = _ids(staff, t, "sections", problems)
            wanted.add((sections[r.sourced_id], teacher))
    if problems:
        raise ImportRefused(problems)
    in_set = [sections[r.sourced_id] for r in roster.sections.values()]
    existing = set()
    for start in range(0, len(in_set), 5000):
        chunk = in_set[start : start + 5000]
        existing.update(
            db.session.execute(
                select(section_teacher.c.section_id, section_teacher.c.staff_id).where(
                    section_teacher.c.section_id.in_(chunk)
                )
            ).all()
        )
    existing = {tuple(p) for p in existing}
    gone = existing - wanted
    if gone:
        db.session.execute(
            delete(section_teacher).where(
                section_teacher.c.section_id == bindparam("s"),
                section_teacher.c.staff_id == bindparam("t"),
            ),
            [{"s": s, "t": t} for s, t in gone],
        )
    added = wanted - existing
    if added:
        db.session.execute(
            insert(section_teacher), [{"section_id": s, "staff_id": t} for s, t in added]
        )


def _rekey_enrollments(values: dict[str, dict]) -> None:
    """An enrollment sent under a new sourcedId (some SIS exports regenerate them) takes over
    the row with the same student, section and start, instead of colliding with it."""
    known = set(
        db.session.scalars(select(Enrollment.sourced_id).where(Enrollment.sourced_id.is_not(None)))
    )
    wanted = {
        (v["student_id"], v["section_id"], v["begin_date"]): sourced_id
        for sourced_id, v in values.items()
        if sourced_id not in known and "begin_date" in v
    }
    del known
    students = {student_id for student_id, _, _ in wanted}
    renames = []
    for chunk in chunks(students):
        for row in db.session.execute(
            select(
                Enrollment.id,
                Enrollment.sourced_id,
                Enrollment.student_id,
                Enrollment.section_id,
                Enrollment.begin_date,
            ).where(Enrollment.student_id.in_(chunk))
        ):
            new_id = wanted.get((row.student_id, row.section_id, row.begin_date))
            if new_id is not None and row.sourced_id != new_id and row.sourced_id not in values:
                renames.append({"_id": row.id, "sourced_id": new_id})
    if renames:
        db.session.execute(
            update(Enrollment.__table__)
            .where(Enrollment.__table__.c.id == bindparam("_id"))
            .values(sourced_id=bindparam("sourced_id")),
            renames,
            execution_options={"synchronize_session": False},
        )


def _deactivate_accounts() -> None:
    """A person the roster deactivated can no longer sign in."""
    for column, person in ((Account.staff_id, Staff), (Account.guardian_id, Guardian)):
        db.session.execute(
            update(Account)
            .where(
                column.in_(select(person.id).where(person.active.is_(False))),
                Account.active.is_(True),
            )
            .values(active=False)
            .execution_options(synchronize_session=False)
        )
