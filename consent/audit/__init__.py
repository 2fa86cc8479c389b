"""The audit log of staff reads and every change to a student's data."""

from flask import Flask


def init_app(app: Flask) -> None:
    from consent.audit.actions import action_words, role_words
    from consent.audit.views import bp

    app.register_blueprint(bp)
    app.add_template_filter(action_words, "audit_action")
    app.add_template_filter(role_words, "audit_role")
