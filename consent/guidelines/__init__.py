"""Use under the General Use Guidelines: the district's checklist, and a teacher's use of a tool
pending review in one class once every item of it holds."""

from flask import Flask

from consent.guidelines import models  # noqa: F401 - registers the tables with the metadata


def init_app(app: Flask) -> None:
    from consent.guidelines.views import bp

    app.register_blueprint(bp)
