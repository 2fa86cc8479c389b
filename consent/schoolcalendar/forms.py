"""Forms for the district calendar: adding closures and confirming a removal."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

REASON_MAX = 255


class ClosureForm(FlaskForm):
    """One day, or a run of days such as a winter break, closed for one reason."""

    first_day = DateField(
        _l("First day closed"),
        validators=[InputRequired(message=_l("Enter the first day the schools are closed."))],
    )
    last_day = DateField(
        _l("Last day closed (optional)"),
        validators=[Optional()],
        description=_l("Leave empty for a single day. Weekends in between are skipped."),
    )
    reason = StringField(
        _l("Reason"),
        validators=[
            DataRequired(message=_l("Enter the reason, for example Winter break.")),
            Length(max=REASON_MAX),
        ],
    )
    submit = SubmitField(_l("Add closure"))

    def validate_last_day(self, field) -> None:
        if field.data and self.first_day.data and field.data < self.first_day.data:
            raise ValidationError(_l("The last day must be on or after the first day."))


class ConfirmForm(FlaskForm):
    """A POST-only button with its CSRF token."""

    submit = SubmitField(_l("Yes, remove it"))
