"""The privacy office's receipt check: one field, the code as printed or read aloud."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length


class VerifyForm(FlaskForm):
    code = StringField(
        _l("Verification code"),
        validators=[
            DataRequired(message=_l("Enter the code printed on the receipt.")),
            Length(max=64),
        ],
        description=_l(
            "12 letters and numbers, for example 7K2M-QX9D-4HPB. Dashes, spaces and lower case "
            "are fine."
        ),
    )
    submit = SubmitField(_l("Check the code"))
