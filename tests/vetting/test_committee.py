"""The review committee (issue 14): the office names reviewers and assigns two or more to a
request; each records a finding per rubric item and a recommendation; the office decides with
every finding in view, or asks the requester for more information; the requester sees the
status and the reasons, never a reviewer's notes. Emails go through the real SMTP server.

The demo district has a committee of two (Mr. Kim, Mr. Reed) and a request in every state:
Padlet waiting for reviewers, Book Creator with one review in, Quizlet with both in, Canva back
with its requester (Mr. Patel), FaceQuiz not approved; and Wordwall, Mr. Kim's own request (used in
his class under the General Use Guidelines), waiting for reviewers."""

import html

import pytest
from sqlalchemy import select

from consent.accounts.models import Account
from consent.audit.models import AuditEvent
from consent.extensions import db
from consent.notifications.models import DeliveryStatus, Notification
from consent.notifications.operations import deliver_due
from consent.vetting import review
from consent.vetting.committee.models import Finding, Question, Review, RubricItem
from consent.vetting.models import RequestStatus, VettingRequest
from consent.vetting.review_queries import percentile, school_days_between
from consent.vetting.rubric import DEFAULT_ITEMS
from tests.vetting.committee import record_review
from tests.vetting.helpers import KIM, PATEL, count, request_form

REED = "thomas.reed@demo.consent.example"
QUIZLET_NOTE = "Only with the district's paid plan, which has no advertising."
QUIZLET_FINDING = "The free version shows advertising to students over 13."


def request_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(select(VettingRequest.id).where(VettingRequest.name == name))


def status_of(app, name: str) -> RequestStatus:
    with app.app_context():
        return db.session.scalar(select(VettingRequest.status).where(VettingRequest.name == name))


def page_of(answer) -> str:
    return html.unescape(answer.get_data(as_text=True))


def all_sent(app):
    """Mark the messages so far as sent, so a test reads only its own."""
    with app.app_context():
        db.session.execute(
            Notification.__table__.update().values(delivery_status=DeliveryStatus.SENT)
        )
        db.session.commit()


def delivered(app, smtp, address: str):
    with app.app_context():
        assert deliver_due().failed == 0
    return smtp.to(address)


def text_of(email) -> str:
    for part in email.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text part")


def kahoot(as_, app) -> int:
    assert as_("johnson").post("/vetting/new", request_form()).status_code == 302
    return request_id(app, "Kahoot!")


def review_answers(items, rating="pass", note="", recommendation="approve", overall=""):
    answers = {"recommendation": recommendation, "note": overall}
    for item in items:
        answers[f"rating_{item}"] = rating
        answers[f"note_{item}"] = note
    return answers


def rubric_ids(app) -> list[int]:
    with app.app_context():
        return [i.id for i in review.current_items()]


# --- the demo's committee ------------------------------------------------------------------


def test_the_demo_has_a_committee_of_two_and_a_request_in_every_state(ctx, demo):
    reviewers = {a.email for a in review.reviewers()}
    assert reviewers == {KIM, REED}
    states = dict(db.session.execute(select(VettingRequest.name, VettingRequest.status)).all())
    assert states == {
        "Padlet": RequestStatus.SUBMITTED,
        "Book Creator": RequestStatus.IN_REVIEW,
        "Quizlet": RequestStatus.IN_REVIEW,
        "Canva": RequestStatus.MORE_INFORMATION,
        "FaceQuiz": RequestStatus.NOT_APPROVED,
        "Wordwall": RequestStatus.SUBMITTED,
    }
    assert [i.title for i in review.current_items()] == [t for t, _ in DEFAULT_ITEMS]


# --- naming reviewers ----------------------------------------------------------------------------


