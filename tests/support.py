"""Shared test helpers: personas, the app factory for tests, the database snapshot, the SMTP
sink, the CSRF token of a page, the form-filling client, the query counter and the processes a
test starts. Fixtures live in conftest.py; rows a test needs beyond the demo in factories.py."""

import base64
import contextlib
import functools
import hashlib
import json
import os
import random
import re
import signal
import socket
import subprocess
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

import requests
from aiosmtpd.controller import Controller
from flask import Flask
from itsdangerous import URLSafeTimedSerializer
from jinja2 import BytecodeCache
from sqlalchemy import event, text, update
from sqlalchemy.engine import Dialect
from werkzeug.routing.rules import Rule
from werkzeug.serving import make_server

from config import Config
from consent import create_app
from consent.accounts import totp
from consent.accounts.models import Account
from consent.core import clock
from consent.demo.operations import DEMO_PASSWORD, DEMO_TOTP_SECRET
from consent.extensions import db

# Security suites put their probe counts here; conftest prints them after the run (issue 5 asks
# for each suite's count to be visible in CI output, not only its pass).
PROBE_COUNTS: dict[str, int] = {}

PERSONAS = {
    "maria": "maria.garcia@demo.consent.example",  # guardian: Sofia (Oakwood) and Mateo (Riverside)
    "luis": "luis.garcia@demo.consent.example",  # second parent of Sofia and Mateo
    "james": "james.chen@demo.consent.example",  # guardian: Ava (Oakwood)
    "grace": "grace.chen@demo.consent.example",  # relative of Ava, no FERPA rights
    "patricia": "patricia.jones@demo.consent.example",  # guardian: Olivia (Riverside)
    "johnson": "emily.johnson@demo.consent.example",  # teacher: Room 12, Grade 4 Science
    "kim": "david.kim@demo.consent.example",  # teacher: Grade 4 Science, Room 15
    "patel": "raj.patel@demo.consent.example",  # teacher: Math 7, Science 7, English 7
    "brooks": "angela.brooks@demo.consent.example",  # principal, Oakwood
    "reed": "thomas.reed@demo.consent.example",  # principal, Riverside
    "lee": "privacy@demo.consent.example",  # privacy officer
}


# Under pytest-xdist each worker hands out ports from its own block, below the kernel's
# ephemeral range (32768 and up): two workers never pick the same port, and no outgoing
# connection (to PostgreSQL, to a server another test started) takes one before its server binds.
PORT_BLOCK = 500
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_BLOCK_START = (
    20_000 + int(_WORKER[2:]) * PORT_BLOCK
    if re.fullmatch(r"gw\d+", _WORKER) and int(_WORKER[2:]) < 24
    else None
)
_next_port = random.randrange(PORT_BLOCK)


def free_port() -> int:
    """A loopback port nothing listens on, for a server the test is about to start."""
    global _next_port
    if _BLOCK_START is not None:
        for _ in range(PORT_BLOCK):  # in turn, so one test's servers never get the same port
            port = _BLOCK_START + _next_port % PORT_BLOCK
            _next_port += 1
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


CHROMIUM = "/usr/bin/chromium"  # Debian's; never downloaded at run time
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def browser_context(chromium, base_url: str, **options):
    """A fresh Playwright context on the live server. The app's CSP forbids inline script;
    bypass it only so axe can be injected."""
    context = chromium.new_context(base_url=base_url, bypass_csp=True, **options)
    context.set_default_timeout(10_000)
    return context


class LiveServer:
    """A WSGI app served on a loopback port in a thread, for the browser tests.

    Werkzeug's server skips closing a response when the browser drops the connection first (a
    favicon or a redirect cut off by the next page): the open file or pooled connection is then
    reported by the garbage collector in whatever test runs next. So each response is read and
    closed here, before it is written; and `stop()` returns only once no request is still being
    answered, so the app is never torn down under one."""

    def __init__(self, app):
        self.app = app
        self._answering = 0
        self._idle = threading.Condition()
        self._server = make_server("127.0.0.1", free_port(), self._answer, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> "LiveServer":
        self._thread.start()
        return self

    def stop(self, patience: float = 10.0) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)
        with self._idle:
            self._idle.wait_for(lambda: self._answering == 0, timeout=patience)
        # Not server_close(): it would also wait on threads still writing to a gone browser.
        self._server.socket.close()

    def _answer(self, environ, start_response):
        with self._idle:
            self._answering += 1
        try:
            body = self.app(environ, start_response)
            try:
                return list(body)
            finally:
                if hasattr(body, "close"):
                    body.close()
        finally:
            with self._idle:
                self._answering -= 1
                self._idle.notify_all()


