"""Error pages: plain words, the request id to quote, never a traceback."""

import logging

from flask import Flask, g, render_template
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from consent.core.problems import is_api_request, problem
from consent.extensions import db

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A change the rules refuse. Every domain's refusals derive from it, so one path
    (consent.core.transaction.run) rolls back and shows the message, which is translatable."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def init_app(app: Flask) -> None:
    def page(template: str, status: int):
        if is_api_request():  # the API answers in JSON problem details, never an HTML page
            return problem(status)
        return render_template(template, request_id=getattr(g, "request_id", "")), status

    @app.errorhandler(400)
    def bad_request(error):
        return page("errors/400.html", 400)

    @app.errorhandler(404)
    def not_found(error):
        return page("errors/404.html", 404)

    @app.errorhandler(405)
    def method_not_allowed(error):
        return page("errors/405.html", 405)

    @app.errorhandler(413)
    def too_large(error):
        return page("errors/413.html", 413)

    @app.errorhandler(429)
    def too_many(error):
        return page("errors/429.html", 429)

    @app.errorhandler(StaleDataError)
    def changed_meanwhile(error):
        db.session.rollback()
        return page("errors/changed.html", 409)

    @app.teardown_appcontext
    def end_session(_exception):
        """Give the connection back even if the database went away while the page was made.

        Flask-SQLAlchemy's own teardown rolls back too, but an error there (the server shut
        the connection down) would turn a finished page into a bare 500. This runs first (teardowns
        run in reverse order) and leaves it nothing to do."""
        try:
            db.session.remove()
        except SQLAlchemyError as error:
            log.error(
                "request %s: connection lost at its end (%s)",
                getattr(g, "request_id", ""),
                getattr(error, "orig", error),
            )
            db.session.registry.clear()

    @app.errorhandler(OperationalError)
    def database_unavailable(error):
        """The database is down or restarting: say so, and that nothing was saved. The page must
        not touch the database itself, so it is shown as to someone signed out."""
        try:
            db.session.rollback()
        except SQLAlchemyError:
            db.session.close()
        # The signed-in account cannot be reloaded now; the page is shown as to a visitor, and
        # the footer gives the contacts from the settings, not from the notice.
        g.database_unavailable = True
        g._login_user = app.login_manager.anonymous_user()
        log.error("request %s: database unavailable (%s)", getattr(g, "request_id", ""), error.orig)
        response = app.make_response(page("errors/503.html", 503))
        response.headers["Retry-After"] = "30"
        return response

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        g.database_unavailable = True  # unknown trouble: the page reads nothing more
        log.error("request %s failed", getattr(g, "request_id", ""))
        return page("errors/500.html", 500)
