"""Time every report page on a synthetic district of full size (PostgreSQL).

    python bench/report_bench.py \
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_reports] \
        [--reuse] [--runs 7] [--json FILE]

1. Makes a fresh database: `DROP SCHEMA public CASCADE; CREATE SCHEMA public` in the given
   database (never one named test or test_a..test_e), then `flask_migrate.upgrade()`.
   --reuse keeps the data of an earlier run (the schema must be current).
2. Builds the district in SQL (INSERT ... SELECT over generate_series; deterministic): 210
   schools, 160,000 students, 250,000 guardians, 45,000 sections, 1.3 million enrollments,
   600 tools in 8,000 tool uses, 50,000 opt-outs in every status (filed over the last 300 days;
   30,000 confirmed), 15 closures, and, when the consent-form tables exist, 5 published forms
   with 500,000 answers. Sets every student's kept home language (consent.roster.home_language)
   and the class reach table (consent.catalog.class_reach), then VACUUM ANALYZE.
3. Signs in (the real form) as the privacy officer and as a principal, and GETs every report
   page --runs times through the Flask test client, after one warm-up request each. It prints
   the median and the slowest run, the statements each page sent, and the 1-minute load average
   before and after (the machine is shared: above about 1, other work was using the CPUs).
"""

# ruff: noqa: S608 - the SQL below is built from this file's own integer constants only
import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_reports"
FORBIDDEN_DATABASES = re.compile(r"test(_[a-e])?")  # the test suites' databases
PASSWORD = "bench-password-2026"  # noqa: S105 - the synthetic district's accounts
OFFICER = "privacy@bench.example"
PRINCIPAL = "principal-1@bench.example"
TARGET_MS = 300

SCHOOLS, STUDENTS, GUARDIANS, SECTIONS = 210, 160_000, 250_000, 45_000
SECTIONS_PER_STUDENT = 8  # 1.28 million enrollments
TOOLS, DISTRICT_USES, SCHOOL_USES, SECTION_USES = 600, 10, 400, 7_590
OPTOUTS = 50_000

