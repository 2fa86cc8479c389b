"""Time the real roster import of a synthetic district, and its peak memory.

    python bench/import_bench.py --students 160000 \
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_consent] \
        [--reimport] [--seed 1] [--zip] [--profile FILE] [--json FILE]

1. Generates the set with bench/generate_district.py (or reuses it: sets are kept under
   --data-dir, by size, seed and school year).
2. Makes a fresh database: PostgreSQL -> `DROP SCHEMA public CASCADE; CREATE SCHEMA public` in
   the given database (never one named test or test_a..test_e); SQLite (the default) -> a new
   file in a temporary folder.
3. Runs the migrations (`flask_migrate.upgrade()`), as `flask db upgrade` does.
4. Runs the import in a fresh child process, exactly as `flask roster import` does:
   `import_roster(path, today=district_today())` and a commit. It reports the wall-clock time of
   that call and the commit (app start-up excluded), the time of each step, and the process's
   peak resident memory (`ru_maxrss`), which includes the interpreter and the app (the
   "baseline" column: the child's peak before the import starts), and the 1-minute load average
   before and after it (above about 1, something else was using the CPUs: rerun).
5. With --reimport, imports the same set again in another child: it must change nothing.

--profile FILE runs the import under cProfile, writes the stats to FILE (the re-import's to
FILE.reimport) and prints the top entries. --json FILE appends one JSON line per run, for
docs/benchmarks.md.
"""

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FORBIDDEN_DATABASES = re.compile(r"test(_[a-e])?")  # the test suites' databases


def _peak_mb() -> float:
    # Linux reports kilobytes (macOS bytes; this bench is for the Linux server)
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb() -> tuple[float, float]:
    """(current, peak) resident memory of this process from /proc, in MB; zeros elsewhere."""
    found = {}
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    found[line[:5]] = int(line.split()[1]) / 1024
    except OSError:
        return 0.0, 0.0
    return found.get("VmRSS", 0.0), found.get("VmHWM", 0.0)


def _app(database_url: str):
    from consent import create_app

    return create_app(
        {
            "SECRET_KEY": "bench-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "MAIL_SUPPRESS_SEND": True,
        }
    )


# --- the child: one import -------------------------------------------------------------------


def child_import(path: str, database_url: str, profile: str | None) -> dict:
    """Run one import the way the CLI does and describe it (the last line of stdout, as JSON)."""
    app = _app(database_url)
    with app.app_context():
        from sqlalchemy import func, select

        from consent.extensions import db
        from consent.roster.models import (
            Enrollment,
            Guardian,
            GuardianLink,
            School,
            Section,
            Staff,
            Student,
            section_teacher,
        )
        from consent.roster.operations import import_roster
        from consent.schoolcalendar.operations import district_today

        today = district_today()
        load_before = os.getloadavg()[0]
        baseline = _peak_mb()
        steps: list[tuple[str, float]] = []
        memory: dict[str, float] = {}  # resident MB when each step starts (and at the end)
        started = time.perf_counter()

        def progress(step: str) -> None:
            steps.append((step, time.perf_counter()))
            memory[step] = round(_rss_mb()[0])

        def run():
            result = import_roster(path, today=today, progress=progress)
            progress("commit")
            db.session.commit()
            return result

        if profile:
            import cProfile

            profiler = cProfile.Profile()
            result = profiler.runcall(run)
            profiler.dump_stats(profile)
        else:
            result = run()
        finished = time.perf_counter()
        memory["end"] = round(_rss_mb()[0])
        peak = _peak_mb()
        # time spent in each step, up to the next one
        marks = steps + [("end", finished)]
        phases = {name: round(marks[i + 1][1] - at, 2) for i, (name, at) in enumerate(steps)}
        rows = {}
        for name, table in (
            ("schools", School.__table__),
            ("staff", Staff.__table__),
            ("students", Student.__table__),
            ("guardians", Guardian.__table__),
            ("links", GuardianLink.__table__),
            ("sections", Section.__table__),
            ("section_teachers", section_teacher),
            ("enrollments", Enrollment.__table__),
        ):
            rows[name] = db.session.scalar(select(func.count()).select_from(table))
        return {
            "seconds": round(finished - started, 2),
            "peak_rss_mb": round(peak, 1),
            "baseline_rss_mb": round(baseline, 1),
            "phases": phases,
            "rss_mb_at": memory,
            # 1-minute load average before and after: above ~1 another process shared the CPUs
            "load": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            "outcome": result.run.outcome,
            "problems": [str(p) for p in result.problems[:20]],
            "problem_count": len(result.problems),
            "summary": result.summary.lines() if result.summary else [],
            "changed": bool(result.summary and result.summary.changed),
            "rows": rows,
            "dialect": db.engine.dialect.name,
        }


# --- the parent ------------------------------------------------------------------------------