def _reuse_url_builders() -> None:
    """Every test makes its own app, and Werkzeug compiles a URL-building function for each of
    its 650 routes (Python source through `ast` and `compile`): 90 % of `create_app`, about
    90 ms a test. The function depends only on the rule's parsed parts and defaults and is bound
    to its rule afterwards, so the tests keep one per distinct rule. The app itself is untouched:
    it makes its builders once per process."""
    original = Rule._compile_builder
    built: dict = {}

    @functools.wraps(original)
    def compile_builder(self, append_unknown: bool = True):
        key = (
            tuple(self._trace),
            repr(sorted((self.defaults or {}).items())),
            tuple((name, type(conv)) for name, conv in sorted(self._converters.items())),
            append_unknown,
            self.rule,
        )
        if key not in built:
            built[key] = original(self, append_unknown)
        return built[key]

    Rule._compile_builder = compile_builder


_reuse_url_builders()


class _SharedTemplateCode(BytecodeCache):
    """Jinja's compiled templates kept for the whole test process.

    Every test makes its own app, and so its own Jinja environment, which parsed and compiled
    each template it rendered again: a fifth of the suite's time. Templates are compiled the
    same for every app the tests make (same loader, extensions and autoescape), so their code is
    kept here by name and checked against the source's checksum as Jinja does; the app still
    loads and renders every template itself."""

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self._code:
            bucket.bytecode_from_string(self._code[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": _SharedTemplateCode()}


class _SharedStatements(dict):
    """SQLAlchemy's compiled statements kept for the whole test process.

    Every test's app makes its own engine, whose statement cache starts empty, so each test
    compiled again the statements the last one had (a sixth of the suite's time). SQLAlchemy
    keys a compiled statement by the engine's dialect object; every engine the tests make for
    one database kind is configured alike, so the key here names the dialect's class instead.
    Passed as the engines' `compiled_cache` execution option, the documented way to give an
    engine its own cache."""

    @staticmethod
    def _key(key):
        if isinstance(key, tuple) and key and isinstance(key[0], Dialect):
            return (type(key[0]), *key[1:])
        return key

    def get(self, key, default=None):
        return super().get(self._key(key), default)

    def __getitem__(self, key):
        return super().__getitem__(self._key(key))

    def __setitem__(self, key, value) -> None:
        super().__setitem__(self._key(key), value)

    def __contains__(self, key) -> bool:
        return super().__contains__(self._key(key))


_STATEMENTS = _SharedStatements()


def _share_postgresql_engines() -> None:
    """One engine (and so one pool of open connections) per PostgreSQL database for the whole
    test process, rather than one per test's app. A new connection is a new server process
    whose catalog caches start cold, and every test paid for two or three of them. The app adds
    no event listeners to a PostgreSQL engine, so the apps share nothing else; SQLite engines,
    which carry each app's listeners, stay one per app."""
    make = db._make_engine
    engines: dict = {}

    def make_engine(bind_key, options, app):
        if not str(options.get("url", "")).startswith("postgresql"):
            return make(bind_key, options, app)
        key = repr(sorted((k, v) for k, v in options.items() if k != "execution_options"))
        if key not in engines:
            engines[key] = make(bind_key, options, app)
        return engines[key]

    db._make_engine = make_engine


_share_postgresql_engines()


#: Where the tests' apps say they live: links in emails, and where the OIDC provider sends people.
TEST_PUBLIC_URL = "http://consent.test"


def make_app(database_url: str, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PUBLIC_URL": TEST_PUBLIC_URL,
        "SESSION_COOKIE_SECURE": False,
        "SIGNIN_RATE_LIMIT": "1000 per minute",
        "RECEIPT_VERIFY_RATE_LIMIT": "1000 per minute",  # tests/receipts lowers it to test it
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": 9,
        "MAIL_TIMEOUT_SECONDS": 5,
        "SERVER_NAME": None,
        # Flask-Mail suppresses sending under TESTING; our tests deliver to a real SMTP server.
        "MAIL_SUPPRESS_SEND": False,
        # Most tests read the English wording; María, the demo's main guardian, prefers Spanish.
        # tests/i18n offers Spanish as the district does by default (config.LANGUAGES).
        "LANGUAGES": ("en",),
        # A throw-away file: no commit waits for the disk (config.SQLITE_SYNCHRONOUS).
        "SQLITE_SYNCHRONOUS": "OFF",
        # Cheap argon2id for the throw-away accounts (a sign-in in every test); the production
        # row is tested in tests/accounts/test_accounts_password_policy.py.
        "PASSWORD_HASH_MEMORY_KIB": 1024,
        "PASSWORD_HASH_TIME_COST": 1,
        "SQLALCHEMY_ENGINE_OPTIONS": {
            **Config.SQLALCHEMY_ENGINE_OPTIONS,
            "execution_options": {"compiled_cache": _STATEMENTS},
        },
    }
    config.update(overrides)
    return create_app(config)


def wipe(app) -> None:
    """Empty every table, keeping the migrated schema.

    Row by row, not TRUNCATE: PostgreSQL's TRUNCATE locks every table and makes new files for
    each, about a second per test for these few hundred rows. With triggers off for the
    transaction (the test database's owner may) the append-only audit table empties too."""
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        for table in tables:
            conn.execute(table.delete())


@dataclass
class Demo:
    ids: dict[str, dict[str, int]] = field(default_factory=dict)

    def __getattr__(self, kind):
        try:
            return self.ids[kind]
        except KeyError as error:
            raise AttributeError(kind) from error


class SmtpSink:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.messages: list[Message] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._controller = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(message_from_bytes(envelope.original_content))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def start(self):
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self):
        if self._controller:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]


