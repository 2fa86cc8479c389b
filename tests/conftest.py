"""Test set-up: a migrated database (SQLite file, or PostgreSQL from DATABASE_URL), the demo
district restored fresh for every test, a real SMTP server on loopback, and sign-in through the
real form with CSRF on. Helpers to import are in tests/support.py.

`make test` runs the suite in pytest-xdist workers; each worker has a database of its own (its
own SQLite file; on PostgreSQL `<name>_gw0`, `<name>_gw1`, ... beside DATABASE_URL's). What is
counted over the whole run (the log scan, the probe counts) is added up from the workers."""

import logging
import os
import re
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_migrate import upgrade
from sqlalchemy import create_engine, make_url, text

from consent.core import clock
from consent.demo.operations import DEMO_PASSWORD, load_demo
from consent.extensions import db
from tests.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PROBE_COUNTS,
    TEST_PUBLIC_URL,
    Browser,
    Demo,
    LiveServer,
    OidcProvider,
    Processes,
    SmtpSink,
    browser_context,
    keep_snapshot,
    make_app,
    mark_backlog_sent,
    restore,
    wipe,
)

# ASVS 16.2.5: no password, token or email address in any log line the app writes — checked over
# the captured logs of the whole run, not only in the tests that look for it.
APP_LOGGERS = ("consent", "werkzeug", "flask", "gunicorn", "root")
SECRET_PATTERNS = {
    "email address": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    "demo password": re.compile(re.escape(DEMO_PASSWORD)),
    "secret key": re.compile(r"test-secret-key"),
    "emailed token": re.compile(r"/(?:password/reset|invitation)/[\w.-]{20,}"),
}


class LogScanner(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.leaks: list[str] = []
        self.lines = 0

    def emit(self, record):
        if record.name.split(".")[0] not in APP_LOGGERS:
            return
        self.lines += 1
        line = f"{record.name}: {record.getMessage()}"
        for kind, pattern in SECRET_PATTERNS.items():
            if pattern.search(line):
                self.leaks.append(f"{kind} in log line {line[:300]!r}")


LOG_SCANNER = LogScanner()


@pytest.fixture(autouse=True)
def real_time():
    """Every test starts on the real clock: a test that moved it and failed (or forgot) before
    putting it back must not move the next test in the same process (a webhook's signed
    timestamp, checked against the receiver's real time, was off by the leftover)."""
    clock.reset()
    yield
    clock.reset()


@pytest.fixture(autouse=True)
def scan_logs():
    """(Re)attach the scanner: Alembic's fileConfig, run by `flask db upgrade`, resets the root
    logger's handlers and level."""
    root = logging.getLogger()
    if LOG_SCANNER not in root.handlers:
        root.addHandler(LOG_SCANNER)
    if root.level > logging.INFO:
        root.setLevel(logging.INFO)  # what create_app configures in production


TRANSLATIONS = Path(__file__).resolve().parent.parent / "consent" / "translations"


def pytest_collection_modifyitems(session, config, items):
    """Tests marked `long` run first: started last, one of them would leave a worker running
    alone at the end while the other has nothing left to take (pytest-xdist's worksteal moves
    waiting tests, not running ones). The order among the rest stays as collected."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


def pytest_sessionstart(session):
    """Compiled catalogs (.mo) are built, not committed: build any missing or older than its
    .po, so `pytest` on a fresh clone shows every language the code has."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f)
        scratch = mo.with_name(f"{mo.name}.{os.getpid()}.tmp")
        with scratch.open("wb") as f:
            write_mo(f, catalog)
        scratch.replace(mo)  # in one step: a run starting alongside never reads half a file


LOG_LINES = "Logs: app log lines scanned for personal data and secrets"


def pytest_sessionfinish(session, exitstatus):
    PROBE_COUNTS[LOG_LINES] = PROBE_COUNTS.get(LOG_LINES, 0) + LOG_SCANNER.lines
    worker_output = getattr(session.config, "workeroutput", None)
    if worker_output is not None:  # an xdist worker: the controller reports for the whole run
        worker_output["log_leaks"] = LOG_SCANNER.leaks
        worker_output["probe_counts"] = PROBE_COUNTS
        return
    if LOG_SCANNER.leaks:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: a run with -p no:xdist has none
def pytest_testnodedown(node, error):
    """An xdist worker finished: add its leaks and counts to the run's (in the controller)."""
    output = getattr(node, "workeroutput", {})
    LOG_SCANNER.leaks.extend(output.get("log_leaks", []))
    for name, count in output.get("probe_counts", {}).items():
        PROBE_COUNTS[name] = PROBE_COUNTS.get(name, 0) + count


def pytest_terminal_summary(terminalreporter):
    if LOG_SCANNER.leaks:
        terminalreporter.section("personal data or secrets in the logs", red=True)
        for leak in LOG_SCANNER.leaks[:50]:
            terminalreporter.write_line(leak)
    if PROBE_COUNTS:
        terminalreporter.section("security probe counts")
        for name, count in sorted(PROBE_COUNTS.items()):
            terminalreporter.write_line(f"{name}: {count}")


def worker_id(config) -> str | None:
    """gw0, gw1, ... in a pytest-xdist worker; None in a run without workers."""
    return getattr(config, "workerinput", {}).get("workerid")


def worker_database(url: str, worker: str) -> str:
    """This worker's own PostgreSQL database beside `url`'s (test -> test_gw0), created when
    missing through the server's `postgres` database."""
    own = make_url(url)
    own = own.set(database=f"{own.database}_{worker}")
    engine = create_engine(own.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own.database}
            )
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{own.database}"'))
    finally:
        engine.dispose()
    return own.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, pytestconfig) -> str:
    url = os.environ.get("DATABASE_URL")
    if url and url.startswith("postgresql"):
        worker = worker_id(pytestconfig)
        if worker:
            url = worker_database(url, worker)
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
            # A test never needs its commit on disk before it goes on (the server is never cut
            # off mid-test): every connection to this database, in any process, skips the wait.
            name = make_url(url).database
            conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
        engine.dispose()
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'consent.sqlite'}"


