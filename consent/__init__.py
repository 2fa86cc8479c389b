"""consent: guardians see each child's online tools and opt out; staff act on it in time."""

import logging
import os
from pathlib import Path

from flask import Flask, g, has_request_context, request
from flask_login import current_user

from consent.core.i18n import available_locales
from consent.extensions import babel, csrf, db, limiter, login_manager, mail, migrate

ROOT = Path(__file__).resolve().parent.parent


def _select_locale() -> str:
    available = available_locales()
    if not has_request_context():  # the CLI and the worker speak the district's default
        return available[0]
    if current_user and current_user.is_authenticated and current_user.language in available:
        return current_user.language
    return request.accept_languages.best_match(available) or available[0]


def create_app(config: dict | None = None) -> Flask:
    """Build the app from config.py (CONSENT_ENV picks the class) plus `config` overrides."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
    )
    from config import CONFIGS

    env = os.environ.get("CONSENT_ENV", "production")
    app.config.from_object(CONFIGS[env])
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY is not set; refusing to start without one.")
    from consent.accounts.passwords import parameters_problem

    weak = parameters_problem(
        app.config["PASSWORD_HASH_MEMORY_KIB"], app.config["PASSWORD_HASH_TIME_COST"]
    )
    if weak and not app.testing:
        raise RuntimeError(f"{weak}; refusing to start.")
    Path(app.instance_path).mkdir(exist_ok=True)
    if app.config["PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    from consent.core import logredact

    logredact.install()

    _configure_postgresql(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    from consent.core.urls import RecordIdConverter

    app.url_map.converters["int"] = RecordIdConverter  # before any route is added

    from consent import (
        accounts,
        api,
        audit,
        catalog,
        consentforms,
        demo,
        enforcement,
        guidelines,
        integrations,
        notice,
        notifications,
        optouts,
        receipts,
        records,
        reports,
        rights,
        rollover,
        roster,
        schoolcalendar,
        texts,
        vetting,
        webhooks,
    )
    from consent.core import errors, security, templating, transaction
    from consent.core.views import bp as core_bp

    app.register_blueprint(core_bp)
    for module in (
        accounts,
        roster,
        catalog,
        rights,
        optouts,
        notifications,
        demo,
        vetting,
        guidelines,
        consentforms,
        audit,
        schoolcalendar,
        rollover,
        reports,
        records,
        receipts,
        texts,
        notice,
        integrations,
        webhooks,
        enforcement,
        api,
    ):
        module.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    transaction.init_app(app)
    # Templates ask the one access gate what a person may do; they never compare roles.
    from consent.access import TEMPLATE_GLOBALS

    for predicate in TEMPLATE_GLOBALS:
        app.add_template_global(predicate)
    _configure_sqlite(app)
    return app


def _configure_postgresql(app: Flask) -> None:
    """PostgreSQL: no JIT compilation on the app's connections. The planner compiles any
    statement it estimates above `jit_above_cost`; a district-wide report statement is estimated
    that high and then spent 0.3-2.4 s compiling to run in 0.4-1 s (docs/benchmarks.md, issue
    12). The app's statements are never long enough to repay compiling them."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    connect_args["options"] = f"{connect_args.get('options', '')} -c jit=off".strip()
    options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options  # a copy: the class's dict stays as it is


def _configure_sqlite(app: Flask) -> None:
    """SQLite: enforce foreign keys, wait for a busy writer, and let readers run beside it."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    from sqlalchemy import event

    from consent.core.downloads import streaming_reads_only
    from consent.core.transaction import immediate_requested, request_takes_write_lock

    busy_ms = int(app.config.get("SQLITE_BUSY_TIMEOUT_MS", 10000))
    synchronous = app.config.get("SQLITE_SYNCHRONOUS", "FULL")
    if synchronous not in ("OFF", "NORMAL", "FULL", "EXTRA"):
        raise RuntimeError(
            f"SQLITE_SYNCHRONOUS must be OFF, NORMAL, FULL or EXTRA, not {synchronous!r}"
        )
    with app.app_context():

        @event.listens_for(db.engine, "connect")
        def _pragmas(dbapi_connection, _record):
            # pysqlite starts transactions only before writes, so a SAVEPOINT taken after reads
            # would itself commit on release. SQLAlchemy emits BEGIN instead (see below).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.close()

        @event.listens_for(db.engine, "begin")
        def _begin(connection):
            # A transaction that will write takes the write lock when it begins: under WAL a
            # reader that later writes fails at once with "database is locked" if another
            # process committed in between, whereas BEGIN IMMEDIATE waits (busy_timeout).
            # Pages that only read (a family's pages, streamed downloads) never wait for it.
            if has_request_context():
                immediate = not streaming_reads_only() and request_takes_write_lock()
                g.sqlite_reading = not immediate
            else:
                immediate = immediate_requested()
            # Transaction control on the driver's connection: not a statement for the listeners
            # that count queries.
            connection.connection.dbapi_connection.execute(
                "BEGIN IMMEDIATE" if immediate else "BEGIN"
            )
