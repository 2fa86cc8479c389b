"""Each later step of a request, taken through the web, emails the people it concerns: work
started to the guardian, ready to confirm to the principal, confirmed to guardian and teachers."""

import pytest

from consent.notifications.operations import deliver_due

MARIA = "maria.garcia@demo.consent.example"
JOHNSON = "emily.johnson@demo.consent.example"
KIM = "david.kim@demo.consent.example"
BROOKS = "angela.brooks@demo.consent.example"
PUBLIC = "http://consent.test"
OPTION = "Post work without photos or videos of my child"


@pytest.fixture
def deliver(app, mailbox):
    """deliver() → the emails one worker pass sent, checked to have all succeeded."""

    def run():
        with app.app_context():
            report = deliver_due()
        emails = mailbox.new()
        assert (report.sent, report.failed) == (len(emails), 0)
        return emails

    return run


def test_every_step_emails_the_people_it_concerns(
    app, no_backlog, file_via_web, task_ids, as_, deliver
):
    optout_id = file_via_web()
    tasks = task_ids(optout_id)
    request_link = f"{PUBLIC}/requests/{optout_id}"
    assert sorted(e.to for e in deliver()) == sorted([MARIA, JOHNSON, KIM, BROOKS])

    # Ms. Johnson acknowledges: the family hears that work started, nobody else hears anything.
    johnson = as_("johnson")
    response = johnson.post(f"/tasks/{tasks['johnson']}/acknowledge", token_from="/inbox")
    assert response.status_code == 302
    (started,) = deliver()
    assert started.to == MARIA
    assert started.subject == "A teacher has started on your request for Sofia"
    assert request_link in started.text and f'href="{request_link}"' in started.html

    # Mr. Kim acknowledges too: the work had already started, so nobody is emailed again.
    kim = as_("kim")
    assert kim.post(f"/tasks/{tasks['kim']}/acknowledge", token_from="/inbox").status_code == 302
    assert deliver() == []

    # The first plan is not yet every plan: still nothing for the principal.
    plan = {"option": OPTION, "note": "Sofia draws her work instead of a photo."}
    assert johnson.post(f"/tasks/{tasks['johnson']}/plan", plan).status_code == 302
    assert deliver() == []

    # The last plan: the principal is asked to confirm.
    plan = {"option": OPTION, "note": "Science journal without photos."}
    assert kim.post(f"/tasks/{tasks['kim']}/plan", plan).status_code == 302
    (ready,) = deliver()
    assert ready.to == BROOKS
    assert ready.subject.startswith("Please confirm the opt-out plan for Sofia Garcia by ")
    assert request_link in ready.text and f'href="{request_link}"' in ready.html
    for note in ("Sofia draws her work instead of a photo.", "Science journal without photos."):
        assert note in ready.text and note in ready.html

    # The principal confirms: the family and both teachers hear it, each with their own link.
    brooks = as_("brooks")
    response = brooks.post(f"/requests/{optout_id}/confirm", token_from=f"/requests/{optout_id}")
    assert response.status_code == 302
    confirmed = {email.to: email for email in deliver()}
    assert sorted(confirmed) == sorted([MARIA, JOHNSON, KIM])
    assert len(confirmed) == 3
    assert confirmed[MARIA].subject == "The plan for Sofia about Seesaw is confirmed"
    assert request_link in confirmed[MARIA].text
    assert f'href="{request_link}"' in confirmed[MARIA].html
    for key, address in (("johnson", JOHNSON), ("kim", KIM)):
        email = confirmed[address]
        task_link = f"{PUBLIC}/tasks/{tasks[key]}"
        assert email.subject == "Plan confirmed for Sofia Garcia (Seesaw)"
        assert task_link in email.text and f'href="{task_link}"' in email.html
    assert "Your plan: " + OPTION in confirmed[JOHNSON].text
    assert "Science journal without photos." in confirmed[KIM].text

    # Luis, Sofia's other parent, did not ask for this one and heard nothing.
    assert deliver() == []


def test_the_teacher_link_in_the_email_opens_the_request(
    app, no_backlog, file_via_web, task_ids, as_, deliver
):
    optout_id = file_via_web()
    tasks = task_ids(optout_id)
    emails = {email.to: email for email in deliver()}
    path = emails[JOHNSON].text.split(PUBLIC)[1].split()[0]
    assert path == f"/tasks/{tasks['johnson']}"
    response = as_("johnson").get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/requests/{optout_id}")
    for address, persona in ((MARIA, "maria"), (BROOKS, "brooks")):
        path = emails[address].text.split(PUBLIC)[1].split()[0]
        assert path == f"/requests/{optout_id}"
        assert as_(persona).get(path).status_code == 200