def test_the_office_names_and_removes_a_reviewer(app, as_, demo):
    lee = as_("lee")
    page = page_of(lee.get("/vetting/reviewers"))
    assert "Make Emily Johnson a reviewer" in page and "Stop reviewing: David Kim" in page
    url = f"/vetting/reviewers/{demo.accounts['johnson']}"
    answer = lee.post(url, {"on": "1"}, token_from="/vetting/reviewers", follow_redirects=True)
    assert "Emily Johnson now reviews vetting requests." in page_of(answer)
    assert count(app, Account, Account.id == demo.accounts["johnson"], Account.privacy_reviewer)
    assert as_("johnson").get("/vetting/assigned").status_code == 200
    lee.post(url, {"on": "0"}, token_from="/vetting/reviewers")
    assert not count(app, Account, Account.id == demo.accounts["johnson"], Account.privacy_reviewer)
    assert count(app, AuditEvent, AuditEvent.action == "vetting.reviewer_duty") >= 2


def test_a_family_account_cannot_be_made_a_reviewer(app, as_, demo):
    answer = as_("lee").post(
        f"/vetting/reviewers/{demo.accounts['maria']}", {"on": "1"}, token_from="/vetting/reviewers"
    )
    assert answer.status_code == 404
    assert not count(app, Account, Account.privacy_reviewer, Account.guardian_id.is_not(None))


# --- assigning ---------------------------------------------------------------------------------


def test_assigning_fewer_than_two_is_refused_and_nothing_saved(app, as_, demo):
    sent = kahoot(as_, app)
    answer = as_("lee").post(f"/vetting/{sent}/assign", {"reviewers": [str(demo.accounts["kim"])]})
    assert answer.status_code == 200
    assert "Every request needs at least 2 reviewers." in page_of(answer)
    assert count(app, Review, Review.request_id == sent) == 0
    assert status_of(app, "Kahoot!") is RequestStatus.SUBMITTED


def test_a_requester_never_reviews_their_own_tool(app, as_, demo):
    sent = kahoot(as_, app)
    with app.app_context():
        johnson = db.session.get(Account, demo.accounts["johnson"])
        johnson.privacy_reviewer = True
        db.session.commit()
    answer = as_("lee").post(
        f"/vetting/{sent}/assign",
        {"reviewers": [str(demo.accounts["kim"]), str(demo.accounts["johnson"])]},
    )
    assert "Emily Johnson asked for this tool and cannot review it." in page_of(answer)
    assert count(app, Review, Review.request_id == sent) == 0


def test_a_staff_member_without_the_duty_cannot_be_assigned(ctx, demo):
    lee = db.session.get(Account, demo.accounts["lee"])
    padlet = db.session.scalar(select(VettingRequest).where(VettingRequest.name == "Padlet"))
    patel = db.session.get(Account, demo.accounts["patel"])
    kim = db.session.get(Account, demo.accounts["kim"])
    with pytest.raises(review.ReviewError, match="is not a privacy reviewer"):
        review.assign_reviewers(actor=lee, request=padlet, chosen=[kim, patel])


def test_assigned_reviewers_are_emailed(app, as_, smtp, demo):
    sent = kahoot(as_, app)
    all_sent(app)
    reviewers = [str(demo.accounts["kim"]), str(demo.accounts["reed"])]
    answer = as_("lee").post(f"/vetting/{sent}/assign", {"reviewers": reviewers})
    assert answer.status_code == 302
    assert status_of(app, "Kahoot!") is RequestStatus.IN_REVIEW
    for address in (KIM, REED):
        (email,) = delivered(app, smtp, address)
        assert email["Subject"] == "Please review Kahoot!"
        assert f"http://consent.test/vetting/{sent}/review" in text_of(email)


