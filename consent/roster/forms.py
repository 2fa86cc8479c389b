from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, SubmitField


class RosterUploadForm(FlaskForm):
    archive = FileField(
        _l("Roster export (.zip)"),
        validators=[
            FileRequired(_l("Choose the zip file your student information system exported.")),
            FileAllowed(["zip"], _l("Upload a .zip file of CSV files.")),
        ],
        description=_l("OneRoster 1.1 or 1.2 CSV, or Microsoft School Data Sync v2.1."),
    )
    dry_run = BooleanField(_l("Only check it: show what would change, change nothing"))
    submit = SubmitField(_l("Upload and import"))


class RetryImportForm(FlaskForm):
    submit = SubmitField(_l("Retry this import"))
