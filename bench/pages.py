"""Throughput and latency of the start pages under gunicorn -w 2, measured with wrk.

    python bench/pages.py demo [--mixed] [--rounds 3] [--seconds 10] [--source DIR]
    python bench/pages.py district [--database-url URL] [--pages guardian,teacher,principal]

`demo`: the demo district on SQLite (the embedded default), in a fresh temporary database made
by `flask db upgrade` and `flask demo load`. `district`: the 160,000-student district that
`bench/report_bench.py` builds in PostgreSQL (build it first; this adds, once, a guardian
account with two children and several requests, a teacher account, and the teachers' tasks of
every request, the way routing would have made them).

The script starts `gunicorn -w 2` (CONSENT_ENV=development, a sign-in rate limit high enough for
the bench), signs in through the real form (CSRF token included) as each person, then runs wrk
with 8 connections: `/healthz` and the page under test alternately, `--rounds` times
`--seconds` each, so both see the same machine load. It prints requests/s, p50, p95 and p99 of
every round, the page's throughput as a share of `/healthz`'s, the 1-minute load average before
and after each run, and a PASS/FAIL line per target. wrk gets no redirects: any answer but 200
(a lost session would be a 302 to the sign-in page) is counted and reported.

Each run also reports the app's CPU per answer (user + system time of gunicorn's process
group over the run, divided by the answers): unlike the times, it barely moves with the load
other work puts on the machine. `demo` ends with a lock probe: another connection holds
SQLite's write lock for 2 s while the guardian page is loaded; a read that waits for the lock
takes the 2 s.

`--mixed` (demo only) also runs the guardian page while writers change data through the real
forms: a guardian files and withdraws opt-outs, a teacher acknowledges the tasks on the
requests of their task list, a principal reads the request list (an audited read, so a
write), and a fourth signs in and out. It reports the writers' steps and changes, every 5xx,
and the "database is locked" lines of gunicorn's log; it fails if a writer changed nothing.

`--source DIR` serves another checkout of the app (for example `git archive <commit>` unpacked
in /tmp) with this venv, to measure the code before a change on the same machine. gunicorn is
always stopped at the end (its whole process group).
"""

# ruff: noqa: S310, S603, S607, T201 - a bench: local URLs, its own subprocesses, printed figures
import argparse
import html
import http.cookiejar
import json
import os
import re
import secrets
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

VENV_BIN = ROOT / ".venv" / "bin"
DISTRICT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_reports"
FORBIDDEN_DATABASES = re.compile(r"test(_[a-h])?")  # the test suites' databases

DEMO_PASSWORD = "consent-demo-2026"  # noqa: S105 - the demo district's published password
DEMO_PEOPLE = {
    "guardian": "maria.garcia@demo.consent.example",
    "teacher": "emily.johnson@demo.consent.example",
    "principal": "angela.brooks@demo.consent.example",
}
DISTRICT_PASSWORD = "bench-password-2026"  # noqa: S105 - report_bench.py's accounts
DISTRICT_PEOPLE = {
    "guardian": "guardian-1@bench.example",
    "teacher": "teacher-1@bench.example",
    "principal": "principal-1@bench.example",
}
PAGES = {
    "guardian": "/children",
    "teacher": "/tasks",
    "principal": "/requests",
}

# (page, p95 ms, p99 ms or None, share of /healthz or None) per scenario, from the issue.
TARGETS = {
    "demo": {"guardian": (50, 80, 0.20)},
    "district": {
        "guardian": (50, 80, 0.20),
        "teacher": (100, None, None),
        "principal": (100, None, None),
    },
}

WRK_SCRIPT = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) not_ok = 0; server_errors = 0 end
function response(status, headers, body)
  if status ~= 200 then not_ok = not_ok + 1 end
  if status >= 500 then server_errors = server_errors + 1 end