def test_round_robin_takes_the_next_reviewers_in_turn(app, as_, demo):
    """Reed was assigned last in the demo (on FaceQuiz... then Canva, Quizlet, Book Creator);
    with a third reviewer the turn goes on from where it stopped."""
    with app.app_context():
        db.session.get(Account, demo.accounts["patel"]).privacy_reviewer = True
        db.session.commit()
        pool = [a.id for a in review.reviewers()]
    first = kahoot(as_, app)
    assert (
        as_("lee")
        .post(f"/vetting/{first}/assign-in-turn", {}, token_from=f"/vetting/{first}/assign")
        .status_code
        == 302
    )
    second_answer = as_("patel").post(
        "/vetting/new", request_form(name="Blooket", website="blooket.com")
    )
    assert second_answer.status_code == 302
    second = request_id(app, "Blooket")
    as_("lee").post(f"/vetting/{second}/assign-in-turn", {}, token_from=f"/vetting/{second}/assign")
    with app.app_context():
        got = {
            rid: [
                r.reviewer_account_id
                for r in review.reviews_of(db.session.get(VettingRequest, rid))
            ]
            for rid in (first, second)
        }
    assert len(got[first]) == len(got[second]) == 2
    assert demo.accounts["johnson"] not in got[first]  # the requester is never picked
    assert demo.accounts["patel"] not in got[second]
    # Everyone in the pool had a turn before anyone had a second one.
    assert set(got[first]) | set(got[second]) == set(pool)


# --- reviewing ---------------------------------------------------------------------------------


def test_a_reviewer_sees_only_the_requests_assigned_to_them(app, as_, demo):
    kim = as_("kim")
    listed = page_of(kim.get("/vetting/assigned"))
    for name in ("Book Creator", "Quizlet", "Canva", "FaceQuiz"):
        assert name in listed
    assert "Padlet" not in listed
    padlet = request_id(app, "Padlet")
    before = count(app, AuditEvent, AuditEvent.action == "access.denied")
    assert kim.get(f"/vetting/{padlet}").status_code == 404
    assert kim.get(f"/vetting/{padlet}/review").status_code == 404
    assert count(app, AuditEvent, AuditEvent.action == "access.denied") == before + 2
    # Mr. Patel (no duty) has no list; his own request is his to follow, not to review.
    assert as_("patel").get("/vetting/assigned").status_code == 404
    assert as_("patel").get(f"/vetting/{request_id(app, 'Quizlet')}/review").status_code == 404


def test_a_reviewer_sees_their_own_review_and_not_the_others(app, as_):
    quizlet = request_id(app, "Quizlet")
    kim_page = page_of(as_("kim").get(f"/vetting/{quizlet}"))
    assert "Change my review" in kim_page
    assert "Under the paid plan only." not in kim_page  # Mr. Reed's note
    form = page_of(as_("kim").get(f"/vetting/{quizlet}/review"))
    assert QUIZLET_FINDING in form and QUIZLET_NOTE in form  # his own, to change


def test_a_review_needs_every_finding_and_a_reason_for_a_concern(app, as_):
    book = request_id(app, "Book Creator")
    items = rubric_ids(app)
    reed = as_("reed")
    partial = review_answers(items)
    del partial[f"rating_{items[0]}"]
    answer = reed.post(f"/vetting/{book}/review", partial)
    assert answer.status_code == 200
    assert "Give a finding for “Data collected”." in page_of(answer)
    concern = review_answers(items, rating="concern", note="")
    answer = reed.post(f"/vetting/{book}/review", concern)
    assert "Say what the concern is for “Data collected”." in page_of(answer)
    decline = review_answers(items, recommendation="decline")
    answer = reed.post(f"/vetting/{book}/review", decline)
    assert "Explain your recommendation for the privacy office." in page_of(answer)
    with app.app_context():
        mine = db.session.scalar(
            select(Review)
            .join(Account, Account.id == Review.reviewer_account_id)
            .where(Review.request_id == book, Account.email == REED)
        )
        assert mine.submitted_at is None and mine.findings == []
    answer = reed.post(f"/vetting/{book}/review", review_answers(items))
    assert answer.status_code == 302
    assert count(app, Finding, Finding.review_id == mine.id) == len(items)


def test_the_office_cannot_decide_before_every_review_is_in(app, as_):
    book = request_id(app, "Book Creator")
    page = page_of(as_("lee").get(f"/vetting/{book}/decide"))
    assert "Wait for every review: Thomas Reed has not recorded findings yet." in page
    answer = as_("lee").post(
        f"/vetting/{book}/decide",
        {"decision": "not_approved", "note": "No."},
        token_from=f"/vetting/{book}",
    )
    assert "Wait for every review" in page_of(answer)
    assert status_of(app, "Book Creator") is RequestStatus.IN_REVIEW


