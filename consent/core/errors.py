"""Error pages: plain words, the request id to quote, never a traceback."""

import logging

from flask import Flask, g, render_template
from sqlalchemy.orm.exc import StaleDataError

from consent.extensions import db

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    def page(template: str, status: int):
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

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        log.error("request %s failed", getattr(g, "request_id", ""))
        return page("errors/500.html", 500)
