"""The demo district's messages and timelines carry believable moments in the past (issue 15):
a request filed days ago was planned, confirmed, returned, withdrawn or closed on the school days
after it was filed, not at the moment the demo was loaded, and each message about it was written
when the step it reports was taken."""

from collections import defaultdict

from sqlalchemy import select

from consent.consentforms.models import ConsentAnswer
from consent.core import clock
from consent.extensions import db
from consent.notifications.models import Notification
from consent.optouts.models import Event, OptOut
from consent.vetting.committee.models import Question, Review
from consent.vetting.models import VettingRequest


def test_each_requests_messages_are_written_when_its_steps_were_taken(ctx, demo):
    today_starts = clock.day_start(clock.today())
    now = clock.now()
    optouts = {o.id: o for o in db.session.scalars(select(OptOut))}
    steps = defaultdict(set)
    for event in db.session.scalars(select(Event)):
        steps[event.optout_id].add(event.at)
    messages = defaultdict(list)
    for message in db.session.scalars(
        select(Notification).where(Notification.optout_id.is_not(None))
    ):
        messages[message.optout_id].append(message)

    days_of_work = 0
    for key, optout_id in demo.optouts.items():
        optout = optouts[optout_id]
        assert messages[optout_id], key
        for message in messages[optout_id]:
            assert optout.filed_at <= message.created_at <= now, (key, message.kind)
            assert message.created_at in steps[optout_id], (key, message.kind)
        moments = sorted(steps[optout_id])
        assert moments[0] == optout.filed_at, key
        if optout.filed_at < today_starts:
            # Filed on an earlier day: the whole story happened before today, over days.
            assert moments[-1] < today_starts, (key, moments)
            days_of_work += len({clock.today(m) for m in moments}) > 1
    assert days_of_work >= 5, "the requests filed days ago moved on over the following days"


def test_the_vetting_messages_are_written_when_the_requests_were_sent_and_decided(ctx, demo):
    """Sent, assigned to reviewers, asked about and decided: each message at its moment."""
    today_starts = clock.day_start(clock.today())
    requests = db.session.scalars(select(VettingRequest)).all()
    moments = {r.submitted_at for r in requests} | {r.decided_at for r in requests if r.decided_at}
    moments |= set(db.session.scalars(select(Review.assigned_at)))
    moments |= set(db.session.scalars(select(Question.asked_at)))
    vetting = db.session.scalars(
        select(Notification).where(Notification.kind.like("vetting/%"))
    ).all()
    assert vetting
    for message in vetting:
        assert message.created_at in moments, message.kind
        assert message.created_at < today_starts, message.kind


def test_a_consent_form_answers_message_is_written_when_it_was_given(ctx, demo):
    answered = set(db.session.scalars(select(ConsentAnswer.answered_at)))
    receipts = db.session.scalars(
        select(Notification).where(
            Notification.kind.in_(["consentform_receipt", "consentform_recorded"])
        )
    ).all()
    assert receipts
    for message in receipts:
        assert message.created_at in answered, message.kind
