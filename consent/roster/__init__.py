"""The roster: schools, students, guardians, staff, sections and enrollments."""

from flask import Flask, request


def init_app(app: Flask) -> None:
    # Registers, once, the hooks that keep each student's home language current.
    from consent.roster import home_language  # noqa: F401
    from consent.roster.cli import cli
    from consent.roster.data_sharing import bp as data_sharing_bp
    from consent.roster.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(data_sharing_bp)
    app.cli.add_command(cli)

    def allow_large_roster_upload():
        # Runs before the CSRF check reads the body: only this page takes big files.
        if request.endpoint == "roster.imports" and request.method == "POST":
            request.max_content_length = app.config["ROSTER_UPLOAD_MAX_BYTES"]

    app.before_request_funcs.setdefault(None, []).insert(0, allow_large_roster_upload)