# --- what each one sees ----------------------------------------------------------------------


def test_the_office_decides_with_every_finding_in_view(app, as_):
    quizlet = request_id(app, "Quizlet")
    page = page_of(as_("lee").get(f"/vetting/{quizlet}/decide"))
    assert "Review by David Kim" in page and "Review by Thomas Reed" in page
    assert QUIZLET_NOTE in page and QUIZLET_FINDING in page
    assert "Ask the requester for more information" in page


def test_the_requester_never_sees_a_reviewers_notes(app, as_):
    quizlet = request_id(app, "Quizlet")
    page = page_of(as_("patel").get(f"/vetting/{quizlet}"))
    assert "In review" in page
    assert QUIZLET_NOTE not in page and QUIZLET_FINDING not in page
    assert "Review by" not in page and "David Kim" not in page


# --- more information, then a decision ---------------------------------------------------------

QUESTION = "Will the class use the paid plan, with no advertising?"
ANSWER = "Yes: the school bought the paid plan for the seventh grade."


def test_more_information_returns_to_the_requester_then_back_to_review(app, as_, smtp):
    quizlet = request_id(app, "Quizlet")
    all_sent(app)
    lee = as_("lee")
    answer = lee.post(
        f"/vetting/{quizlet}/decide", {"decision": "more_information", "note": QUESTION}
    )
    assert answer.status_code == 302
    assert status_of(app, "Quizlet") is RequestStatus.MORE_INFORMATION
    (email,) = delivered(app, smtp, PATEL)
    assert email["Subject"] == "A question about Quizlet"
    assert QUESTION in text_of(email)
    assert f"http://consent.test/vetting/{quizlet}" in text_of(email)

    patel = as_("patel")
    page = page_of(patel.get(f"/vetting/{quizlet}"))
    assert "More information needed" in page and QUESTION in page
    assert QUIZLET_NOTE not in page
    empty = patel.post(f"/vetting/{quizlet}/answer", {"answer": "  "})
    assert "Write your answer." in page_of(empty)
    assert status_of(app, "Quizlet") is RequestStatus.MORE_INFORMATION
    # Only the requester answers: the office and the reviewers meet a missing page.
    assert as_("kim").get(f"/vetting/{quizlet}/answer").status_code == 404
    assert patel.post(f"/vetting/{quizlet}/answer", {"answer": ANSWER}).status_code == 302
    assert status_of(app, "Quizlet") is RequestStatus.IN_REVIEW
    for address in (KIM, REED):
        (back,) = [m for m in delivered(app, smtp, address) if "back in review" in m["Subject"]]
        assert back["Subject"] == "Quizlet is back in review"
    assert ANSWER in page_of(as_("kim").get(f"/vetting/{quizlet}/review"))

    answer = lee.post(
        f"/vetting/{quizlet}/decide",
        {
            "decision": "approved_with_conditions",
            "legal_basis": "school_official",
            "note": "The paid plan only, with no advertising.",
        },
    )
    assert answer.status_code == 302
    assert status_of(app, "Quizlet") is RequestStatus.APPROVED_WITH_CONDITIONS
    decided = [m for m in delivered(app, smtp, PATEL) if "approved" in m["Subject"]]
    assert [m["Subject"] for m in decided] == ["Quizlet was approved with conditions"]
    followed = page_of(as_("patel").get(f"/vetting/{quizlet}"))
    assert "The paid plan only, with no advertising." in followed and ANSWER in followed
    assert QUIZLET_NOTE not in followed
    with app.app_context():
        (asked,) = db.session.scalars(select(Question).where(Question.request_id == quizlet))
        assert (asked.question, asked.answer) == (QUESTION, ANSWER)


def test_a_question_needs_words(app, as_):
    quizlet = request_id(app, "Quizlet")
    answer = as_("lee").post(f"/vetting/{quizlet}/decide", {"decision": "more_information"})
    assert "Write the question for the requester." in page_of(answer)
    assert status_of(app, "Quizlet") is RequestStatus.IN_REVIEW


