"""Found in review: a refusal on the reports pages that was a 404 without `access.denied`."""

from sqlalchemy import select

from consent.audit.models import AuditEvent
from consent.extensions import db


def denied(app) -> list[str]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent.target)
            .where(AuditEvent.action == "access.denied")
            .order_by(AuditEvent.id)
        ).all()
        db.session.remove()
    return rows


def test_asking_for_a_form_that_is_not_published_is_refused_and_audited(app, as_):
    response = as_("lee").get("/reports/consent-forms?form=987654")
    assert response.status_code == 404
    assert "consentform:987654" in denied(app)
