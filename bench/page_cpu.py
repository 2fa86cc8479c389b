"""The app's CPU per page, in one process through the Flask test client (no gunicorn, no wrk).

    python bench/page_cpu.py principal [--source DIR] [--database-url URL] [-n 200] [--profile F]

Signs the district bench's person in through the real form (the principal's second factor
with the demo key), loads the page 20 times, then times `-n` loads with `time.process_time`:
the app's own CPU (PostgreSQL's is not counted), which moves little with other work on the
machine, unlike the latencies of `bench/pages.py`. `--source` serves another checkout (e.g.
`git archive <commit>` unpacked, its catalogs compiled) with this venv, so before and after
can be alternated on the same data and load. `--profile` writes a cProfile (CPU time) of the
timed loads. The database is `bench/pages.py district`'s (its accounts added by that script).
"""

# ruff: noqa: T201 - a bench: printed figures
import argparse
import cProfile
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = {
    "guardian": ("guardian-1@bench.example", "/children"),
    "teacher": ("teacher-1@bench.example", "/tasks"),
    "principal": ("principal-1@bench.example", "/requests"),
}
PASSWORD = "bench-password-2026"  # noqa: S105 - report_bench.py's accounts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("person", choices=sorted(PEOPLE))
    parser.add_argument("--source", type=Path, default=ROOT)
    parser.add_argument(
        "--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/bench_reports"
    )
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("--profile", help="write a cProfile of the timed loads to this file")
    args = parser.parse_args()
    sys.path.insert(0, str(args.source.resolve()))
    os.environ.update(
        DATABASE_URL=args.database_url, CONSENT_ENV="development", SECRET_KEY="bench-" * 6
    )
    from consent import create_app

    app = create_app({"SIGNIN_RATE_LIMIT": "100000 per minute"})
    logging.disable(logging.INFO)
    sys.path.insert(1, str(ROOT))  # the sign-in helper, whatever the source
    from tests.support import sign_in_client

    email, url = PEOPLE[args.person]
    client = app.test_client()
    answer = sign_in_client(client, email, PASSWORD)
    if answer.status_code != 302 or "/signin" in answer.headers["Location"]:
        raise SystemExit(f"{email} could not sign in (run bench/pages.py district once first)")
    for _ in range(20):
        assert client.get(url).status_code == 200
    profile = cProfile.Profile(time.process_time) if args.profile else None
    if profile:
        profile.enable()
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(args.n):
        page = client.get(url)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if profile:
        profile.disable()
        profile.dump_stats(args.profile)
    print(
        f"{args.source.resolve().name} {args.person} {url}: {cpu / args.n * 1000:.2f} ms CPU, "
        f"{wall / args.n * 1000:.2f} ms wall per page (n={args.n}, {len(page.data)} bytes); "
        f"load {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