def test_nobody_else_answers_and_an_answered_request_has_no_question(ctx, demo):
    canva = db.session.scalar(select(VettingRequest).where(VettingRequest.name == "Canva"))
    johnson = db.session.get(Account, demo.accounts["johnson"])
    with pytest.raises(review.ReviewError):
        review.answer_question(actor=johnson, request=canva, answer="Yes.")
    patel = db.session.get(Account, demo.accounts["patel"])
    review.answer_question(actor=patel, request=canva, answer="Yes.")
    db.session.commit()
    with pytest.raises(review.ReviewError, match="no question"):
        review.answer_question(actor=patel, request=canva, answer="Again.")


# --- the rubric --------------------------------------------------------------------------------


def test_the_office_edits_the_rubric_and_reviews_follow_it(app, as_):
    lee = as_("lee")
    answer = lee.post("/vetting/rubric", {"title": "Accessibility", "guidance": "WCAG 2.1 AA."})
    assert answer.status_code == 302
    empty = lee.post("/vetting/rubric", {"title": "  "})
    assert "Give the item a title." in page_of(empty)
    with app.app_context():
        items = {i.title: i.id for i in review.current_items()}
    added, ads = items["Accessibility"], items["Advertising and selling data"]
    lee.post(f"/vetting/rubric/{added}/up", {}, token_from="/vetting/rubric")
    lee.post(
        f"/vetting/rubric/{ads}",
        {"title": "Advertising, selling or renting data", "guidance": ""},
    )
    lee.post(
        f"/vetting/rubric/{items['Security practices']}/retire", {}, token_from="/vetting/rubric"
    )
    with app.app_context():
        titles = [i.title for i in review.current_items()]
        assert titles[-2:] == ["Accessibility", "Signed data privacy agreement"]
        assert "Advertising, selling or renting data" in titles
        assert "Security practices" not in titles
        assert db.session.get(RubricItem, items["Security practices"]).retired
    form = page_of(as_("reed").get(f"/vetting/{request_id(app, 'Book Creator')}/review"))
    assert "Accessibility" in form and "Security practices" not in form
    # The office's earlier reviews keep the retired item's finding.
    decide = page_of(lee.get(f"/vetting/{request_id(app, 'Quizlet')}/decide"))
    assert "Security practices" in decide
    assert count(app, AuditEvent, AuditEvent.action == "vetting.rubric_change") >= 3


def test_the_last_item_cannot_be_retired(ctx, demo):
    lee = db.session.get(Account, demo.accounts["lee"])
    from consent.vetting import rubric

    items = rubric.current_items()
    for item in items[:-1]:
        rubric.retire_item(actor=lee, item=item)
    with pytest.raises(rubric.RubricError, match="at least one item"):
        rubric.retire_item(actor=lee, item=items[-1])


def test_an_empty_rubric_gets_the_defaults_on_first_use(ctx, demo):
    from consent.vetting import rubric

    db.session.execute(Finding.__table__.delete())
    db.session.execute(RubricItem.__table__.delete())
    rubric.ensure_default_rubric()
    assert [i.title for i in rubric.current_items()] == [t for t, _ in DEFAULT_ITEMS]


# --- the backlog report ------------------------------------------------------------------------


def test_percentiles_and_school_days():
    assert percentile([], 0.5) is None
    assert percentile([3, 1, 2], 0.5) == 2
    assert percentile([4, 1, 2, 3], 0.5) == 2.5
    assert percentile(list(range(1, 11)), 0.9) == 9
    assert percentile([5], 0.9) == 5
    from datetime import date

    friday, monday = date(2026, 12, 4), date(2026, 12, 7)
    assert school_days_between(friday, monday, set()) == 1
    assert school_days_between(friday, monday, {monday}) == 0
    assert school_days_between(friday, friday, set()) == 0


