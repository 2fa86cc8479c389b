"""Time a guardian's first page after sign-in (/children) and a child's page on the synthetic
district of bench/report_bench.py (PostgreSQL).

    python bench/guardian_page_bench.py \
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_reports] \
        [--reuse] [--runs 21] [--code-root DIR]

Without --reuse it builds the district first (report_bench.build: drops and recreates schema
`public` of the given database). It signs in as the guardian of students 1, 2 and 3 (the links and
an account are added), GETs each page once to warm up, then --runs times, and prints the
median wall time, the median CPU time of this process (less disturbed by a busy machine) and
the statements each page sent. --code-root runs another checkout's code (to
compare before and after a change) against the same data.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/bench_reports"
    )
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--code-root", default=str(BENCH.parent))
    args = parser.parse_args()
    sys.path.insert(0, args.code_root)
    sys.path.insert(1, str(BENCH))
    import report_bench
    from sqlalchemy import event, func, select

    from consent.accounts.models import Account
    from consent.accounts.passwords import hash_password
    from consent.extensions import db
    from consent.roster.models import GuardianLink, Relationship

    if not args.reuse:
        report_bench.fresh_database(args.database_url)
    app = report_bench.make_app(args.database_url)
    if not args.reuse:
        print("built", report_bench.build(app))
    email = "guardian-bench@bench.example"
    with app.app_context():
        guardian_id = db.session.scalar(
            select(GuardianLink.guardian_id).where(GuardianLink.student_id == 1)
        )
        for student_id in (2, 3):  # a family of three children (the district has one each)
            if not db.session.scalar(
                select(func.count()).where(
                    GuardianLink.guardian_id == guardian_id, GuardianLink.student_id == student_id
                )
            ):
                db.session.add(
                    GuardianLink(
                        guardian_id=guardian_id,
                        student_id=student_id,
                        relationship_type=Relationship.PARENT,
                        has_rights=True,
                    )
                )
        children = db.session.scalars(
            select(GuardianLink.student_id).where(GuardianLink.guardian_id == guardian_id)
        ).all()
        if db.session.scalar(select(Account.id).where(Account.email == email)) is None:
            db.session.add(
                Account(
                    email=email,
                    password_hash=hash_password(report_bench.PASSWORD),
                    guardian_id=guardian_id,
                )
            )
            db.session.commit()
    client = report_bench.signed_in(app, email)
    print(f"guardian {guardian_id}, children {list(children)}")
    for url in ("/children", f"/students/{children[0]}"):
        statements = []

        def count(conn, cursor, statement, *rest, into=statements):
            into.append(statement)

        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", count)
            assert client.get(url).status_code == 200
            event.remove(db.engine, "before_cursor_execute", count)
        times, cpu = [], []
        for _ in range(args.runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            assert client.get(url).status_code == 200
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        print(
            f"{url}: median {statistics.median(times):.1f} ms (fastest {min(times):.1f}), "
            f"CPU {statistics.median(cpu):.1f} ms, {len(statements)} statements "
            f"({args.runs} runs)"
        )


if __name__ == "__main__":
    main()
