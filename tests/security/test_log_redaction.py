"""Found by the whole-run log scan: the server's request log wrote invitation links, token and
all. A reader of the logs could have claimed a family's account before the family did."""

import logging
import urllib.error
import urllib.request

from sqlalchemy import select

from consent.accounts.invitations import guardians_to_invite, make_token
from consent.audit.models import AuditEvent
from consent.extensions import db


def test_invitation_and_reset_tokens_are_redacted_from_the_request_log(app, live_server, caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    with app.app_context():
        token = make_token(guardian=db.session.scalars(guardians_to_invite()).first())
        db.session.remove()
    for path in (f"/invitation/{token}", f"/password/reset/{token}"):
        try:  # an invitation token is no reset token: that page answers 404, and is logged too
            urllib.request.urlopen(f"{live_server}{path}").close()  # noqa: S310 - loopback
        except urllib.error.HTTPError as error:
            assert error.code == 404
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("/invitation/[redacted]" in line for line in lines), lines
    assert any("/password/reset/[redacted]" in line for line in lines), lines
    assert not any(token in line for line in lines)


def test_the_audit_log_keeps_no_token_from_an_invitation_link(app, browser):
    """Found in review: audit rows stored request.path, emailed token included."""
    with app.app_context():
        token = make_token(guardian=db.session.scalars(guardians_to_invite()).first())
        db.session.remove()
    path = f"/invitation/{token}"
    done = browser.post(
        path, {"password": "a long family password", "confirm": "a long family password"}
    )
    assert done.status_code == 302
    with app.app_context():
        paths = db.session.scalars(select(AuditEvent.path).where(AuditEvent.path != "")).all()
        db.session.remove()
    assert "/invitation/[redacted]" in paths
    assert not any(token in p for p in paths)
