"""The import's bulk writes: COPY on PostgreSQL writes exactly what executemany writes, large
change sets go through one staged UPDATE, and a generated district re-imports unchanged with the
same summary counts. Run on SQLite these exercise the executemany path; on PostgreSQL both."""

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, insert, inspect, select, text
from sqlalchemy.exc import IntegrityError

from bench.generate_district import default_school_year, generate
from consent.core import clock
from consent.extensions import db
from consent.roster.importer import apply
from consent.roster.importer.apply import apply_roster, insert_rows, update_rows
from consent.roster.importer.readers import read_roster
from consent.roster.models import Enrollment, Guardian, GuardianLink, Student

# Names a CSV export really carries, and the characters COPY's text format must escape.
AWKWARD = ["Nguyễn", "Zoë", "O'Brien", 'say "hi"', "tab\there", "back\\slash", "new\nline", ""]


def guardian_rows(prefix: str, count: int) -> list[tuple]:
    return [
        (
            f"{prefix}-{n}",
            AWKWARD[n % len(AWKWARD)],
            f"Family {n}",
            None if n % 3 == 0 else f"g{n}@example.org",
            None if n % 2 else "+1 555 0100",
            "en",
            n % 5 != 0,
        )
        for n in range(count)
    ]


GUARDIAN_COLUMNS = (
    "sourced_id",
    "given_name",
    "family_name",
    "email",
    "phone",
    "preferred_language",
    "active",
)


def stored_guardians(prefix: str) -> list[tuple]:
    rows = db.session.execute(
        select(*(Guardian.__table__.c[c] for c in GUARDIAN_COLUMNS))
        .where(Guardian.sourced_id.like(f"{prefix}-%"))
        .order_by(Guardian.id)
    )
    return [(r[0].split("-", 1)[1], *r[1:]) for r in rows]


def as_executemany(monkeypatch):
    """Take the path other databases take, even on PostgreSQL."""
    monkeypatch.setattr(apply, "_on_postgresql", lambda: False)


def test_copy_writes_the_same_guardians_as_executemany(ctx, monkeypatch):
    monkeypatch.setattr(apply, "BATCH", 1000)  # several slices and a short last one
    assert insert_rows(Guardian.__table__, GUARDIAN_COLUMNS, iter(guardian_rows("a", 2500))) == 2500
    with monkeypatch.context() as patched:
        as_executemany(patched)
        written = insert_rows(Guardian.__table__, GUARDIAN_COLUMNS, iter(guardian_rows("b", 2500)))
    assert written == 2500
    db.session.commit()
    streamed, batched = stored_guardians("a"), stored_guardians("b")
    assert len(streamed) == 2500
    assert streamed == batched
    assert [row[1] for row in streamed[: len(AWKWARD)]] == AWKWARD
    assert streamed[0][3] is None and streamed[0][6] is False


def test_copy_writes_the_same_enrollments_as_executemany(ctx, demo, monkeypatch):
    columns = ("sourced_id", "student_id", "section_id", "begin_date", "end_date")
    students, sections = sorted(demo.students.values()), sorted(demo.sections.values())

    def rows(prefix: str):
        first = date(2020, 1, 1) if prefix == "a" else date(2022, 1, 1)
        for n in range(300):
            begin = first + timedelta(days=n)
            end = None if n % 4 == 0 else begin + timedelta(days=30)
            yield (f"{prefix}-{n}", students[n % len(students)], sections[n % len(sections)],
                   begin, end)  # fmt: skip

    insert_rows(Enrollment.__table__, columns, rows("a"))
    with monkeypatch.context() as patched:
        as_executemany(patched)
        insert_rows(Enrollment.__table__, columns, rows("b"))
    db.session.commit()

    def stored(prefix: str) -> list[tuple]:
        found = db.session.execute(
            select(
                Enrollment.sourced_id,
                Enrollment.student_id,
                Enrollment.section_id,
                Enrollment.begin_date,
                Enrollment.end_date,
            )  # fmt: skip
            .where(Enrollment.sourced_id.like(f"{prefix}-%"))
            .order_by(Enrollment.id)
        )
        return [tuple(row) for row in found]

    assert stored("a") == list(rows("a"))
    assert stored("b") == list(rows("b"))


