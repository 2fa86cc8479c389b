"""Shared helpers for the vetting tests: counting rows, a complete request form, and loading
the demo's rows in a test's own session."""

from sqlalchemy import func, select

from consent.extensions import db

JOHNSON = "emily.johnson@demo.consent.example"
KIM = "david.kim@demo.consent.example"
PATEL = "raj.patel@demo.consent.example"


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def request_form(**changes) -> dict[str, str]:
    """Every answer a staff member gives when asking for Kahoot! to be vetted."""
    answers = {
        "name": "Kahoot!",
        "website": "https://kahoot.com",
        "vendor": "Kahoot! ASA",
        "privacy_policy_url": "https://trust.kahoot.com/privacy-policy/",
        "purpose": "Quick quizzes to review a lesson.",
        "grades": "3-5",
        "student_use": "Students join a game with a PIN and answer on their device.",
        "student_data": "A nickname; no account.",
    }
    answers.update(changes)
    return answers
