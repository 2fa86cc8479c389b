"""How fast can PostgreSQL take a district's enrollments? executemany against COPY.

    python bench/insert_probe.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_consent [--rows 1300000]

Evidence for docs/benchmarks.md, not part of the app: it inserts enrollment-shaped rows
(sourced_id, student_id, section_id, begin_date, end_date) into a scratch table
`probe_enrollment` (logged like the real one, with its unique and plain indexes but no foreign
keys), created and dropped in the same transaction, so the database is left as it was. Three
ways, each in its own transaction; it prints the time and the process's peak memory growth:

- `executemany`: what `apply._sync` did before it used COPY (Core insert + a list of dicts,
  which psycopg 3 sends as one prepared statement per row, pipelined);
- `executemany, chunks of 50,000`: the same, fed in chunks (memory, not speed);
- `COPY`: psycopg's `cursor.copy(...)` with `write_row`, rows from a generator (what
  `apply.insert_rows` does now).
"""

import argparse
import resource
import sys
import time
import uuid
from datetime import date

from sqlalchemy import Column, Date, Integer, MetaData, String, Table, create_engine, insert, text


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rows(n: int):
    begin, end = date(2026, 8, 17), date(2027, 5, 28)
    for i in range(n):
        yield (str(uuid.UUID(int=i + 1)), 1 + i // 8, 1 + i % 45_000, begin, end)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rows", type=int, default=1_300_000)
    parser.add_argument(
        "--only", choices=("executemany", "chunked", "copy"), default=None,
        help="run one method (memory figures are only clean one method per process)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    engine = create_engine(args.database_url)
    metadata = MetaData()
    table = Table(
        "probe_enrollment",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("sourced_id", String(255), unique=True),
        Column("student_id", Integer, index=True),
        Column("section_id", Integer, index=True),
        Column("begin_date", Date),
        Column("end_date", Date),
    )
    names = ("sourced_id", "student_id", "section_id", "begin_date", "end_date")

    def executemany(conn, chunk: int | None) -> None:
        if chunk is None:
            conn.execute(insert(table), [dict(zip(names, r, strict=True)) for r in rows(args.rows)])
            return
        batch = []
        for r in rows(args.rows):
            batch.append(dict(zip(names, r, strict=True)))
            if len(batch) == chunk:
                conn.execute(insert(table), batch)
                batch = []
        if batch:
            conn.execute(insert(table), batch)

    def copy(conn) -> None:
        cursor = conn.connection.driver_connection.cursor()
        statement = f"COPY probe_enrollment ({', '.join(names)}) FROM STDIN"
        with cursor.copy(statement) as pipe:
            for r in rows(args.rows):
                pipe.write_row(r)

    methods = {
        "executemany": lambda conn: executemany(conn, None),
        "chunked": lambda conn: executemany(conn, 50_000),
        "copy": copy,
    }
    chosen = [args.only] if args.only else list(methods)
    print(f"{args.rows:,} rows into a table with a unique index and two indexes")
    for name in chosen:
        with engine.begin() as conn:
            metadata.create_all(conn)
            before = peak_mb()
            started = time.perf_counter()
            methods[name](conn)
            took = time.perf_counter() - started
            count = conn.execute(text("SELECT count(*) FROM probe_enrollment")).scalar()
            conn.execute(text("DROP TABLE probe_enrollment"))
        print(f"  {name:<12} {took:7.1f} s  peak +{peak_mb() - before:6.0f} MB  ({count:,} rows)")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