# Each statement runs once, in order; :today is the district's today.
DISTRICT_SQL = [
    f"""INSERT INTO school (id, sourced_id, name, active)
        SELECT s, 'school-' || s,
               CASE WHEN s <= 120 THEN 'Elementary ' WHEN s <= 170 THEN 'Middle '
                    ELSE 'High ' END || 'School ' || lpad(s::text, 3, '0'), true
        FROM generate_series(1, {SCHOOLS}) s""",
    f"""INSERT INTO student (id, sourced_id, district_identifier, given_name, family_name, grade,
                             school_id, active)
        SELECT i, 'student-' || i, 'S' || lpad(i::text, 7, '0'), 'Given' || i,
               'Family' || (i % 997),
               CASE WHEN school <= 120 THEN (ARRAY['K','1','2','3','4','5'])[1 + i % 6]
                    WHEN school <= 170 THEN (6 + i % 3)::text ELSE (9 + i % 4)::text END,
               school, i % 50 <> 0
        FROM (SELECT i, 1 + (i - 1) % {SCHOOLS} AS school
              FROM generate_series(1, {STUDENTS}) i) s""",
    f"""INSERT INTO guardian (id, sourced_id, given_name, family_name, email, preferred_language,
                              active)
        SELECT g, 'guardian-' || g, 'Parent' || g, 'Family' || (g % 997),
               'g' || g || '@bench.example',
               CASE WHEN g % 10 < 7 THEN 'en' WHEN g % 10 < 9 THEN 'es'
                    ELSE (ARRAY['zh','vi','ko','fr','ar'])[1 + g % 5] END, true
        FROM generate_series(1, {GUARDIANS}) g""",
    f"""INSERT INTO guardian_link (guardian_id, student_id, relationship, has_rights, active)
        SELECT i, i, 'parent', true, true FROM generate_series(1, {STUDENTS}) i
        UNION ALL
        SELECT {STUDENTS} + 1 + (i / 2) % ({GUARDIANS} - {STUDENTS}), i, 'guardian', true, true
        FROM generate_series(2, {STUDENTS}, 2) i""",
    f"""INSERT INTO staff (id, sourced_id, given_name, family_name, email, role, school_id, active)
        SELECT t, 'staff-' || t, 'Teacher' || t, 'Staff', 't' || t || '@bench.example', 'teacher',
               NULL, true FROM generate_series(1, 13000) t
        UNION ALL
        SELECT 13000 + s, 'principal-' || s, 'Principal' || s, 'Staff',
               'principal-' || s || '@bench.example', 'principal', s, true
        FROM generate_series(1, {SCHOOLS}) s
        UNION ALL
        SELECT 14000, 'privacy-officer', 'Pat', 'Officer', '{OFFICER}', 'privacy_officer', NULL,
               true""",
    f"""INSERT INTO section (id, sourced_id, title, school_id, term, active)
        SELECT c, 'section-' || c, 'Section ' || c, 1 + (c - 1) % {SCHOOLS}, '2026-2027', true
        FROM generate_series(1, {SECTIONS}) c""",
    f"""INSERT INTO section_teacher (section_id, staff_id)
        SELECT c, 1 + (c - 1) % 13000 FROM generate_series(1, {SECTIONS}) c""",
    # Student i (school s) is in 8 distinct sections of school s: s + 210 * k, k < 214.
    f"""INSERT INTO enrollment (student_id, section_id, begin_date, end_date)
        SELECT i, school + {SCHOOLS} * ((i * 7 + j * 31) % 214), CAST(:year_start AS date), NULL
        FROM (SELECT i, 1 + (i - 1) % {SCHOOLS} AS school
              FROM generate_series(1, {STUDENTS}) i) s,
             generate_series(0, {SECTIONS_PER_STUDENT - 1}) j""",
    f"""INSERT INTO tool (id, name, vendor, purpose, website, privacy_policy_url, grade_band,
                          legal_basis, vetting_status, agreement_status, agreement_signed_on,
                          agreement_expires_on)
        SELECT t, 'Tool ' || lpad(t::text, 3, '0'), 'Vendor ' || (t % 150), 'Learning',
               'https://tool' || t || '.example', 'https://tool' || t || '.example/privacy',
               'K-12', 'school_official', 'approved', 'signed', CAST(:year_start AS date) - 365,
               CAST(:today AS date) + (t * 37) % 720 - 30
        FROM generate_series(1, {TOOLS}) t""",
    f"""INSERT INTO tool_use (tool_id, scope, school_id, section_id, starts_on, ends_on)
        SELECT u, 'district', CAST(NULL AS integer), CAST(NULL AS integer),
               CAST(:year_start AS date), CAST(NULL AS date)
        FROM generate_series(1, {DISTRICT_USES}) u
        UNION ALL
        SELECT {DISTRICT_USES} + 1 + u % 100, 'school', 1 + (u * 13) % {SCHOOLS}, NULL,
               CAST(:year_start AS date), NULL
        FROM generate_series(1, {SCHOOL_USES}) u
        UNION ALL
        SELECT 111 + u % 490, 'section', NULL, 1 + (u * 5) % {SECTIONS}, CAST(:year_start AS date),
               CASE WHEN u % 20 = 0 THEN CAST(:year_start AS date) + 60 END
        FROM generate_series(1, {SECTION_USES}) u""",
    """INSERT INTO closure (day, reason)
        SELECT d::date, 'Closure'
        FROM generate_series(CAST(:year_start AS date) + 20, CAST(:year_start AS date) + 300,
                             INTERVAL '19 days') d""",
    # Distinct students (7919 is prime to 160,000), so no two active requests collide.
    f"""INSERT INTO optout (id, student_id, tool_id, feature, accommodation, reason, status,
                            filed_by_guardian_id, filed_at, plan_due_on, confirm_due_on,
                            resolved_at, ended_at, version)
        SELECT i, student, tool, '', 'Alternative activity', '', status, student, filed,
               CAST(filed AS date) + 5, CAST(filed AS date) + 7,
               CASE WHEN status = 'confirmed'
                      OR (status IN ('withdrawn', 'closed') AND i % 5 <> 0)
                    THEN filed + ((i * 13) % 25) * INTERVAL '1 day' END,
               CASE WHEN status IN ('withdrawn', 'closed') THEN filed + INTERVAL '30 days' END, 1
        FROM (SELECT i, 1 + (i * 7919) % {STUDENTS} AS student, 1 + (i * 31) % {TOOLS} AS tool,
                     (ARRAY['submitted','in_progress','planned','confirmed','confirmed',
                            'confirmed','confirmed','confirmed','withdrawn','closed'])[1 + i % 10]
                         AS status,
                     CAST(:today AS timestamptz) - ((i * 17) % 300) * INTERVAL '1 day'
                         - (i % 24) * INTERVAL '1 hour' AS filed
              FROM generate_series(1, {OPTOUTS}) i) o""",
]