def keep_snapshot() -> None:
    """Keep a copy of every table's rows inside the test database itself (PostgreSQL: schema
    `snapshot`; SQLite: a file attached beside it), for `restore` to copy back."""
    if db.engine.dialect.name == "postgresql":
        script = ["DROP SCHEMA IF EXISTS snapshot CASCADE", "CREATE SCHEMA snapshot"]
        script += [
            f"CREATE TABLE snapshot.{name} AS SELECT {columns} FROM public.{name}"
            for name, columns in _tables()
        ]
        with db.engine.begin() as conn:
            conn.exec_driver_sql("; ".join(script))
        return
    path = _sqlite_snapshot_path()
    path.unlink(missing_ok=True)
    script = [f"ATTACH DATABASE '{path}' AS snapshot"]
    script += [
        f"CREATE TABLE snapshot.{name} AS SELECT {columns} FROM main.{name}"
        for name, columns in _tables()
    ]
    script.append("DETACH DATABASE snapshot")
    _sqlite_script(";\n".join(script) + ";")


def restore() -> None:
    """Put the snapshot back, the same rows and ids every test: one script, one round trip
    (deleting and inserting a few hundred rows statement by statement cost a tenth of a second
    a test). Triggers are off on PostgreSQL so the append-only audit table empties too."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.exec_driver_sql(_restore_script("postgresql"))
        return
    _sqlite_script(_restore_script("sqlite"))


@functools.cache
def _tables() -> list[tuple[str, str]]:
    """(table, its columns) for every table, parents first."""
    quote = db.engine.dialect.identifier_preparer.quote
    return [
        (quote(table.name), ", ".join(quote(column.name) for column in table.c))
        for table in db.metadata.sorted_tables
    ]


@functools.cache
def _restore_script(dialect: str) -> str:
    schema = "public" if dialect == "postgresql" else "main"
    script = [f"DELETE FROM {schema}.{name}" for name, _ in reversed(_tables())]
    script += [
        f"INSERT INTO {schema}.{name} ({columns}) SELECT {columns} FROM snapshot.{name}"
        for name, columns in _tables()
    ]
    if dialect == "postgresql":
        return "; ".join(["SET LOCAL session_replication_role = replica", *script, _reset_ids()])
    attach = f"ATTACH DATABASE '{_sqlite_snapshot_path()}' AS snapshot;\nBEGIN;\n"
    return attach + ";\n".join(script) + ";\nCOMMIT;\nDETACH DATABASE snapshot;"


@functools.cache
def _reset_ids() -> str:
    """Every id sequence back to the snapshot's largest id (or to 1 on an empty table), so a row
    a test inserts gets the id it would get on a fresh database."""
    return "SELECT " + ", ".join(
        f"setval(pg_get_serial_sequence('{table.name}', 'id'), "
        f"COALESCE((SELECT MAX(id) FROM {table.name}), 1), "
        f"(SELECT MAX(id) FROM {table.name}) IS NOT NULL)"
        for table in db.metadata.sorted_tables
        if "id" in table.c and table.c.id.autoincrement is not False and table.c.id.primary_key
    )


def _sqlite_snapshot_path() -> Path:
    return Path(f"{db.engine.url.database}.snapshot")


def _sqlite_script(script: str) -> None:
    """Run a script on one of the pool's own connections (sqlite3's executescript)."""
    with db.engine.connect() as conn:
        conn.connection.driver_connection.executescript(script)


# The one reading of a form's CSRF token for every test (Flask-WTF's hidden input).
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def find_csrf(html: str) -> str | None:
    """The page's CSRF token, or None for a page without a form (an error page)."""
    match = CSRF_RE.search(html)
    return match.group(1) if match else None