def test_the_report_shows_the_backlog_and_the_time_to_decision(app, as_, demo):
    with app.app_context():
        face = db.session.scalar(select(VettingRequest).where(VettingRequest.name == "FaceQuiz"))
        from consent.core import clock
        from consent.schoolcalendar.days import closures_from

        start, end = clock.today(face.submitted_at), clock.today(face.decided_at)
        days = school_days_between(start, end, closures_from(start))
    page = page_of(as_("lee").get("/vetting/report"))
    rows = {
        "Waiting for review": 2,  # Padlet and Wordwall
        "In review": 2,
        "More information needed": 1,
    }
    for label, number in rows.items():
        assert f'{label}</span></td><td data-label="Requests">{number}</td>' in page
    assert '<td data-label="Requests">5</td>' in page  # all open
    assert f"{float(days)} school days" in page
    for persona in ("johnson", "kim", "brooks"):
        assert as_(persona).get("/vetting/report").status_code == 404


def test_ending_a_duty_withdraws_the_reviews_not_recorded_and_keeps_the_others(app, as_, demo):
    """Mr. Reed stops reviewing: Book Creator no longer waits for his review (the office names
    someone else), and his recorded reviews of Quizlet and Canva stay for the office to read."""
    lee = as_("lee")
    url = f"/vetting/reviewers/{demo.accounts['reed']}"
    assert lee.post(url, {"on": "0"}, token_from="/vetting/reviewers").status_code == 302
    book, quizlet = request_id(app, "Book Creator"), request_id(app, "Quizlet")
    with app.app_context():
        reed = demo.accounts["reed"]
        assert not count(app, Review, Review.request_id == book, Review.reviewer_account_id == reed)
        assert count(app, Review, Review.request_id == quizlet, Review.reviewer_account_id == reed)
    page = page_of(lee.get(f"/vetting/{book}"))
    assert "Assign at least 2 reviewers first." in page
    assert "Review by Thomas Reed" in page_of(lee.get(f"/vetting/{quizlet}"))
    with app.app_context():
        db.session.get(Account, demo.accounts["johnson"]).privacy_reviewer = True
        db.session.commit()
    # The turn offers the one reviewer Book Creator lacks, never its requester (Ms. Johnson).
    with app.app_context():
        offered = review.next_in_turn(db.session.get(VettingRequest, book))
        assert [a.id for a in offered] == []
        db.session.get(Account, demo.accounts["patel"]).privacy_reviewer = True
        db.session.commit()
        offered = review.next_in_turn(db.session.get(VettingRequest, book))
        assert [a.id for a in offered] == [demo.accounts["patel"]]


def test_a_reviewer_the_roster_ended_holds_up_no_decision_and_gets_no_reminder(app, as_, demo):
    """Mr. Reed leaves the district (the roster import ends his account) before recording his
    review of Book Creator: the request does not wait for him for ever. The office is asked to
    assign someone else, does, and decides; the reminders go to the new reviewer only."""
    from consent.vetting.escalation import escalate_reviews

    book = request_id(app, "Book Creator")
    with app.app_context():
        db.session.get(Account, demo.accounts["reed"]).active = False  # what the import does
        db.session.commit()
        with pytest.raises(review.ReviewError, match="Assign at least 2 reviewers first"):
            review.check_ready_for_decision(db.session.get(VettingRequest, book))
        request = db.session.get(VettingRequest, book)
        due = request.review_due_on
        db.session.query(Notification).delete()
        escalate_reviews(today=due)
        reminded = {n.staff_id for n in db.session.scalars(select(Notification))}
        # Mr. Kim recorded his and Mr. Reed has gone: nobody owes a review, the office is told.
        assert reminded and demo.staff["reed"] not in reminded
    with app.app_context():
        lee = db.session.get(Account, demo.accounts["lee"])
        patel = db.session.get(Account, demo.accounts["patel"])
        review.set_reviewer_duty(actor=lee, account=patel, on=True)
        request = db.session.get(VettingRequest, book)
        review.assign_reviewers(actor=lee, request=request, chosen=[patel])
        record_review(demo, book, "patel")
        review.check_ready_for_decision(db.session.get(VettingRequest, book))  # ready now
        db.session.commit()
