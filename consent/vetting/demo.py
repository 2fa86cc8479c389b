"""The demo district's vetting requests, made through the same operations the app uses: two
waiting for review and one the privacy office did not approve (so no catalog entry); and the
approved tools' next-review dates, one of them due within the month."""

from datetime import date, datetime, timedelta

from consent.accounts.models import Account
from consent.core import clock
from consent.vetting import operations
from consent.vetting.models import RequestStatus


def file_demo_vetting_requests(accounts: dict[str, Account], now: datetime) -> None:
    operations.submit_request(
        actor=accounts["johnson"],
        name="Padlet",
        website="https://padlet.com",
        vendor="Wallwisher, Inc.",
        purpose="A shared online board where the class posts ideas during a lesson.",
        grades="3-5",
        student_use="Students post short notes and pictures on the class board.",
        student_data="Short written posts and pictures; no account, a first name only.",
        now=now - timedelta(days=1),
    )
    # Waiting for review too; Mr. Kim uses it in Room 15 meanwhile, under the General Use
    # Guidelines (consent.guidelines.demo).
    operations.submit_request(
        actor=accounts["kim"],
        name="Wordwall",
        website="https://wordwall.net",
        vendor="Visual Education Ltd",
        privacy_policy_url="https://wordwall.net/privacy",
        purpose="Quick matching and quiz games to review vocabulary.",
        grades="5",
        student_use="The class plays a game on the board; students do not sign in.",
        student_data="Nothing: no account, no names.",
        now=now - timedelta(days=3),
    )
    refused = operations.submit_request(
        actor=accounts["patel"],
        name="FaceQuiz",
        website="https://facequiz.example",
        purpose="Quizzes where students answer on camera.",
        grades="7",
        student_use="Students record short video answers.",
        student_data="Video and voice recordings, full name and school email.",
        now=now - timedelta(days=9),
    )
    decided_at = now - timedelta(days=7)
    with clock.at(decided_at):  # the requester's message carries the day it was decided
        operations.decide(
            actor=accounts["lee"],
            request=refused,
            decision=RequestStatus.NOT_APPROVED,
            note=(
                "It keeps student videos for advertising research. Flip does the same job safely."
            ),
            now=decided_at,
        )


def schedule_demo_reviews(tools: dict, today: date) -> None:
    """Each demo tool comes up for review a year after its last review; Khan Academy's date is
    three weeks away, so the office's list of re-reviews due shows it."""
    for key, tool in tools.items():
        tool.next_review_on = (
            today + timedelta(days=21)
            if key == "khan"
            else tool.last_reviewed_on + timedelta(days=365)
        )