def csrf_from(html: str) -> str:
    token = find_csrf(html)
    assert token, "page has no CSRF token"
    return token


def without_csrf(html: str) -> str:
    """The page with its CSRF token blanked, to compare two answers that differ only there."""
    return CSRF_RE.sub(lambda m: m.group(0)[: m.start(1) - m.start(0)] + '-"', html)


# Browser.post(..., token_from=FROM_SESSION): the session's token, or SESSION_PAGE's if it has none.
FROM_SESSION = "session"
SESSION_PAGE = "/rights"


class Browser:
    """A test client that fills in forms the way a person's browser does, CSRF token included."""

    def __init__(self, client):
        self.client = client

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url, data=None, *, token_from: str | None = None, **kwargs):
        """Post as the browser would after opening `token_from` (default: `url` itself), with
        that page's CSRF token. `token_from=FROM_SESSION` posts with the token the session
        already holds, as any of its pages would show it, without loading one."""
        token = self.session_token() if token_from == FROM_SESSION else None
        if token is None:
            page = self.client.get(
                SESSION_PAGE if token_from == FROM_SESSION else token_from or url
            )
            token = csrf_from(page.get_data(as_text=True))
        payload = {"csrf_token": token}
        payload.update(data or {})
        return self.client.post(url, data=payload, **kwargs)

    def session_token(self) -> str | None:
        """The CSRF token a form of this session carries (Flask-WTF signs the session's raw
        token with the app's key), or None while the session has none yet."""
        with self.client.session_transaction() as session:
            raw = session.get("csrf_token")
        if raw is None:
            return None
        signer = URLSafeTimedSerializer(self.client.application.secret_key, salt="wtf-csrf-token")
        return signer.dumps(raw)

    def sign_in(self, persona: str, password: str = DEMO_PASSWORD):
        response = sign_in_client(self.client, PERSONAS[persona], password)
        assert response.status_code == 302, f"{persona} could not sign in"
        assert "/signin" not in response.headers["Location"], f"{persona} is not signed in"
        return response


def sign_in_client(client, email: str, password: str = DEMO_PASSWORD):
    """Sign a plain test client in through the real form, answering the second step with the
    demo key's current code when the account has one; returns the last answer."""
    token = csrf_from(client.get("/signin").get_data(as_text=True))
    answer = client.post(
        "/signin", data={"csrf_token": token, "email": email, "password": password}
    )
    if answer.status_code == 302 and answer.headers["Location"].endswith("/signin/code"):
        token = csrf_from(client.get("/signin/code").get_data(as_text=True))
        code = second_factor_code(client.application, email)
        answer = client.post("/signin/code", data={"csrf_token": token, "code": code})
    return answer