# Five published forms, 500,000 answers in force (one per form and student).
CONSENT_SQL = [
    """INSERT INTO consent_form (id, school_year, kind, tool_id, mode, title, opens_on, closes_on,
                                 status, created_at, published_at)
        SELECT f, '2026-2027', kind, CASE WHEN kind = 'tool_consent' THEN 1 END, mode,
               'Form ' || f, CAST(:year_start AS date), CAST(:year_start AS date) + 60,
               'published', now(), now()
        FROM (VALUES (1, 'directory_information', 'opt_out'), (2, 'media_release', 'opt_out'),
                     (3, 'military_recruiter', 'opt_out'), (4, 'ppra_survey', 'opt_in'),
                     (5, 'tool_consent', 'opt_in')) AS f(f, kind, mode)""",
    """INSERT INTO consent_form_version (id, form_id, number, text, created_at)
        SELECT f, f, 1, 'Text of form ' || f, now() FROM generate_series(1, 5) f""",
    """INSERT INTO consent_form_grade (form_id, grade)
        SELECT 3, g::text FROM generate_series(9, 12) g""",
    """INSERT INTO consent_form_grade (form_id, grade)
        SELECT 4, g::text FROM generate_series(6, 8) g""",
    """INSERT INTO consent_answer (form_id, student_id, answer, version_id, guardian_id, method,
                                   answered_at)
        SELECT f.f, s.id, CASE WHEN (s.id + f.f) % 7 = 0 THEN 'refused' ELSE 'granted' END, f.f,
               s.id, CASE WHEN s.id % 9 = 0 THEN 'paper' ELSE 'web' END, now()
        FROM student s
        JOIN (VALUES (1, 97), (2, 95), (3, 90), (4, 88), (5, 90)) AS f(f, pct) ON true
        WHERE s.active AND (s.id * 37 + f.f * 11) % 100 < f.pct
          AND (f.f <> 3 OR s.grade IN ('9', '10', '11', '12'))
          AND (f.f <> 4 OR s.grade IN ('6', '7', '8'))""",
]


def _load() -> float:
    return os.getloadavg()[0]


def fresh_database(url: str) -> None:
    from sqlalchemy import create_engine, text

    name = url.rsplit("/", 1)[-1].split("?")[0]
    if FORBIDDEN_DATABASES.fullmatch(name):
        raise SystemExit(f"refusing to wipe database {name!r}: it belongs to the test suites.")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def make_app(url: str):
    from consent import create_app

    return create_app(
        {
            "SECRET_KEY": "bench-secret-key",
            "SQLALCHEMY_DATABASE_URI": url,
            "SESSION_COOKIE_SECURE": False,
            "SIGNIN_RATE_LIMIT": "1000 per minute",
            "MAIL_SUPPRESS_SEND": True,
            "TESTING": True,
        }
    )


