"""Evidence of enforcement: a vendor's roster export checked against who must not be in it."""

from flask import Flask, request

from consent.enforcement import models  # noqa: F401 - registers the tables with the metadata

#: The pages that take a vendor's whole export (a district's users.csv is many megabytes).
UPLOADS = frozenset({"enforcement.checks", "api.roster_check"})


def init_app(app: Flask) -> None:
    from consent.enforcement.views import bp

    app.register_blueprint(bp)

    def allow_large_export():
        # Runs before the CSRF check reads the body: only these endpoints take big files.
        if request.endpoint in UPLOADS and request.method == "POST":
            request.max_content_length = app.config["ROSTER_UPLOAD_MAX_BYTES"]

    app.before_request_funcs.setdefault(None, []).insert(0, allow_large_export)
