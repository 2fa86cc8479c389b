from accounts_helpers import flush_mail, deliver, PERSONAS
from consent.notifications.models import Notification
from consent.notifications.operations import deliver_due
from consent.extensions import db
def test_probe(app, smtp, browser):
    with app.app_context():
        print("FIRST", deliver_due())
    r = browser.post("/password/forgot", {"email": PERSONAS["maria"]})
    with app.app_context():
        print("SECOND", deliver_due())
        for n in db.session.query(Notification).filter(Notification.kind.like("accounts%")):
            print("ROW", n.to_address, n.delivery_status, n.last_error, n.next_attempt_at)
    print("MSGS", [(m["To"], m["Subject"]) for m in smtp.messages][-3:], len(smtp.messages))
