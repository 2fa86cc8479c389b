"""The demo district's vetting requests, made through the same operations the app uses, with a
review committee of two (Mr. Kim and Mr. Reed) and a request in every review state: one waiting
for its reviewers (Padlet), one in review with one finding in (Book Creator), one with every
review in and waiting for the office's decision (Quizlet), one back with its requester to answer
a question (Canva), and one reviewed and not approved (FaceQuiz, so no catalog entry). Wordwall
waits for its reviewers while Mr. Kim uses it under the General Use Guidelines; the approved
tools have next-review dates, one of them due within the month."""

from datetime import date, datetime, timedelta

from consent.accounts.models import Account
from consent.core import clock
from consent.vetting import operations, review
from consent.vetting.committee.models import Rating, Recommendation
from consent.vetting.models import RequestStatus
from consent.vetting.rubric import current_items, ensure_default_rubric

COMMITTEE = ("kim", "reed")


def _findings(ratings: dict[int, tuple[Rating, str]]) -> list[review.FindingAnswer]:
    """A finding for every rubric item: pass, unless `ratings` (by position) says otherwise."""
    return [
        review.FindingAnswer(
            item_id=item.id,
            rating=ratings.get(number, (Rating.PASS, ""))[0],
            note=ratings.get(number, (Rating.PASS, ""))[1],
        )
        for number, item in enumerate(current_items(), start=1)
    ]


def _review(accounts, key, request, at: datetime, recommendation, note="", ratings=None):
    with clock.at(at):
        review.submit_review(
            actor=accounts[key],
            request=request,
            findings=_findings(ratings or {}),
            recommendation=recommendation,
            note=note,
            now=at,
        )


def _submit(accounts, key, at: datetime, **answers):
    with clock.at(at):
        return operations.submit_request(actor=accounts[key], now=at, **answers)


def _assign(accounts, request, at: datetime) -> None:
    with clock.at(at):  # each reviewer's message carries the moment they were assigned
        review.assign_reviewers(
            actor=accounts["lee"],
            request=request,
            chosen=[accounts[key] for key in COMMITTEE],
            now=at,
        )


def file_demo_vetting_requests(accounts: dict[str, Account], now: datetime) -> None:
    ensure_default_rubric()
    for key in COMMITTEE:
        review.set_reviewer_duty(actor=accounts["lee"], account=accounts[key], on=True)
    day = timedelta(days=1)

    _submit(
        accounts,
        "johnson",
        now - day,
        name="Padlet",
        website="https://padlet.com",
        vendor="Wallwisher, Inc.",
        purpose="A shared online board where the class posts ideas during a lesson.",
        grades="3-5",
        student_use="Students post short notes and pictures on the class board.",
        student_data="Short written posts and pictures; no account, a first name only.",
    )
    # Waiting for its reviewers too; Mr. Kim uses it in Room 15 meanwhile, under the General Use
    # Guidelines (consent.guidelines.demo).
    _submit(
        accounts,
        "kim",
        now - 3 * day,
        name="Wordwall",
        website="https://wordwall.net",
        vendor="Visual Education Ltd",
        privacy_policy_url="https://wordwall.net/privacy",
        purpose="Quick matching and quiz games to review vocabulary.",
        grades="5",
        student_use="The class plays a game on the board; students do not sign in.",
        student_data="Nothing: no account, no names.",
    )

    book_creator = _submit(
        accounts,
        "johnson",
        now - 4 * day,
        name="Book Creator",
        website="https://bookcreator.com",
        vendor="Tools for Schools Ltd",
        purpose="Students write and illustrate short books about what they learned.",
        grades="3-5",
        student_use="Students make a book in a class library the teacher sets up.",
        student_data="Their writing, drawings, photos and voice recordings; a first name.",
    )
    _assign(accounts, book_creator, now - 3 * day)
    _review(accounts, "kim", book_creator, now - 2 * day, Recommendation.APPROVE)

    quizlet = _submit(
        accounts,
        "patel",
        now - 6 * day,
        name="Quizlet",
        website="https://quizlet.com",
        vendor="Quizlet, Inc.",
        purpose="Flashcards and practice games for vocabulary.",
        grades="7",
        student_use="Students study sets the teacher makes, in class and at home.",
        student_data="A school email and name for the account; their answers.",
    )
    _assign(accounts, quizlet, now - 5 * day)
    ads = (Rating.CONCERN, "The free version shows advertising to students over 13.")
    _review(
        accounts,
        "kim",
        quizlet,
        now - 4 * day,
        Recommendation.APPROVE_WITH_CONDITIONS,
        "Only with the district's paid plan, which has no advertising.",
        {3: ads},
    )
    _review(
        accounts,
        "reed",
        quizlet,
        now - 3 * day,
        Recommendation.APPROVE_WITH_CONDITIONS,
        "Under the paid plan only.",
        {3: ads},
    )

    canva = _submit(
        accounts,
        "patel",
        now - 8 * day,
        name="Canva",
        website="https://www.canva.com/education/",
        vendor="Canva Pty Ltd",
        purpose="Posters and presentations for class projects.",
        grades="7",
        student_use="Students design in a class the teacher makes.",
        student_data="Name, school email, their designs and uploaded pictures.",
    )
    _assign(accounts, canva, now - 7 * day)
    _review(accounts, "kim", canva, now - 6 * day, Recommendation.APPROVE)
    _review(
        accounts,
        "reed",
        canva,
        now - 5 * day,
        Recommendation.DECLINE,
        "We do not know how long uploaded pictures are kept.",
        {4: (Rating.CONCERN, "The privacy policy gives no retention period for uploads.")},
    )
    asked_at = now - 4 * day
    with clock.at(asked_at):
        review.ask_for_information(
            actor=accounts["lee"],
            request=canva,
            question=(
                "Does your class use Canva's education account, and can the pictures students "
                "upload be deleted at the end of the year?"
            ),
            now=asked_at,
        )

    refused = _submit(
        accounts,
        "patel",
        now - 12 * day,
        name="FaceQuiz",
        website="https://facequiz.example",
        purpose="Quizzes where students answer on camera.",
        grades="7",
        student_use="Students record short video answers.",
        student_data="Video and voice recordings, full name and school email.",
    )
    _assign(accounts, refused, now - 11 * day)
    selling = (Rating.FAIL, "The terms let the company use videos for advertising research.")
    for key, at in (("kim", now - 10 * day), ("reed", now - 9 * day)):
        _review(
            accounts,
            key,
            refused,
            at,
            Recommendation.DECLINE,
            "Student videos are used for advertising research.",
            {1: (Rating.CONCERN, "Video and voice of children."), 3: selling},
        )
    decided_at = now - 7 * day
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
