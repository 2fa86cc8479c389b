"""Plain rules of the consent forms: windows, scopes, and which answer stands."""

from collections.abc import Iterable
from datetime import date

from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from consent.consentforms.models import HIGH_SCHOOL_GRADES, Answer, ConsentForm, FormKind
from consent.core.errors import DomainError


class ConsentFormError(DomainError):
    """A change the consent-form rules refuse; the message (translatable) is shown as is."""


def check_window(opens_on: date | None, closes_on: date | None) -> None:
    if opens_on is None or closes_on is None:
        raise ConsentFormError(_l("Give the dates the form opens and closes."))
    if closes_on < opens_on:
        raise ConsentFormError(_l("The closing date must be on or after the opening date."))


def check_text(text: str | None) -> str:
    text = (text or "").strip()
    if not text:
        raise ConsentFormError(_l("Write the text families will read; a form needs its text."))
    return text


def check_scope(kind: FormKind, grades: Iterable[str], tool_id: int | None) -> None:
    grades = set(grades)
    if kind is FormKind.MILITARY_RECRUITER and (not grades or not grades <= HIGH_SCHOOL_GRADES):
        raise ConsentFormError(
            _l("A military-recruiter release is for high schools only: choose grades 9 to 12.")
        )
    if kind is FormKind.TOOL_CONSENT and tool_id is None:
        raise ConsentFormError(_l("Choose the tool this consent is for."))
    if kind is not FormKind.TOOL_CONSENT and tool_id is not None:
        raise ConsentFormError(_l("Only a tool consent form names a tool."))


def check_open(form: ConsentForm, today: date) -> None:
    """Answers are taken only while the window is open; before and after it they are refused."""
    if today < form.opens_on:
        raise ConsentFormError(
            _l("This form opens on %(day)s.", day=format_date(form.opens_on, "long"))
        )
    if today > form.closes_on:
        raise ConsentFormError(
            _l(
                "This form closed on %(day)s. Answers can no longer be given or changed.",
                day=format_date(form.closes_on, "long"),
            )
        )


def check_received(form: ConsentForm, received_on: date, today: date) -> None:
    """Staff may enter a paper or phone answer after the window closes when it reached the
    school while the window was open: the day it was received decides, not the day typed in."""
    if received_on > today:
        raise ConsentFormError(_l("The date received cannot be in the future."))
    if received_on < form.opens_on:
        if today < form.opens_on:
            raise ConsentFormError(
                _l("This form opens on %(day)s.", day=format_date(form.opens_on, "long"))
            )
        raise ConsentFormError(
            _l(
                "This form opened on %(day)s: an answer received before then cannot be "
                "recorded. Check the date received.",
                day=format_date(form.opens_on, "long"),
            )
        )
    if received_on > form.closes_on:
        raise ConsentFormError(
            _l(
                "This form closed on %(day)s. An answer received after the form closed cannot "
                "be recorded. If it arrived by %(day)s, enter the date it was received.",
                day=format_date(form.closes_on, "long"),
            )
        )


def answer_in_force(answers: Iterable[Answer]) -> Answer | None:
    """When guardians disagree, the more protective answer stands: a refusal."""
    answers = set(answers)
    if not answers:
        return None
    return Answer.REFUSED if Answer.REFUSED in answers else Answer.GRANTED