end
function done(summary, latency, requests)
  local not_ok, s5 = 0, 0
  for _, t in ipairs(threads) do
    not_ok = not_ok + t:get("not_ok"); s5 = s5 + t:get("server_errors")
  end
  local e = summary.errors
  io.write(string.format(
    "WRK {\"requests\": %d, \"duration_us\": %d, \"p50_us\": %d, \"p95_us\": %d, " ..
    "\"p99_us\": %d, \"max_us\": %d, \"not_200\": %d, \"5xx\": %d, \"socket_errors\": %d}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, not_ok, s5,
    e.connect + e.read + e.write + e.timeout))
end
"""


def load_average() -> float:
    return os.getloadavg()[0]


# --- a browser: the real sign-in form, cookies, CSRF ---------------------------------------


class Browser:
    """urllib with a cookie jar; follows redirects like a browser and counts every status."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.statuses: dict[int, int] = {}
        self.last_url = ""

    def _open(self, path: str, data: dict | None = None) -> str:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as answer:
                self.statuses[answer.status] = self.statuses.get(answer.status, 0) + 1
                self.last_url = answer.url
                return answer.read().decode()
        except urllib.error.HTTPError as error:
            self.statuses[error.code] = self.statuses.get(error.code, 0) + 1
            self.last_url = error.url
            error.read()
            return ""

    def get(self, path: str) -> str:
        return self._open(path)

    def post(self, path: str, page: str, **fields) -> str:
        """POST a form whose page was `page`, with that page's CSRF token."""
        return self._open(path, {"csrf_token": csrf_token(page), **fields})

    def sign_in(self, email: str, password: str) -> str:
        page = self.get("/signin")
        answer = self.post("/signin", page, email=email, password=password)
        if urllib.parse.urlparse(self.last_url).path == "/signin/code":
            # Principals confirm with a code: the demo's and the bench's hold the demo's key.
            import pyotp

            from consent.demo.operations import DEMO_TOTP_SECRET

            answer = self.post("/signin/code", answer, code=pyotp.TOTP(DEMO_TOTP_SECRET).now())
        if urllib.parse.urlparse(self.last_url).path.startswith("/signin"):
            raise SystemExit("sign-in refused (wrong password or code, or not a bench account)")
        return answer

    def sign_out(self) -> None:
        page = self.get("/account")
        self.post("/signout", page)

    @property
    def cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def csrf_token(page: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    if not found:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1)


