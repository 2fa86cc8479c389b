from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from consent.accounts.passwords import MAX_LENGTH, MIN_LENGTH


def _strip(value):
    """Phones and password managers add stray spaces around an email address."""
    return value.strip() if isinstance(value, str) else value


class SignInForm(FlaskForm):
    email = EmailField(
        _l("Email"), filters=[_strip], validators=[DataRequired(), Email(), Length(max=320)]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])
    submit = SubmitField(_l("Sign in"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("Email"), filters=[_strip], validators=[DataRequired(), Email(), Length(max=320)]
    )
    submit = SubmitField(_l("Email me a reset link"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_LENGTH, max=MAX_LENGTH)],
        description=_l("At least 12 characters. A short sentence is easy to remember."),
    )
    confirm = PasswordField(
        _l("Type the new password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )
    submit = SubmitField(_l("Save new password"))


class EmptyForm(FlaskForm):
    """A POST-only button: carries the CSRF token and nothing else."""

    submit = SubmitField(_l("Confirm"))