@pytest.mark.parametrize("staged", [True, False])
def test_many_changed_rows_are_written_alike_either_way(ctx, monkeypatch, staged):
    """On PostgreSQL large change sets go through a staging table filled by COPY."""
    insert_rows(Guardian.__table__, GUARDIAN_COLUMNS, guardian_rows("u", 600))
    ids = db.session.scalars(
        select(Guardian.id).where(Guardian.sourced_id.like("u-%")).order_by(Guardian.id)
    ).all()
    if staged:
        monkeypatch.setattr(apply, "STAGED_UPDATES", 10)
    else:
        as_executemany(monkeypatch)
    changes = [(gid, AWKWARD[(n + 1) % len(AWKWARD)], n % 2 == 0) for n, gid in enumerate(ids)]
    update_rows(Guardian.__table__, ("given_name", "active"), changes)
    # twice in one transaction: the staging table does not outlive its statement
    update_rows(Guardian.__table__, ("given_name", "active"), changes[:100])
    db.session.commit()
    stored = db.session.execute(
        select(Guardian.id, Guardian.given_name, Guardian.active)
        .where(Guardian.sourced_id.like("u-%"))
        .order_by(Guardian.id)
    ).all()
    assert [tuple(row) for row in stored] == changes


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    folder = tmp_path_factory.mktemp("district") / "set"
    generate(folder, 300, seed=7, school_year=default_school_year(), log=lambda line: None)
    return folder


def count(table) -> int:
    return db.session.scalar(select(func.count()).select_from(table))


def test_a_generated_district_imports_reimports_unchanged_and_counts_each_change(ctx, district):
    today = clock.today()
    roster = read_roster(district)
    assert roster.ok, roster.problems[:3]
    first = apply_roster(roster, today=today)
    db.session.commit()
    enrollments = first.counts["enrollments"]
    assert enrollments.created == len(roster.enrollments) > 2000
    assert first.counts["guardians"].created == len(roster.guardians)
    assert first.counts["links"].created == len(roster.links)
    active_links = select(func.count()).where(GuardianLink.active.is_(True))
    # The demo's links are not in the set and become inactive, except Daniel's own: an eligible
    # student's own link is the service's, not the SIS's, and a bulk set never ends it.
    assert db.session.scalar(active_links) == len(roster.links) + 1
    assert db.session.scalar(
        select(func.count()).where(Enrollment.sourced_id.in_(list(roster.enrollments)[:4000]))
    ) == min(4000, len(roster.enrollments))

    again = apply_roster(read_roster(district), today=today)
    db.session.commit()
    assert not again.changed
    assert again.counts["enrollments"].unchanged == len(roster.enrollments)

    # The next export: three renamed students, one enrollment re-sent under a new id, four
    # enrollments gone and one guardian gone.
    changed = read_roster(district)
    renamed = list(changed.students)[:3]
    for sid in renamed:
        changed.students[sid] = replace(changed.students[sid], given_name="Renée")
    current = [r for r in changed.enrollments.values() if r.begin_date and r.begin_date < today]
    rekeyed = current[0]
    del changed.enrollments[rekeyed.sourced_id]
    changed.enrollments["regenerated-id"] = replace(rekeyed, sourced_id="regenerated-id")
    for r in current[1:5]:
        del changed.enrollments[r.sourced_id]
    gone_guardian = next(iter(changed.guardians))
    del changed.guardians[gone_guardian]
    for pair in [pair for pair in changed.links if pair[0] == gone_guardian]:
        del changed.links[pair]

    before = count(Enrollment)
    report = apply_roster(changed, today=today)
    db.session.commit()
    assert report.counts["students"].updated == 3
    assert report.counts["guardians"].deactivated == 1
    assert report.counts["links"].deactivated >= 1
    e = report.counts["enrollments"]
    assert (e.created, e.updated, e.deactivated) == (0, 0, 4)
    assert count(Enrollment) == before  # history is kept: nothing deleted, nothing doubled
    assert (
        db.session.scalar(
            select(Enrollment.begin_date).where(Enrollment.sourced_id == "regenerated-id")
        )
        == rekeyed.begin_date
    )
    ended = db.session.scalars(
        select(Enrollment.end_date).where(
            Enrollment.sourced_id.in_([r.sourced_id for r in current[1:5]])
        )
    ).all()
    assert ended == [today - timedelta(days=1)] * 4
    assert set(
        db.session.scalars(select(Student.given_name).where(Student.sourced_id.in_(renamed)))
    ) == {"Renée"}
    assert not db.session.scalar(
        select(Guardian.active).where(Guardian.sourced_id == gone_guardian)
    )
    assert not apply_roster(changed, today=today).changed


