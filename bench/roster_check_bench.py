"""Time a vendor roster check of a whole district, as the privacy office makes it (PostgreSQL).

    python bench/roster_check_bench.py \
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_reports] [--runs 3]

On the district `bench/report_bench.py` built (run it first; the schema must be current): an export
listing every student's sourcedId, for the first tool used district-wide (every student is looked
for; in the synthetic district most have not given its consent), uploaded through the real form at
/roster-checks by the signed-in privacy officer. Each run is one request: read the upload, compare
it with the exclusion list, keep a finding per student who must not be rostered, write a line on
each affected request's timeline, tell the office. It prints the wall time of each request, the
check's own figures and the load average. Every run adds a check (and its findings) to the database:
use a copy (`CREATE DATABASE bench_c TEMPLATE bench_reports`).
"""

import argparse
import csv
import io
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from report_bench import (  # noqa: E402 - after the path is set
    DEFAULT_URL,
    OFFICER,
    _load,
    enrol_second_factor,
    make_app,
    signed_in,
)


def district_export(app, tool_name: str | None) -> tuple[int, str, bytes]:
    """(tool id, tool name, a users-style CSV naming every student of the district). The tool
    named, else the first with a district-wide use: every student is looked for."""
    from sqlalchemy import select

    from consent.catalog.models import Tool, ToolUse, UseScope
    from consent.extensions import db
    from consent.roster.models import Student

    with app.app_context():
        if tool_name:
            tool_id = db.session.scalar(select(Tool.id).where(Tool.name == tool_name))
        else:
            tool_id = db.session.scalar(
                select(ToolUse.tool_id)
                .where(ToolUse.scope == UseScope.DISTRICT)
                .order_by(ToolUse.tool_id)
                .limit(1)
            )
        name = db.session.get(Tool, tool_id).name
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["sourcedId"])
        for sourced_id in db.session.scalars(select(Student.sourced_id).order_by(Student.id)):
            writer.writerow([sourced_id])
    return tool_id, name, out.getvalue().encode()


def check_once(client, tool_id: int, export: bytes) -> tuple[float, str]:
    page = client.get("/roster-checks").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    started = time.perf_counter()
    answer = client.post(
        "/roster-checks",
        data={
            "csrf_token": token,
            "tool": str(tool_id),
            "vendor": "Bench vendor",
            "export": (io.BytesIO(export), "users.csv"),
        },
        content_type="multipart/form-data",
    )
    elapsed = time.perf_counter() - started
    assert answer.status_code == 302, f"the check was refused ({answer.status_code})"
    return elapsed, answer.headers["Location"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tool", help="the tool's name (default: the first used district-wide)")
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        raise SystemExit("the roster check bench runs on PostgreSQL")

    app = make_app(args.database_url)
    enrol_second_factor(app, [OFFICER])
    tool_id, tool_name, export = district_export(app, args.tool)
    client = signed_in(app, OFFICER)
    students = export.count(b"\n") - 1
    print(
        f"load average {_load():.2f}; export: {students:,} students, "
        f"{len(export) / 1e6:.1f} MB, tool {tool_name!r}"
    )
    times = []
    for run in range(1, args.runs + 1):
        elapsed, location = check_once(client, tool_id, export)
        times.append(elapsed)
        print(f"run {run}: {elapsed * 1000:.0f} ms -> {location}")
    from sqlalchemy import select

    from consent.enforcement.models import RosterCheck
    from consent.extensions import db

    with app.app_context():
        last = db.session.scalars(select(RosterCheck).order_by(RosterCheck.id.desc())).first()
        print(
            f"the check: {last.listed:,} listed, {last.excluded:,} must not be rostered, "
            f"{last.still_present:,} still there, {last.requests_told:,} requests told"
        )
    print(f"median {statistics.median(times) * 1000:.0f} ms; load average {_load():.2f}")


if __name__ == "__main__":
    main()