def second_factor_code(app, email: str) -> str:
    """The current code of a demo account with the demo's published key (the privacy officer
    and the principals), as the person's app would show it.

    A test may sign the same persona in several times within one 30-second step; each stands
    for a sign-in of its own, so the last accepted step is forgotten first. That a code is never
    accepted twice is tested in tests/accounts/test_second_factor.py."""
    with app.app_context():
        db.session.execute(
            update(Account)
            .where(Account.email == email, Account.totp_secret == DEMO_TOTP_SECRET)
            .values(totp_last_step=None)
        )
        db.session.commit()
        db.session.remove()
    return totp.code_at(DEMO_TOTP_SECRET, clock.now())


@contextmanager
def count_queries(app):
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        # SQLite's explicit BEGIN is transaction control, implicit on PostgreSQL: not a query.
        if statement != "BEGIN":
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def mark_backlog_sent(app) -> None:
    """The demo district queues its own notifications: mark them sent, so that a test sees only
    the messages it causes."""
    from consent.notifications.models import DeliveryStatus, Notification

    with app.app_context():
        db.session.execute(
            update(Notification)
            .where(Notification.delivery_status == DeliveryStatus.PENDING)
            .values(delivery_status=DeliveryStatus.SENT)
        )
        db.session.commit()
        db.session.remove()