def keys_and_indexes(tables: list[str]) -> dict:
    """What the database enforces on each table, as the database itself reports it."""
    inspector = inspect(db.session.connection())
    described = {}
    for name in tables:
        described[name] = (
            sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(name)
            ),
            sorted(
                (k["name"], tuple(k["constrained_columns"]), k["referred_table"])
                for k in inspector.get_foreign_keys(name)
            ),
            sorted(
                (u["name"], tuple(u["column_names"]))
                for u in inspector.get_unique_constraints(name)
            ),
        )
    return described


BULK_TABLES = ["enrollment", "guardian_link"]


def empty_enrollments_and_links() -> None:
    """A district's first import: nothing in the big tables yet."""
    db.session.execute(delete(Enrollment))
    db.session.execute(delete(GuardianLink))
    db.session.commit()


def rebuilt_tables() -> set[str] | None:
    """Tables this transaction holds exclusively, as dropping a key does (PostgreSQL's
    pg_locks; None on SQLite, where the bulk path does not exist)."""
    if db.session.connection().dialect.name != "postgresql":
        return None
    return set(
        db.session.scalars(
            text(
                "SELECT c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE l.pid = pg_backend_pid() AND l.mode = 'AccessExclusiveLock' "
                "AND c.relkind = 'r'"
            )
        )
    )


def test_a_large_first_import_puts_back_every_index_and_key_it_set_aside(app, ctx, district):
    app.config["ROSTER_BULK_LOAD_ROWS"] = 1  # every load counts as large
    empty_enrollments_and_links()
    before = keys_and_indexes(BULK_TABLES)
    roster = read_roster(district)
    report = apply_roster(roster, today=clock.today())
    rebuilt = rebuilt_tables()
    assert rebuilt is None or set(BULK_TABLES) <= rebuilt  # the bulk path ran on PostgreSQL
    db.session.commit()
    assert report.counts["enrollments"].created == len(roster.enrollments)
    assert keys_and_indexes(BULK_TABLES) == before
    assert not apply_roster(read_roster(district), today=clock.today()).changed

    # The rebuilt keys hold: the same enrollment twice, or one for a student who does not
    # exist, is refused.
    first = db.session.scalars(select(Enrollment).order_by(Enrollment.id).limit(1)).one()
    for student_id in (first.student_id, 10**9):
        with pytest.raises(IntegrityError):
            db.session.execute(
                insert(Enrollment.__table__).values(
                    sourced_id=f"again-{student_id}",
                    student_id=student_id,
                    section_id=first.section_id,
                    begin_date=first.begin_date,
                )
            )
            db.session.flush()
        db.session.rollback()


def test_a_first_import_that_fails_midway_leaves_the_tables_as_they_were(
    app, ctx, district, monkeypatch
):
    app.config["ROSTER_BULK_LOAD_ROWS"] = 1
    empty_enrollments_and_links()
    before = keys_and_indexes(BULK_TABLES)

    def broken(**kwargs):
        raise RuntimeError("the server went away")

    monkeypatch.setattr(apply, "follow_roster", broken)  # the step after every write
    with pytest.raises(RuntimeError):
        apply_roster(read_roster(district), today=clock.today())
    db.session.rollback()
    assert count(Enrollment) == 0 and count(GuardianLink) == 0
    assert keys_and_indexes(BULK_TABLES) == before


def test_a_table_emptied_by_the_import_itself_is_not_rebuilt(app, ctx, district):
    """The bulk path locks the whole table until commit: fine for a district's first import,
    not for a live table that this import's own deletes happen to empty on the way."""
    app.config["ROSTER_BULK_LOAD_ROWS"] = 1

    def emptied_on_the_way(step: str) -> None:
        if step == "enrollments":
            db.session.execute(delete(Enrollment))

    apply_roster(read_roster(district), today=clock.today(), progress=emptied_on_the_way)
    assert "enrollment" not in (rebuilt_tables() or set())
    db.session.rollback()
