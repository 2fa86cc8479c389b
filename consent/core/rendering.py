"""Rendering a page whose request also wrote audit rows."""

from flask import render_template

from consent.extensions import db


def render_then_commit(template: str, **context) -> str:
    """Render first, then commit the audit rows: committing first would expire every row already
    loaded, and the template would then reload them one query at a time."""
    page = render_template(template, **context)
    db.session.commit()
    return page