def fresh_database(url: str | None, workdir: Path) -> str:
    """A new, empty database; returns its URL."""
    if not url or url.startswith("sqlite"):
        path = workdir / "bench.sqlite"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    from sqlalchemy import create_engine, make_url, text

    name = make_url(url).database or ""
    if FORBIDDEN_DATABASES.fullmatch(name):
        raise SystemExit(f"refusing to wipe database {name!r}: it belongs to the test suites.")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def migrate(url: str) -> float:
    from flask_migrate import upgrade

    from consent.extensions import db

    started = time.perf_counter()
    app = _app(url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return time.perf_counter() - started


def dataset(students: int, seed: int, data_dir: Path, as_zip: bool) -> tuple[Path, float | None]:
    """The generated set (folder, or zip), generating it unless it is already there."""
    from bench.generate_district import default_school_year, generate, pack

    year = default_school_year()
    folder = data_dir / f"district-{students}-seed{seed}-{year}"
    done = folder.with_name(folder.name + ".complete")  # beside the set, not inside it
    took = None
    if not done.exists():
        started = time.perf_counter()
        generate(folder, students, seed, year, log=lambda line: print(line, file=sys.stderr))
        done.write_text("ok\n")
        took = time.perf_counter() - started
    if as_zip:
        target = folder.with_suffix(".zip")
        if not target.exists():
            pack(folder)
        return target, took
    return folder, took


def run_child(path: Path, url: str, profile: str | None, timeout: int) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(path)]
    command += ["--database-url", url]
    if profile:
        command += ["--profile", profile]
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 (our own script, no shell)
        command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    wall = time.perf_counter() - started
    if done.returncode != 0 or not done.stdout.strip():
        sys.stderr.write(done.stderr[-5000:])
        raise SystemExit(f"the import process failed (exit {done.returncode})")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_seconds"] = round(wall, 2)
    return result


def print_profile(profile: str, limit: int = 30) -> None:
    import pstats

    for order in ("cumulative", "tottime"):
        print(f"\n--- profile, top {limit} by {order} ---")
        stats = pstats.Stats(profile, stream=sys.stdout)
        stats.strip_dirs().sort_stats(order).print_stats(limit)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=160_000)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL; default SQLite")
    parser.add_argument("--reimport", action="store_true", help="also time a second import")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "consent-bench"
    )
    parser.add_argument("--zip", action="store_true", help="import the zip rather than the folder")
    parser.add_argument("--profile", default=None, help="cProfile the imports into FILE")
    parser.add_argument("--json", type=Path, default=None, help="append results to FILE")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per import")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        result = child_import(args.child, args.database_url, args.profile)
        print(json.dumps(result))
        return 0

    args.data_dir.mkdir(parents=True, exist_ok=True)
    path, generated = dataset(args.students, args.seed, args.data_dir, args.zip)
    if generated is not None:
        print(f"generated {path} in {generated:.1f} s")
    else:
        print(f"reusing {path}")
    with tempfile.TemporaryDirectory(prefix="consent-bench-") as workdir:
        url = fresh_database(args.database_url, Path(workdir))
        print(f"migrated {url.split('@')[-1]} in {migrate(url):.1f} s")
        runs = [("import", run_child(path, url, args.profile, args.timeout))]
        if args.reimport:
            again = f"{args.profile}.reimport" if args.profile else None
            runs.append(("re-import", run_child(path, url, again, args.timeout)))
    dialect = runs[0][1]["dialect"]

    print()
    print(f"{'students':>9} {'database':<10} {'run':<10} {'seconds':>8} {'peak MB':>8} "
          f"{'base MB':>8} {'load':>10}  outcome")  # fmt: skip
    for name, r in runs:
        outcome = r["outcome"] if r["outcome"] != "applied" else (
            "changed" if r["changed"] else "nothing changed"
        )  # fmt: skip
        print(
            f"{args.students:>9,} {dialect:<10} {name:<10} {r['seconds']:>8.1f} "
            f"{r['peak_rss_mb']:>8.0f} {r['baseline_rss_mb']:>8.0f} "
            f"{r['load'][0]:>4.1f}->{r['load'][1]:<4.1f}  {outcome}"
        )
    for name, r in runs:
        print(f"\n{name}: steps (s) " + ", ".join(f"{k} {v}" for k, v in r["phases"].items()))
        print("  resident MB as each step starts: "
              + ", ".join(f"{k} {v:.0f}" for k, v in r["rss_mb_at"].items()))  # fmt: skip
        for line in r["summary"]:
            print(f"  {line}")
        for problem in r["problems"]:
            print(f"  problem: {problem}")
    print("\nrows: " + ", ".join(f"{k} {v:,}" for k, v in runs[-1][1]["rows"].items()))
    if args.json:
        with args.json.open("a", encoding="utf-8") as out:
            for name, r in runs:
                record = {"students": args.students, "database": dialect, "run": name,
                          "zip": args.zip, "nproc": os.cpu_count(), **r}  # fmt: skip
                out.write(json.dumps(record) + "\n")
    if args.profile:
        print(f"\n=== profile of the import ({args.profile})")
        print_profile(args.profile)
        if args.reimport:
            print(f"\n=== profile of the re-import ({args.profile}.reimport)")
            print_profile(f"{args.profile}.reimport")
    failed = any(r["outcome"] != "applied" for _, r in runs)
    if args.reimport and runs[1][1]["changed"]:
        print("\nthe re-import changed something: it should not have.")
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
