from babel import Locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, ValidationError

from consent.accounts.passwords import MAX_LENGTH, password_problem


def _strip(value):
    """Phones and password managers add stray spaces around an email address."""
    return value.strip() if isinstance(value, str) else value


class NewPassword:
    """The password rules of consent.accounts.passwords, on a form field."""

    def __call__(self, form, field):
        problem = password_problem(field.data or "", email=getattr(form, "account_email", None))
        if problem:
            raise ValidationError(str(problem))


# NFKC can lengthen a password a little; the real limit is checked after normalising.
_TYPED_MAX = MAX_LENGTH * 4


class SignInForm(FlaskForm):
    email = EmailField(
        _l("Email"), filters=[_strip], validators=[DataRequired(), Email(), Length(max=320)]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=_TYPED_MAX)])
    submit = SubmitField(_l("Sign in"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("Email"), filters=[_strip], validators=[DataRequired(), Email(), Length(max=320)]
    )
    submit = SubmitField(_l("Email me a reset link"))


_HINT = _l(
    "At least 12 characters, any letters, spaces or symbols. A short sentence is easy to "
    "remember; the most common passwords are refused."
)


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=_TYPED_MAX), NewPassword()],
        description=_HINT,
    )
    confirm = PasswordField(
        _l("Type the new password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )
    submit = SubmitField(_l("Save new password"))

    def __init__(self, *args, account_email: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.account_email = account_email


class ChangePasswordForm(ResetPasswordForm):
    current = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=_TYPED_MAX)]
    )


class LanguageForm(FlaskForm):
    """The guardian's language for pages and emails; each choice named in its own language."""

    language = RadioField(
        _l("Language for pages and emails"),
        validators=[InputRequired(message=_l("Choose a language."))],
    )
    submit = SubmitField(_l("Save language"))

    def for_languages(self, codes: list[str]) -> "LanguageForm":
        self.language.choices = [(code, language_name(code)) for code in codes]
        return self


def language_name(code: str) -> str:
    """ "English", "Español": a person finds their language by its own name."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


class EmptyForm(FlaskForm):
    """A POST-only button: carries the CSRF token and nothing else."""

    submit = SubmitField(_l("Confirm"))


class CodeForm(FlaskForm):
    """The second step: six digits from the authenticator app, or a recovery code."""

    code = StringField(
        _l("Code"),
        filters=[_strip],
        validators=[DataRequired(), Length(max=40)],
        description=_l(
            "The 6-digit code your authenticator app shows now, or one of your recovery codes."
        ),
    )
    submit = SubmitField(_l("Continue"))


class EnrolForm(FlaskForm):
    code = StringField(
        _l("Code from the app"),
        filters=[_strip],
        validators=[DataRequired(), Length(max=40)],
        description=_l("After adding the account, type the 6-digit code the app shows."),
    )
    submit = SubmitField(_l("Turn on"))


class TurnOffForm(FlaskForm):
    code = StringField(
        _l("Code from the app"),
        filters=[_strip],
        validators=[DataRequired(), Length(max=40)],
        description=_l("The 6-digit code your authenticator app shows now."),
    )
    submit = SubmitField(_l("Turn off the second factor"))


class RenewRecoveryCodesForm(FlaskForm):
    code = StringField(
        _l("Code from the app"),
        filters=[_strip],
        validators=[DataRequired(), Length(max=40)],
        description=_l("The 6-digit code your authenticator app shows now."),
    )
    submit = SubmitField(_l("Get new recovery codes"))


class ResetSecondFactorForm(FlaskForm):
    email = EmailField(
        _l("Email of the account"),
        filters=[_strip],
        validators=[DataRequired(), Email(), Length(max=320)],
    )
    submit = SubmitField(_l("Reset their second factor"))