def build(app) -> dict:
    from datetime import date

    from flask_migrate import upgrade
    from sqlalchemy import inspect, text

    from consent.accounts.models import Account
    from consent.accounts.passwords import hash_password
    from consent.catalog import class_reach
    from consent.core import clock
    from consent.extensions import db
    from consent.roster import home_language

    timings = {}
    with app.app_context():
        started = time.perf_counter()
        upgrade()
        timings["migrate"] = time.perf_counter() - started
        today = clock.today()
        year = today.year if today.month >= 8 else today.year - 1
        params = {"today": today.isoformat(), "year_start": date(year, 8, 24).isoformat()}
        statements = list(DISTRICT_SQL)
        has_forms = "consent_answer" in inspect(db.engine).get_table_names()
        if has_forms:
            statements += CONSENT_SQL
        started = time.perf_counter()
        for statement in statements:
            db.session.execute(text(statement), params)
        password = hash_password(PASSWORD)
        db.session.add(Account(email=OFFICER, password_hash=password, staff_id=14000))
        db.session.add(Account(email=PRINCIPAL, password_hash=password, staff_id=13001))
        db.session.commit()
        for table in db.metadata.sorted_tables:
            if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement:
                db.session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table.name}"
                    )
                )
        db.session.commit()
        timings["generate"] = time.perf_counter() - started
        # The links were written in SQL, past the flush hook: every student's kept home
        # language is set from them, as `flask reports rebuild-home-languages` would.
        started = time.perf_counter()
        home_language.refresh()
        db.session.commit()
        timings["home_languages"] = time.perf_counter() - started
        # The SQL above bypasses the ORM's flush hook: the class reach is written once, whole.
        started = time.perf_counter()
        class_reach.rebuild()
        db.session.commit()
        timings["class_reach"] = time.perf_counter() - started
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            started = time.perf_counter()
            conn.execute(text("VACUUM ANALYZE"))  # as autovacuum would have by now
            timings["analyze"] = time.perf_counter() - started
        counts = {
            name: db.session.scalar(text(f"SELECT count(*) FROM {name}"))
            for name in (
                "school",
                "student",
                "guardian",
                "guardian_link",
                "section",
                "enrollment",
                "tool",
                "tool_use",
                "optout",
                *(["consent_answer"] if has_forms else []),
            )
        }
        db.session.remove()
    return {"timings": timings, "counts": counts, "consent_forms": has_forms}


_CLIENTS: dict = {}


def signed_in(app, email: str):
    """A test client signed in as `email`, once per run: a second sign-in within the same
    30-second step would reuse the second factor's code, which the app refuses as a replay."""
    if (id(app), email) not in _CLIENTS:
        _CLIENTS[id(app), email] = _sign_in(app, email)
    return _CLIENTS[id(app), email]


def _sign_in(app, email: str):
    client = app.test_client()
    page = client.get("/signin").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    answer = client.post(
        "/signin", data={"csrf_token": token, "email": email, "password": PASSWORD}
    )
    assert answer.status_code == 302, f"{email} could not sign in"
    if answer.headers["Location"].startswith("/signin/code"):
        import pyotp

        from consent.demo.operations import DEMO_TOTP_SECRET

        # The office and principals confirm with a second factor: the bench's hold the demo's key.
        page = client.get("/signin/code").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        answer = client.post(
            "/signin/code",
            data={"csrf_token": token, "code": pyotp.TOTP(DEMO_TOTP_SECRET).now()},
        )
        assert answer.status_code == 302, f"{email}: the second factor was refused"
    return client


def enrol_second_factor(app, emails) -> None:
    """Give the bench's office and principal accounts the demo's second-factor key (the app
    requires one for them), once."""
    from sqlalchemy import update

    from consent.accounts.models import Account
    from consent.core import clock
    from consent.demo.operations import DEMO_TOTP_SECRET
    from consent.extensions import db

    with app.app_context():
        for email in emails:
            db.session.execute(
                update(Account)
                .where(Account.email == email, Account.totp_secret.is_(None))
                .values(totp_secret=DEMO_TOTP_SECRET, totp_enabled_at=clock.now())
            )
        db.session.commit()


def pages(app) -> list[tuple[str, str]]:
    urls = [
        ("officer", "/reports"),
        ("officer", "/reports?school=171"),
        ("officer", "/reports/overdue"),
        ("officer", "/reports/tools"),
        ("officer", "/reports/tools?school=171"),
        ("principal", "/reports"),
        ("principal", "/reports/overdue"),
        ("principal", "/reports/tools"),
    ]
    if "reports.consent_forms" in app.view_functions:
        urls += [
            ("officer", "/reports/consent-forms"),
            ("officer", "/reports/consent-forms?form=3"),
            ("principal", "/reports/consent-forms"),
        ]
    return urls


