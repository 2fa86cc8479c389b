"""The privacy office's form for a vendor roster check."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length


class RosterCheckForm(FlaskForm):
    tool = SelectField(
        _l("Tool"),
        coerce=int,
        choices=[],
        validators=[InputRequired(message=_l("Choose the tool the roster is for."))],
    )
    vendor = StringField(
        _l("Vendor"),
        validators=[Length(max=120)],
        description=_l("Leave it empty for the vendor the catalog names for the tool."),
    )
    export = FileField(
        _l("The vendor's roster export"),
        validators=[
            FileRequired(_l("Choose the file the vendor sent.")),
            FileAllowed(["zip", "csv"], _l("Upload a .zip OneRoster set or a .csv file.")),
        ],
        description=_l(
            "A OneRoster set (.zip, or its users.csv), or a CSV file of one column: sourcedId "
            "or student number."
        ),
    )
    submit = SubmitField(_l("Check the roster"))
