"""The audit log's filter: a GET form, so a filtered list can be bookmarked and paged."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import Length, Optional, ValidationError

from consent.audit.queries import AuditFilter, account_id_for_email, student_id_for_number


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # it only reads, through a bookmarkable GET

    person = StringField(
        _l("Person (email)"),
        validators=[Optional(), Length(max=320)],
        description=_l("The email address the person signs in with."),
    )
    student = StringField(_l("Student number"), validators=[Optional(), Length(max=64)])
    action = StringField(
        _l("Action"),
        validators=[Optional(), Length(max=64)],
        description=_l('For example student.view; end with a dot ("optout.") for every kind.'),
    )
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("To"), validators=[Optional()])

    def validate_person(self, field) -> None:
        self.actor_account_id = None
        if field.data:
            self.actor_account_id = account_id_for_email(field.data)
            if self.actor_account_id is None:
                raise ValidationError(_l("No account signs in with this email address."))

    def validate_student(self, field) -> None:
        self.student_id = None
        if field.data:
            self.student_id = student_id_for_number(field.data)
            if self.student_id is None:
                raise ValidationError(_l("No student has this number."))

    def validate_until(self, field) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end date must be on or after the start date."))

    def to_filter(self) -> AuditFilter:
        """The validated filter (call after validate())."""
        return AuditFilter(
            actor_account_id=getattr(self, "actor_account_id", None),
            student_id=getattr(self, "student_id", None),
            action=(self.action.data or "").strip(),
            since=self.since.data,
            until=self.until.data,
        )