@pytest.fixture(scope="session")
def migrated(database_url) -> str:
    """`flask db upgrade` once per run: the schema always comes from the migrations."""
    app = make_app(database_url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return database_url


@pytest.fixture
def smtp():
    """A real SMTP server on loopback that keeps every message it receives."""
    server = SmtpSink()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def snapshot(migrated):
    """The demo district loaded once through the real operations, kept beside the test database
    for `restore` to copy back before every test."""
    app = make_app(migrated)
    with app.app_context():
        wipe(app)
        district = load_demo()
        db.session.commit()
        ids = {
            kind: {key: obj.id for key, obj in getattr(district, kind).items()}
            for kind in (
                "schools",
                "staff",
                "sections",
                "students",
                "guardians",
                "accounts",
                "tools",
                "optouts",
            )
        }
        db.session.remove()
        keep_snapshot()
        db.engine.dispose()
    return Demo(ids=ids)


@pytest.fixture
def app(snapshot, migrated, smtp):
    app = make_app(migrated, MAIL_PORT=smtp.port)
    with app.app_context():
        restore()
    app.demo = snapshot
    yield app
    with app.app_context():
        db.session.remove()
        if db.engine.dialect.name != "postgresql":  # PostgreSQL's engine is shared (support.py)
            db.engine.dispose()


@pytest.fixture
def demo(app) -> Demo:
    return app.demo


@pytest.fixture
def ctx(app):
    """An app context for tests that call operations and queries directly."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def browser(app) -> Browser:
    return Browser(app.test_client())


@pytest.fixture
def as_(app):
    """as_("maria") → a Browser signed in as that persona."""

    def make(persona: str) -> Browser:
        b = Browser(app.test_client())
        b.sign_in(persona)
        return b

    return make


@pytest.fixture
def live_server(app):
    """The app served on a loopback port in a thread, for the browser tests (see LiveServer)."""
    from tests.browser import test_journey

    test_journey.APP[0] = app  # the second step's codes are read from the served app
    server = LiveServer(app).start()
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, headless, launched once per test process (each xdist worker): a launch
    costs about a second, and every test gets a fresh browser context of its own (`page`), which
    shares no cookies, storage or cache with any other test's."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=10_000)  # the same patience as the contexts' actions
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    """A page in a fresh browser context on this test's live server."""
    context = browser_context(chromium, live_server)
    yield context.new_page()
    context.close()


@pytest.fixture
def processes():
    """processes.start([...]) → a Popen that is ended, with anything it started, when the test
    ends, whether it passed or failed (see Processes in tests/support.py)."""
    started = Processes()
    try:
        yield started
    finally:
        started.stop_all()


@pytest.fixture(scope="session")
def _worker_oidc_provider(tmp_path_factory):
    """One provider per test process for the tests that only sign in through it (starting node
    cost about a second a test). Its `stop` and `restart` refuse: a test that takes the provider
    down or changes its key asks for `own_oidc_provider`."""
    started = Processes()
    provider = OidcProvider(started, tmp_path_factory.mktemp("oidc"), TEST_PUBLIC_URL)
    try:
        yield provider.start().shared()
    finally:
        started.stop_all()


@pytest.fixture
def oidc_provider(app, _worker_oidc_provider):
    """A real OpenID Connect provider (npm oidc-provider under node) on a loopback port, and the
    app configured to let staff sign in with it. Shared by the process's tests: each sign-in is
    a flow of its own at the provider (its own browser session, code, state and nonce)."""
    assert app.config["PUBLIC_URL"] == TEST_PUBLIC_URL, "the shared provider sends people there"
    app.config.update(_worker_oidc_provider.app_config())
    return _worker_oidc_provider


@pytest.fixture
def own_oidc_provider(app, processes, tmp_path):
    """A provider of the test's own, which it may stop or restart with a new key; ended when
    the test ends, whatever happens."""
    provider = OidcProvider(processes, tmp_path, app.config["PUBLIC_URL"]).start()
    app.config.update(provider.app_config())
    return provider


@pytest.fixture
def no_backlog(app):
    """Only the messages the test causes are waiting (see mark_backlog_sent)."""
    mark_backlog_sent(app)
