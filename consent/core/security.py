"""Response headers every page carries, and a request id for logs, audit rows and error pages."""

import secrets

from flask import Flask, abort, g, request
from flask_login import current_user

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    def assign_request_id():
        g.request_id = secrets.token_hex(8)

    # First of all before-request hooks: CSRF checks and body-size limits that refuse a request
    # run earlier than ours would, and their error pages must still carry a reference.
    app.before_request_funcs.setdefault(None, []).insert(0, assign_request_id)

    @app.before_request
    def refuse_nul_characters():
        """No text anyone types contains U+0000, and PostgreSQL cannot store it: refuse the
        request as malformed (400, nothing saved) rather than fail at the database (500)."""
        for values in (request.args, request.form):
            if any("\x00" in value for _name, value in values.items(multi=True)):
                abort(400)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure or app.config["SESSION_COOKIE_SECURE"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # `is_anonymous` is a constant on both user classes; `is_authenticated` would read the
        # account's `active` column, a query of its own after the page's commit expired it.
        if current_user and not current_user.is_anonymous:
            headers["Cache-Control"] = "no-store"
        headers["X-Request-Id"] = getattr(g, "request_id", "")
        return response