def time_pages(app, runs: int) -> list[dict]:
    from sqlalchemy import event

    from consent.extensions import db

    enrol_second_factor(app, (OFFICER, PRINCIPAL))
    clients = {"officer": signed_in(app, OFFICER), "principal": signed_in(app, PRINCIPAL)}
    with app.app_context():
        engine = db.engine
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(1))
    results = []
    for who, url in pages(app):
        client = clients[who]
        answer = client.get(url)  # warm-up: caches, compiled statements, connection
        assert answer.status_code == 200, f"{url}: {answer.status_code}"
        times = []
        for _run in range(runs):
            statements.clear()
            started = time.perf_counter()
            answer = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200
        results.append(
            {
                "who": who,
                "url": url,
                "median_ms": round(statistics.median(times), 1),
                "max_ms": round(max(times), 1),
                "statements": len(statements),
                "bytes": len(answer.get_data()),
            }
        )
    return results


def time_exports(app) -> list[dict]:
    """Whole CSV downloads, for the record (they stream; the target is for pages)."""
    enrol_second_factor(app, (OFFICER,))
    client = signed_in(app, OFFICER)
    results = []
    for name in ("open-by-school", "optout-rate", "overdue", "time-to-confirmation"):
        started = time.perf_counter()
        answer = client.get(f"/reports/{name}.csv")
        body = answer.get_data()
        results.append(
            {
                "url": f"/reports/{name}.csv",
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "rows": body.count(b"\n") - 1,
            }
        )
    return results


def forget_snapshots(app) -> None:
    """Start from live figures, as a district has before its first `flask reports refresh`."""
    from consent.extensions import db
    from consent.reports.models import ReportSnapshot

    with app.app_context():
        db.session.query(ReportSnapshot).delete()
        db.session.commit()


def refresh_snapshots(app) -> float:
    """What cron runs every few minutes (`flask reports refresh`); returns its milliseconds."""
    result_start = time.perf_counter()
    result = app.test_cli_runner().invoke(args=["reports", "refresh"])
    if result.exit_code != 0:
        raise SystemExit(result.output)
    return (time.perf_counter() - result_start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--reuse", action="store_true", help="keep the data of an earlier run")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", help="append the results as one JSON line to this file")
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        raise SystemExit("the report bench runs on PostgreSQL")

    report = {"load_before": _load()}
    if not args.reuse:
        fresh_database(args.database_url)
    app = make_app(args.database_url)
    if not args.reuse:
        report.update(build(app))
        print(json.dumps({k: report[k] for k in ("timings", "counts")}, indent=1))
    report["load_start"] = _load()
    forget_snapshots(app)
    report["pages_live"] = time_pages(app, args.runs)
    report["refresh_ms"] = refresh_snapshots(app)
    report["pages"] = time_pages(app, args.runs)
    report["exports"] = time_exports(app)
    report["load_after"] = _load()

    print(f"\nload average {report['load_start']:.2f} before, {report['load_after']:.2f} after")
    for title, rows in (
        ("computed live on every view (no `flask reports refresh` yet)", report["pages_live"]),
        (f"after `flask reports refresh` ({report['refresh_ms']:.0f} ms)", report["pages"]),
    ):
        print(f"\n{title}")
        print(f"{'who':10} {'page':38} {'median ms':>10} {'max ms':>8} {'stmts':>6}")
        for row in rows:
            flag = "" if row["median_ms"] <= TARGET_MS else "  over target"
            print(
                f"{row['who']:10} {row['url']:38} {row['median_ms']:>10} {row['max_ms']:>8} "
                f"{row['statements']:>6}{flag}"
            )
    for row in report["exports"]:
        print(f"export     {row['url']:38} {row['ms']:>10} ms, {row['rows']} rows")
    if args.json:
        with open(args.json, "a", encoding="utf-8") as out:
            out.write(json.dumps(report) + "\n")


if __name__ == "__main__":
    main()