# --- gunicorn --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    source: Path
    database_url: str
    workers: int
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict:
        return {
            **os.environ,
            "CONSENT_ENV": "development",
            "FLASK_APP": "wsgi.py",
            "DATABASE_URL": self.database_url,
            "SECRET_KEY": secrets.token_hex(32),
            "SIGNIN_RATE_LIMIT": "100000 per minute",
            "SIGNIN_LOCKOUT_THRESHOLD": "100000",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": "9",  # nothing is sent in a request: mail waits in the outbox
        }

    def start(self) -> None:
        self.log = open(self.log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "-w",
                str(self.workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "--chdir",
                str(self.source),
                "--timeout",
                "120",
                "wsgi:app",
            ],
            env=self.env(),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, stopped as one in stop()
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {self.log_path}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=5) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise SystemExit("gunicorn did not answer /healthz within 120 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if getattr(self, "log", None):
            self.log.close()

    def cpu_seconds(self) -> float:
        """User + system CPU of gunicorn and its workers so far (its process group)."""
        ticks = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if self.process and int(fields[2]) == self.process.pid:  # pgrp
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def log_count(self, needle: str) -> int:
        return self.log_path.read_text(encoding="utf-8", errors="replace").count(needle)


# --- wrk -------------------------------------------------------------------------------------


def wrk(server, path: str, cookie: str, *, seconds: int, connections: int, lua: Path) -> dict:
    command = [
        "wrk",
        "-t",
        "1",
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--timeout",
        "30s",
        "-s",
        str(lua),
        "-H",
        "Accept-Language: en",
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    load_before, cpu_before = load_average(), server.cpu_seconds()
    output = subprocess.run(
        [*command, server.base + path], capture_output=True, text=True, check=True
    ).stdout
    cpu = server.cpu_seconds() - cpu_before
    line = next(line for line in output.splitlines() if line.startswith("WRK "))
    result = json.loads(line[4:])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    if not result["requests"]:
        raise SystemExit(f"{path}: no answer within {seconds} s; pages this slow need a timer")
    for name in ("p50", "p95", "p99", "max"):
        result[f"{name}_ms"] = result.pop(f"{name}_us") / 1000
    result["load_before"], result["load_after"] = load_before, load_average()
    # The app's own CPU per answer barely moves with the machine's load, unlike the times.
    result["app_cpu_ms"] = cpu * 1000 / max(result["requests"], 1)
    return result


def alternate(server: Server, page: str, cookie: str, args, lua: Path) -> dict:
    """/healthz and the page in turn, `rounds` times, so both see the same machine load."""
    rounds = []
    for number in range(1, args.rounds + 1):
        health = wrk(
            server, "/healthz", "", seconds=args.seconds, connections=args.connections, lua=lua
        )
        measured = wrk(
            server, page, cookie, seconds=args.seconds, connections=args.connections, lua=lua
        )
        rounds.append({"round": number, "healthz": health, "page": measured})
        print_round(page, number, health, measured)
    return summarize(rounds)


def summarize(rounds: list[dict]) -> dict:
    def total_rps(key):
        requests = sum(r[key]["requests"] for r in rounds)
        return requests / sum(r[key]["duration_us"] / 1e6 for r in rounds)

    def median(key, name):
        return statistics.median(r[key][name] for r in rounds)

    def worst(key, name):
        return max(r[key][name] for r in rounds)

    summary = {"rounds": rounds}
    for key in ("healthz", "page"):
        summary[key] = {
            "rps": total_rps(key),
            **{f"{n}_ms": median(key, f"{n}_ms") for n in ("p50", "p95", "p99", "app_cpu")},
            **{f"worst_{n}_ms": worst(key, f"{n}_ms") for n in ("p95", "p99")},
            "not_200": sum(r[key]["not_200"] for r in rounds),
            "5xx": sum(r[key]["5xx"] for r in rounds),
            "socket_errors": sum(r[key]["socket_errors"] for r in rounds),
        }
    summary["ratio"] = summary["page"]["rps"] / summary["healthz"]["rps"]
    summary["load"] = (rounds[0]["healthz"]["load_before"], rounds[-1]["page"]["load_after"])
    return summary


def print_round(page: str, number: int, health: dict, measured: dict) -> None:
    for path, row in (("/healthz", health), (page, measured)):
        print(
            f"  round {number} {path:24} {row['rps']:8.1f} req/s  p50 {row['p50_ms']:7.1f}  "
            f"p95 {row['p95_ms']:7.1f}  p99 {row['p99_ms']:7.1f} ms  "
            f"app CPU {row['app_cpu_ms']:5.1f} ms/answer  not 200: {row['not_200']}"
            f"  load {row['load_before']:.2f} -> {row['load_after']:.2f}",
            flush=True,
        )
    print(f"  round {number} throughput ratio {measured['rps'] / health['rps']:.1%}", flush=True)


def verdict(scenario: str, name: str, summary: dict) -> list[str]:
    p95_target, p99_target, ratio_target = TARGETS[scenario].get(name, (None, None, None))
    page = summary["page"]
    lines = [
        f"{name}: {page['rps']:.1f} req/s = {summary['ratio']:.1%} of /healthz "
        f"({summary['healthz']['rps']:.1f} req/s); page p50 {page['p50_ms']:.1f}, "
        f"p95 {page['p95_ms']:.1f} (worst round {page['worst_p95_ms']:.1f}), "
        f"p99 {page['p99_ms']:.1f} (worst round {page['worst_p99_ms']:.1f}) ms; "
        f"/healthz p95 {summary['healthz']['p95_ms']:.1f} ms; app CPU per answer "
        f"{page['app_cpu_ms']:.1f} ms (/healthz {summary['healthz']['app_cpu_ms']:.1f}); "
        f"not 200: {page['not_200']}; "
        f"load {summary['load'][0]:.2f} -> {summary['load'][1]:.2f}"
    ]
    checks = []
    if ratio_target is not None:
        checks.append(
            ("throughput share", summary["ratio"] >= ratio_target, f">= {ratio_target:.0%}")
        )
    if p95_target is not None:
        checks.append(("p95", page["p95_ms"] <= p95_target, f"<= {p95_target} ms"))
    if p99_target is not None:
        checks.append(("p99", page["p99_ms"] <= p99_target, f"<= {p99_target} ms"))
    checks.append(("every answer 200", page["not_200"] == 0 and page["socket_errors"] == 0, ""))
    for label, passed, target in checks:
        lines.append(f"  {'PASS' if passed else 'FAIL'} {name} {label} {target}".rstrip())
    return lines


# --- the demo district on SQLite -------------------------------------------------------------


def demo_database(source: Path, folder: Path) -> str:
    url = f"sqlite:///{folder / 'demo.sqlite'}"
    env = {
        **os.environ,
        "CONSENT_ENV": "development",
        "FLASK_APP": "wsgi.py",
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
    }
    for command in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run(
            [str(VENV_BIN / "flask"), *command],
            cwd=source,
            env=env,
            check=True,
            capture_output=True,
        )
    return url


# --- writers for the mixed run ---------------------------------------------------------------


@dataclass
class Writer:
    """One person changing data through the real forms until told to stop."""

    name: str
    base: str
    stop: threading.Event
    operations: int = 0
    writes: int = 0  # changes the app confirmed (filed, withdrawn, acknowledged, signed in)
    failures: list[str] = field(default_factory=list)
    browser: Browser | None = None

    def run(self) -> None:
        self.browser = Browser(self.base)
        try:
            self.prepare()
            while not self.stop.is_set():
                self.step()
                self.operations += 1
        except Exception as error:  # noqa: BLE001 - reported, not raised, so the run finishes
            self.failures.append(f"{type(error).__name__}: {error}")

    def prepare(self) -> None:
        pass

    def step(self) -> None:
        raise NotImplementedError

    @property
    def server_errors(self) -> int:
        return sum(
            n for code, n in (self.browser.statuses if self.browser else {}).items() if code >= 500
        )


class GuardianWriter(Writer):
    """Files an opt-out for a child's tool, then withdraws it: two writes per step."""

    def prepare(self) -> None:
        self.browser.sign_in(DEMO_PEOPLE["guardian"], DEMO_PASSWORD)
        page = self.browser.get("/optouts/new")
        children = sorted(set(re.findall(r'href="(/students/\d+/optouts/new)"', page)))
        self.choices = []
        for child in children:
            tools = self.browser.get(child)
            self.choices += [
                f"{child}?tool={t}" for t in sorted(set(re.findall(r"\?tool=(\d+)", tools)))
            ]
        if not self.choices:
            raise RuntimeError("the guardian has no tool to opt out of")
        self.turn = 0

    def step(self) -> None:
        path = self.choices[self.turn % len(self.choices)]
        self.turn += 1
        form = self.browser.get(path)
        accommodation = re.search(r'name="accommodation"[^>]*value="([^"]*)"', form)
        if not accommodation:
            return  # this tool already has an open request: try the next one
        self.browser.post(
            path,
            form,
            feature="",
            accommodation=html.unescape(accommodation.group(1)),
            reason="",
            send="Send request",
        )
        receipt = re.search(r"/requests/(\d+)/receipt", self.browser.last_url)
        if not receipt:
            self.failures.append(f"filing did not end on a receipt: {self.browser.last_url}")
            return
        self.writes += 1
        withdraw = f"/requests/{receipt.group(1)}/withdraw"
        page = self.browser.get(withdraw)
        version = re.search(r'name="version"[^>]*value="(\d+)"', page)
        fields = {"version": version.group(1)} if version else {}
        answer = self.browser.post(withdraw, page, **fields)
        if re.search(r'class="flash flash-(success|info)"', answer):  # in any language
            self.writes += 1


class TeacherWriter(Writer):
    """Reads the task list (audited), opens the newest requests on it (audited) and
    acknowledges the task on any that waits for it (the guardian writer keeps filing)."""

    def prepare(self) -> None:
        self.browser.sign_in(DEMO_PEOPLE["teacher"], DEMO_PASSWORD)

    def step(self) -> None:
        listed = self.browser.get("/tasks")
        for detail in re.findall(r'href="(/requests/\d+)"', listed)[:2]:
            page = self.browser.get(detail)
            for task in re.findall(r'action="(/tasks/\d+/acknowledge)"', page):
                if 'class="flash flash-success"' in self.browser.post(task, page):
                    self.writes += 1


class PrincipalWriter(Writer):
    """Reads the request list and a request: staff reads write audit rows."""

    def prepare(self) -> None:
        self.browser.sign_in(DEMO_PEOPLE["principal"], DEMO_PASSWORD)

    def step(self) -> None:
        page = self.browser.get("/requests")
        self.writes += bool(page)  # the audit rows of the students listed
        first = re.search(r'href="(/requests/\d+)"', page)
        if first:
            self.browser.get(first.group(1))


class SignInWriter(Writer):
    """Signs in and out again: a session row, the account's sign-in time and audit rows."""

    def step(self) -> None:
        self.browser.sign_in(DEMO_PEOPLE["guardian"], DEMO_PASSWORD)
        self.writes += 1
        self.browser.sign_out()


def mixed_run(server: Server, page: str, cookie: str, args, lua: Path) -> dict:
    stop = threading.Event()
    writers = [
        cls(name, server.base, stop)
        for name, cls in (
            ("guardian files and withdraws", GuardianWriter),
            ("teacher acknowledges", TeacherWriter),
            ("principal reads (audited)", PrincipalWriter),
            ("sign-in and sign-out", SignInWriter),
        )
    ]
    locked_before = server.log_count("database is locked")
    threads = [threading.Thread(target=w.run, daemon=True) for w in writers]
    for thread in threads:
        thread.start()
    time.sleep(1)
    try:
        reads = wrk(
            server,
            page,
            cookie,
            seconds=args.seconds * args.rounds,
            connections=args.connections,
            lua=lua,
        )
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    return {
        "reads": reads,
        "writers": [
            {
                "name": w.name,
                "operations": w.operations,
                "writes": w.writes,
                "statuses": w.browser.statuses if w.browser else {},
                "failures": w.failures[:5],
            }
            for w in writers
        ],
        "writer_5xx": sum(w.server_errors for w in writers),
        "database_is_locked": server.log_count("database is locked") - locked_before,
        "tracebacks": server.log_count("Traceback"),
    }


def lock_probe(server: Server, database_url: str, hold: float = 2.0, tries: int = 3) -> dict:
    """How long the guardian page takes while another connection holds SQLite's write lock
    for `hold` seconds: a read that waits for the lock answers after about `hold`."""
    browser = Browser(server.base)
    browser.sign_in(DEMO_PEOPLE["guardian"], DEMO_PASSWORD)
    browser.get(PAGES["guardian"])  # warm, and the session was just used: no touch to write
    path = database_url.removeprefix("sqlite:///")
    times = []
    for _ in range(tries):
        locked, release = threading.Event(), threading.Event()

        def hold_lock(locked=locked, release=release):
            conn = sqlite3.connect(path, timeout=30, isolation_level=None)
            conn.execute("BEGIN IMMEDIATE")
            locked.set()
            release.wait(hold)
            conn.execute("ROLLBACK")
            conn.close()

        holder = threading.Thread(target=hold_lock)
        holder.start()
        locked.wait()
        started = time.perf_counter()
        browser.get(PAGES["guardian"])
        times.append((time.perf_counter() - started) * 1000)
        release.set()
        holder.join()
    return {"hold_ms": hold * 1000, "times_ms": times, "statuses": browser.statuses}


# --- the district on PostgreSQL --------------------------------------------------------------

# Tasks as routing makes them: one per current teacher of the student, per request.
TASKS_SQL = """
INSERT INTO task (optout_id, teacher_id, status, created_at, acknowledged_at, planned_at,
                  plan_option, plan_note, closed_reason)
SELECT DISTINCT ON (o.id, st.staff_id) o.id, st.staff_id,
       CASE o.status WHEN 'submitted' THEN 'open' WHEN 'in_progress' THEN 'acknowledged'
                     WHEN 'planned' THEN 'planned' WHEN 'confirmed' THEN 'planned'
                     ELSE 'closed' END,
       o.filed_at,
       CASE WHEN o.status <> 'submitted' THEN o.filed_at + INTERVAL '1 day' END,
       CASE WHEN o.status IN ('planned', 'confirmed') THEN o.filed_at + INTERVAL '2 days' END,
       CASE WHEN o.status IN ('planned', 'confirmed') THEN 'Alternative activity' END,
       '', CASE WHEN o.status IN ('withdrawn', 'closed') THEN 'Request ended' ELSE '' END
FROM optout o
JOIN enrollment e ON e.student_id = o.student_id
JOIN section_teacher st ON st.section_id = e.section_id
ORDER BY o.id, st.staff_id
"""

# A second child for guardian 1 (a high-school student), and requests in several statuses for
# both children on district-wide tools they do not already have an active request for.
GUARDIAN_SQL = [
    """INSERT INTO guardian_link (guardian_id, student_id, relationship, has_rights, active)
       SELECT 1, 200, 'parent', true, true
       WHERE NOT EXISTS (SELECT 1 FROM guardian_link WHERE guardian_id = 1 AND student_id = 200)""",
    """INSERT INTO optout (student_id, tool_id, feature, accommodation, reason, status,
                          filed_by_guardian_id, filed_at, plan_due_on, confirm_due_on,
                          resolved_at, ended_at, version)
       SELECT s, t, '', 'Alternative activity', '', status, 1,
              CAST(:today AS timestamptz) - t * INTERVAL '3 days',
              CAST(:today AS date) - t * 3 + 5, CAST(:today AS date) - t * 3 + 7,
              CASE WHEN status = 'confirmed' THEN CAST(:today AS timestamptz) END,
              CASE WHEN status = 'withdrawn' THEN CAST(:today AS timestamptz) END, 1
       FROM (VALUES (1, 1, 'submitted'), (1, 2, 'in_progress'), (1, 3, 'confirmed'),
                    (1, 4, 'withdrawn'), (200, 1, 'planned'), (200, 5, 'confirmed'))
            AS r(s, t, status)
       WHERE NOT EXISTS (SELECT 1 FROM optout o WHERE o.student_id = r.s AND o.tool_id = r.t
                         AND o.status IN ('submitted', 'in_progress', 'planned', 'confirmed'))""",
]


def prepare_district(url: str) -> None:
    """Add, once, the guardian and teacher accounts and the teachers' tasks (idempotent)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import Session

    from consent.accounts.passwords import hash_password
    from consent.core import clock
    from consent.demo.operations import DEMO_TOTP_SECRET
    from consent.roster import home_language

    name = url.rsplit("/", 1)[-1].split("?")[0]
    if FORBIDDEN_DATABASES.fullmatch(name):
        raise SystemExit(f"refusing to write to database {name!r}: it belongs to the test suites.")
    engine = create_engine(url)
    with engine.begin() as conn:
        students = conn.scalar(text("SELECT count(*) FROM student"))
        if students < 100_000:
            raise SystemExit("build the district first: python bench/report_bench.py")
        added = []
        if not conn.scalar(
            text("SELECT count(*) FROM account WHERE email = :e"),
            {"e": DISTRICT_PEOPLE["guardian"]},
        ):
            for statement in GUARDIAN_SQL:
                conn.execute(text(statement), {"today": clock.today().isoformat()})
            # The new link was written in SQL: the child's kept home language follows it.
            with Session(bind=conn) as session:
                home_language.refresh([200], session=session)
            added.append("guardian")
        if not conn.scalar(text("SELECT count(*) FROM task")):
            conn.execute(text(TASKS_SQL))
            added.append("tasks")
        password = hash_password(DISTRICT_PASSWORD)
        for who, owner in (("guardian", "guardian_id"), ("teacher", "staff_id")):
            conn.execute(
                text(
                    f"INSERT INTO account (email, password_hash, session_token, active, {owner}, "  # noqa: S608
                    "created_at, privacy_reviewer) "
                    "SELECT CAST(:email AS varchar), :password, :token, true, 1, now(), false "
                    "WHERE NOT EXISTS (SELECT 1 FROM account WHERE email = :email)"
                ),
                {
                    "email": DISTRICT_PEOPLE[who],
                    "password": password,
                    "token": secrets.token_hex(16),
                },
            )
        conn.execute(
            text(
                "UPDATE account SET totp_secret = :key, totp_enabled_at = now() "
                "WHERE email = :email AND totp_secret IS NULL"
            ),
            {"key": DEMO_TOTP_SECRET, "email": DISTRICT_PEOPLE["principal"]},
        )
        for table in ("optout", "task"):
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table}"
                )
            )
    if added:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        print(f"district: added {', '.join(added)}")
    engine.dispose()


# --- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenario", choices=("demo", "district"))
    parser.add_argument("--database-url", default=DISTRICT_URL, help="district only")
    parser.add_argument("--pages", default="", help="comma-separated: " + ", ".join(PAGES))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--mixed", action="store_true", help="demo: also a read/write run")
    parser.add_argument("--source", type=Path, default=ROOT, help="checkout of the app to serve")
    parser.add_argument("--label", help="what --source is, e.g. the commit it was archived from")
    parser.add_argument("--json", help="append the results as one JSON line to this file")
    args = parser.parse_args()
    # Stopped from outside (timeout, kill): still stop gunicorn in the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    if not args.database_url.startswith("postgresql") and args.scenario == "district":
        raise SystemExit("the district runs on PostgreSQL")
    default_pages = "guardian" if args.scenario == "demo" else "guardian,teacher,principal"
    names = [n for n in (args.pages or default_pages).split(",") if n and n != "none"]
    source = args.source.resolve()

    with tempfile.TemporaryDirectory(prefix="consent-pages-") as folder:
        folder = Path(folder)
        if args.scenario == "demo":
            url, people, password = demo_database(source, folder), DEMO_PEOPLE, DEMO_PASSWORD
        else:
            url, people, password = args.database_url, DISTRICT_PEOPLE, DISTRICT_PASSWORD
            prepare_district(url)
        lua = folder / "report.lua"
        lua.write_text(WRK_SCRIPT, encoding="utf-8")
        server = Server(source, url, args.workers, folder / "gunicorn.log")
        report = {
            "scenario": args.scenario,
            "source": str(source),
            "commit": args.label
            or subprocess.run(
                ["git", "-C", str(source), "rev-parse", "--short", "HEAD"],
                capture_output=True,
                text=True,
            ).stdout.strip(),
            "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
            "load_start": load_average(),
            "pages": {},
        }
        print(
            f"{args.scenario} on {url.split('://')[0]}, serving {source} "
            f"({report['commit'] or 'not a git checkout'}), gunicorn -w {args.workers}, "
            f"wrk -c {args.connections}, {args.rounds} x {args.seconds} s; "
            f"load {report['load_start']:.2f}",
            flush=True,
        )
        try:
            server.start()
            lines = []
            for name in names:
                browser = Browser(server.base)
                browser.sign_in(people[name], password)
                browser.get(PAGES[name])
                if urllib.parse.urlparse(browser.last_url).path != PAGES[name]:
                    raise SystemExit(f"{PAGES[name]} did not answer 200 after sign-in")
                print(f"\n{name}: {PAGES[name]}", flush=True)
                summary = alternate(server, PAGES[name], browser.cookie, args, lua)
                report["pages"][name] = summary
                lines += verdict(args.scenario, name, summary)
            if args.scenario == "demo":
                probe = lock_probe(server, url)
                report["lock_probe"] = probe
                waited = max(probe["times_ms"]) >= probe["hold_ms"] * 0.9
                lines.append(
                    f"lock probe: guardian page while another connection holds the write lock "
                    f"for {probe['hold_ms']:.0f} ms: "
                    + ", ".join(f"{t:.0f}" for t in probe["times_ms"])
                    + f" ms, statuses {probe['statuses']}"
                )
                lines.append(f"  {'FAIL' if waited else 'PASS'} a read does not wait for the lock")
            if args.mixed:
                browser = Browser(server.base)
                browser.sign_in(people["guardian"], password)
                print(
                    f"\nmixed: {PAGES['guardian']} read by wrk while four writers write", flush=True
                )
                mixed = mixed_run(server, PAGES["guardian"], browser.cookie, args, lua)
                report["mixed"] = mixed
                reads = mixed["reads"]
                lines.append(
                    f"mixed: guardian page {reads['rps']:.1f} req/s, p50 {reads['p50_ms']:.1f}, "
                    f"p95 {reads['p95_ms']:.1f}, p99 {reads['p99_ms']:.1f} ms, "
                    f"reads not 200: {reads['not_200']} (5xx {reads['5xx']}); writers "
                    + ", ".join(
                        f"{w['name']} {w['operations']} steps, {w['writes']} writes {w['statuses']}"
                        for w in mixed["writers"]
                    )
                    + f"; writers' 5xx {mixed['writer_5xx']}; 'database is locked' in "
                    f"gunicorn's log: {mixed['database_is_locked']}; tracebacks "
                    f"{mixed['tracebacks']}"
                )
                for w in mixed["writers"]:
                    for failure in w["failures"]:
                        lines.append(f"  writer {w['name']}: {failure}")
                no_errors = (
                    reads["5xx"] == 0
                    and mixed["writer_5xx"] == 0
                    and mixed["database_is_locked"] == 0
                )
                lines.append(
                    f"  {'PASS' if no_errors else 'FAIL'} mixed: no 5xx, no 'database is locked'"
                )
                wrote = all(w["writes"] for w in mixed["writers"])
                lines.append(f"  {'PASS' if wrote else 'FAIL'} mixed: every writer changed data")
        finally:
            server.stop()
        report["load_end"] = load_average()
        report["tracebacks"] = server.log_count("Traceback")
        if report["tracebacks"]:
            tail = server.log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
            print(f"\ngunicorn logged {report['tracebacks']} tracebacks; the last:\n{tail}")
    print(
        f"\nload average {report['load_start']:.2f} at the start, {report['load_end']:.2f} "
        "at the end"
    )
    for line in lines:
        print(line)
    verdict_line = "FAIL" if any(" FAIL " in f" {line.strip()} " for line in lines) else "PASS"
    print(f"VERDICT: {verdict_line}")
    if args.json:
        with open(args.json, "a", encoding="utf-8") as out:
            out.write(json.dumps(report) + "\n")


if __name__ == "__main__":
    main()
