from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from consent.notice.rules import TEXT_MAX


def _part(label, description) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[
            DataRequired(message=_l("Write this part of the notice.")),
            Length(max=TEXT_MAX),
        ],
        description=description,
        render_kw={"rows": 8},
    )


class NoticeForm(FlaskForm):
    """One language's notice: the district's contacts and the three parts the district writes.
    Plain text: a blank line starts a new paragraph; nothing is read as HTML."""

    contact_name = StringField(
        _l("Name of the office families contact"),
        validators=[Optional(), Length(max=255)],
        description=_l("For example: Office of Student Privacy. Left empty: the settings' name."),
    )
    contact_email = StringField(
        _l("Email address"),
        validators=[
            Optional(),
            Length(max=320),
            Email(message=_l("Enter an email address like name@example.org.")),
        ],
    )
    contact_phone = StringField(
        _l("Phone number"),
        validators=[
            Optional(),
            Length(max=64),
            Regexp(r"^[0-9+().\- x]+$", message=_l("Use digits, spaces, + ( ) - only.")),
        ],
    )
    contact_address = TextAreaField(
        _l("Postal address"),
        validators=[Optional(), Length(max=1000)],
        description=_l("As it goes on an envelope, one line per line."),
        render_kw={"rows": 4},
    )
    school_officials = _part(
        _l("Who is a school official with a legitimate educational interest"),
        _l("Who may see records without consent, and what makes their interest legitimate."),
    )
    directory_information = _part(
        _l("Directory information"),
        _l("Which types the district releases, and how and by when a family may refuse."),
    )
    inspect_and_amend = _part(
        _l("How to see and correct records"),
        _l("Where to ask, how long the district takes, and how to ask for a correction."),
    )
    submit = SubmitField(_l("Save a new version"))


class SendForm(FlaskForm):
    """The confirmation step's button; `expected` is the number the office was shown."""

    expected = HiddenField()
    submit = SubmitField(_l("Send the notice"))

    def validate_expected(self, field) -> None:
        value = (field.data or "").strip()
        if value and not (value.isdigit() and len(value) <= 9):
            raise ValidationError(_l("This page is out of date: check the numbers again."))

    @property
    def expected_number(self) -> int | None:
        """The number shown on the confirmation step (None: not given)."""
        value = (self.expected.data or "").strip()
        return int(value) if value else None