class Processes:
    """The processes a test starts (servers, notification workers), each in a process group of
    its own so that stopping it also stops what it started (gunicorn's workers). The
    `processes` fixture stops every one still running when the test ends, passed or failed."""

    def __init__(self):
        self.started: list[subprocess.Popen] = []

    def start(self, command: list[str], **popen) -> subprocess.Popen:
        process = subprocess.Popen(command, start_new_session=True, **popen)
        self.started.append(process)
        return process

    def run(self, command: list[str], timeout: float = 60, **popen) -> subprocess.CompletedProcess:
        """subprocess.run's answer (text output captured), through `start`: a command that
        should have ended but runs on (a `--loop` worker that was meant to refuse) is stopped
        with its group at the timeout, and by the fixture if the test ends first."""
        process = self.start(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen
        )
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop(process, timeout=5)
            raise
        return subprocess.CompletedProcess(command, process.returncode, out, err)

    @staticmethod
    def alive(process: subprocess.Popen) -> bool:
        """Still running. Unlike Popen.poll() this leaves an ended process unreaped, so its
        group id cannot go to a new process before stop() has cleared the group."""
        if process.returncode is not None:
            return False
        return os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None

    def _ended_within(self, process: subprocess.Popen, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while self.alive(process):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    @staticmethod
    def _signal_group(process: subprocess.Popen, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signum)

    def stop(self, process: subprocess.Popen, timeout: float = 60) -> int:
        """SIGTERM to its group (a notification worker finishes its pass and exits 0), SIGKILL
        after `timeout`; then whatever it left in its group is killed. Returns its exit code."""
        if process.returncode is None:  # not reaped yet: its group id is still ours
            if self.alive(process):
                self._signal_group(process, signal.SIGTERM)
                if not self._ended_within(process, timeout):
                    self._signal_group(process, signal.SIGKILL)
            self._signal_group(process, signal.SIGKILL)  # children it left behind
        return process.wait(timeout=30)

    def stop_all(self) -> None:
        problems = []
        for process in reversed(self.started):
            try:
                self.stop(process)
            except Exception as error:  # noqa: BLE001 - stop the others first, then report
                problems.append(error)
        if problems:
            raise problems[0]


# --- a real OpenID Connect provider on loopback ---------------------------------------------

OIDC_PROVIDER_DIR = Path(__file__).resolve().parent / "oidc_provider"


class OidcProvider:
    """The npm `oidc-provider` (tests/oidc_provider, installed by scripts/setup.sh with `npm ci`)
    run with node on a free loopback port, with two registered clients: ours, and another
    service's (its ID tokens are for another audience). `accounts` marks a login whose email
    the provider has not verified. Each start makes a new signing key under the same key id."""

    CLIENT_ID = "consent"
    CLIENT_SECRET = "loopback-client-secret-for-tests-only-0123456789"
    OTHER_CLIENT_ID = "another-service"
    OTHER_CLIENT_SECRET = "loopback-other-secret-for-tests-only-0123456789"

    def __init__(self, processes: "Processes", workdir: Path, public_url: str):
        self.processes = processes
        self.port = free_port()
        self.public_url = public_url.rstrip("/")
        self.config_path = workdir / "oidc-provider.json"
        self.log_path = workdir / "oidc-provider.log"
        self.accounts: dict[str, dict] = {}
        self.process = None
        self._shared = False

    def shared(self) -> "OidcProvider":
        """Refuse from now on to stop or restart: other tests sign in through this one."""
        self._shared = True
        return self

    def _not_shared(self) -> None:
        assert not self._shared, "this provider is shared: ask for own_oidc_provider to change it"

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def app_config(self) -> dict:
        return {
            "OIDC_ISSUER": self.issuer,
            "OIDC_CLIENT_ID": self.CLIENT_ID,
            "OIDC_CLIENT_SECRET": self.CLIENT_SECRET,
            "OIDC_PROVIDER_NAME": "Demo District Login",
            "OIDC_TIMEOUT_SECONDS": 5,
        }

    def _write_config(self) -> None:
        def client(client_id, secret):
            return {
                "client_id": client_id,
                "client_secret": secret,
                "redirect_uris": [f"{self.public_url}/signin/sso/callback"],
                "post_logout_redirect_uris": [f"{self.public_url}/signin"],
                "token_endpoint_auth_method": "client_secret_basic",
            }

        config = {
            "port": self.port,
            "kid": "loopback-key",
            "clients": [
                client(self.CLIENT_ID, self.CLIENT_SECRET),
                client(self.OTHER_CLIENT_ID, self.OTHER_CLIENT_SECRET),
            ],
            "accounts": self.accounts,
        }
        self.config_path.write_text(json.dumps(config))

    def start(self) -> "OidcProvider":
        if not (OIDC_PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
            raise RuntimeError("run scripts/setup.sh: tests/oidc_provider needs `npm ci`")
        self._write_config()
        log = self.log_path.open("ab")
        self.process = self.processes.start(
            ["node", str(OIDC_PROVIDER_DIR / "server.mjs"), str(self.config_path)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=2)
                if answer.ok:
                    return self
            except requests.ConnectionError:
                pass
            if not self.processes.alive(self.process) or time.monotonic() > deadline:
                raise RuntimeError(f"the OIDC provider did not start: {self.log_path.read_text()}")
            time.sleep(0.1)

    def stop(self) -> None:
        self._not_shared()
        if self.process is not None:
            self.processes.stop(self.process, timeout=10)
            self.process = None

    def restart(self) -> None:
        """The same provider with a new signing key under the same key id."""
        self._not_shared()
        self.stop()
        self.start()

    def sign_in(self, authorize_url: str, login: str, *, session=None) -> str:
        """A person at the provider: follow the redirects from `authorize_url`, type `login` at
        the provider's sign-in form, and return the URL the provider sends the browser back to
        (this service's callback, with code and state)."""
        session = session or requests.Session()
        url = authorize_url
        answer = session.get(url, allow_redirects=False, timeout=10)
        for _ in range(20):
            if answer.is_redirect:
                url = urljoin(url, answer.headers["Location"])
                if url.startswith(self.public_url):
                    return url
                answer = session.get(url, allow_redirects=False, timeout=10)
            elif answer.status_code == 200 and 'name="login"' in answer.text:
                answer = session.post(url, data={"login": login}, allow_redirects=False, timeout=10)
            else:
                raise AssertionError(f"provider answered {answer.status_code}: {answer.text[:300]}")
        raise AssertionError("too many redirects at the provider")

    def id_token_for_other_client(self, login: str, nonce: str) -> dict:
        """A real token response (ID token included) the provider issues to the other registered
        service: signed with the provider's key, but for another audience."""
        verifier = base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        redirect = f"{self.public_url}/signin/sso/callback"
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.OTHER_CLIENT_ID,
                "redirect_uri": redirect,
                "scope": "openid email profile",
                "state": "other-state",
                "nonce": nonce,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            }
        )
        back = self.sign_in(f"{self.issuer}/auth?{query}", login)
        code = parse_qs(urlsplit(back).query)["code"][0]
        answer = requests.post(
            f"{self.issuer}/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect,
                "code_verifier": verifier,
            },
            auth=(self.OTHER_CLIENT_ID, self.OTHER_CLIENT_SECRET),
            timeout=10,
        )
        answer.raise_for_status()
        return answer.json()


def with_query(url: str, **changes: str) -> str:
    """`url` with some query parameters replaced."""
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))
