from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from consent.records.models import (
    AvailableHow,
    DisclosureBasis,
    RecordsStatus,
    RequestKind,
    RestrictionScope,
)
from consent.records.operations import TEXT_MAX


def _long_text(label, *, required=None, description=None) -> TextAreaField:
    validators = [Length(max=TEXT_MAX)]
    if required:
        validators.insert(0, DataRequired(message=required))
    return TextAreaField(label, validators=validators, description=description)


class RecordsRequestForm(FlaskForm):
    """What the family asks for: to see records, or to change one (what is wrong, what it
    should say)."""

    kind = RadioField(
        _l("What would you like to do?"),
        choices=[
            SelectChoice(RequestKind.INSPECT.value, _l("See my child's records")),
            SelectChoice(RequestKind.AMEND.value, _l("Ask for a record to be corrected")),
        ],
        validators=[InputRequired(message=_l("Choose what you would like to do."))],
    )
    records_sought = _long_text(
        _l("Which records do you want to see?"),
        description=_l("For example: report cards for this year, or the whole file."),
    )
    record_description = _long_text(
        _l("Which record should be corrected?"),
        description=_l("For example: the attendance record for 3 March."),
    )
    what_is_wrong = _long_text(
        _l("What is wrong in it?"),
        description=_l("Say why it is wrong, misleading, or against your child's privacy."),
    )
    should_say = _long_text(_l("What should it say instead? (optional)"))
    submit = SubmitField(_l("Send request"))

    def validate_records_sought(self, field) -> None:
        if self.kind.data == RequestKind.INSPECT.value and not (field.data or "").strip():
            raise ValidationError(_l("Say which records you want to see."))

    def validate_record_description(self, field) -> None:
        if self.kind.data == RequestKind.AMEND.value and not (field.data or "").strip():
            raise ValidationError(_l("Say which record you want changed."))

    def validate_what_is_wrong(self, field) -> None:
        if self.kind.data == RequestKind.AMEND.value and not (field.data or "").strip():
            raise ValidationError(_l("Say what is wrong in the record."))


class StatementForm(FlaskForm):
    text = _long_text(
        _l("Your statement"),
        required=_l("Write your statement."),
        description=_l(
            "Say why you disagree with the decision. It is kept with the record and shared "
            "whenever the record is shared."
        ),
    )
    submit = SubmitField(_l("Add my statement to the record"))


class ConfirmForm(FlaskForm):
    """A POST-only button with CSRF and the version of the request the person saw."""

    version = HiddenField()
    submit = SubmitField(_l("Yes, ask for a hearing"))


class MadeAvailableForm(FlaskForm):
    how = RadioField(
        _l("How were the records made available?"),
        choices=[
            SelectChoice(AvailableHow.IN_PERSON.value, _l("In person")),
            SelectChoice(AvailableHow.COPIES.value, _l("Copies")),
            SelectChoice(AvailableHow.PORTAL.value, _l("On a portal")),
        ],
        validators=[InputRequired(message=_l("Choose how the records were made available."))],
    )
    available_on = DateField(
        _l("On which day?"), validators=[InputRequired(message=_l("Give the day."))]
    )
    version = HiddenField()
    submit = SubmitField(_l("Record and close the request"))


class DecisionForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("grant", _l("Amend the record as asked")),
            SelectChoice("refuse", _l("Refuse the amendment")),
        ],
        validators=[InputRequired(message=_l("Choose a decision."))],
    )
    change_made = _long_text(
        _l("What was changed (if amended)"), description=_l("The family reads this.")
    )
    reason = _long_text(
        _l("Why it is refused (if refused)"),
        description=_l("The family reads this, with a notice of their right to a hearing."),
    )
    version = HiddenField()
    submit = SubmitField(_l("Record the decision"))

    def validate_change_made(self, field) -> None:
        if self.decision.data == "grant" and not (field.data or "").strip():
            raise ValidationError(_l("Say what was changed in the record."))

    def validate_reason(self, field) -> None:
        if self.decision.data == "refuse" and not (field.data or "").strip():
            raise ValidationError(_l("Give the reason for refusing."))


class HearingForm(FlaskForm):
    hearing_on = DateField(
        _l("Date of the hearing"),
        validators=[InputRequired(message=_l("Give the date of the hearing."))],
    )
    officer = StringField(
        _l("Hearing officer"),
        validators=[
            DataRequired(message=_l("Name the hearing officer.")),
            Length(max=255),
        ],
        description=_l("Someone with no direct interest in the outcome (34 CFR 99.22(c))."),
    )
    version = HiddenField()
    submit = SubmitField(_l("Set the hearing"))


class OutcomeForm(FlaskForm):
    outcome = RadioField(
        _l("The hearing's decision"),
        choices=[
            SelectChoice("amend", _l("Amend the record")),
            SelectChoice("keep", _l("Keep the record as it is")),
        ],
        validators=[InputRequired(message=_l("Choose the hearing's decision."))],
    )
    note = _long_text(
        _l("The decision and its reasons"),
        required=_l("Write the hearing's decision and its reasons."),
    )
    version = HiddenField()
    submit = SubmitField(_l("Record the outcome"))


class CloseForm(FlaskForm):
    reason = _long_text(
        _l("Why does this request no longer apply?"), required=_l("Give the reason for closing.")
    )
    version = HiddenField()
    submit = SubmitField(_l("Close request"))


class RequestFilterForm(FlaskForm):
    """GET filters on the records request list; no CSRF, nothing changes."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), default="")
    kind = SelectField(
        _l("Kind"),
        choices=[
            SelectChoice("", _l("Any kind")),
            SelectChoice(RequestKind.INSPECT.value, _l("See records")),
            SelectChoice(RequestKind.AMEND.value, _l("Correct a record")),
        ],
        default="",
    )
    school = SelectField(_l("School"), default="")
    overdue = SelectField(
        _l("Due"),
        choices=[SelectChoice("", _l("Any")), SelectChoice("1", _l("Overdue only"))],
        default="",
    )
    page = HiddenField()

    def with_statuses(self, labels) -> "RequestFilterForm":
        self.status.choices = [SelectChoice("", _l("Any status"))] + [
            SelectChoice(s.value, labels[s]) for s in RecordsStatus
        ]
        return self


class DisclosureForm(FlaskForm):
    recipient = StringField(
        _l("Who received the records"),
        validators=[DataRequired(message=_l("Say who received the records.")), Length(max=255)],
    )
    basis = SelectField(
        _l("Why the law allows it"),
        choices=[
            SelectChoice(DisclosureBasis.TRANSFER.value, _l("Transfer to another school")),
            SelectChoice(DisclosureBasis.COURT_ORDER.value, _l("Subpoena or court order")),
            SelectChoice(DisclosureBasis.HEALTH_SAFETY.value, _l("Health or safety emergency")),
            SelectChoice(DisclosureBasis.STATE_AUDIT.value, _l("Audit or evaluation by the state")),
        ],
    )
    interest = _long_text(
        _l("The recipient's interest"),
        required=_l("Give the recipient's interest or the exception's details."),
        description=_l(
            "The legitimate interest, the order's reference, or the threat that made it an "
            "emergency."
        ),
    )
    records = _long_text(_l("Which records"), required=_l("Say which records were disclosed."))
    disclosed_on = DateField(
        _l("Date disclosed"), validators=[InputRequired(message=_l("Give the date."))]
    )
    hidden_from_family = BooleanField(_l("The order forbids telling the family"))
    submit = SubmitField(_l("Record the disclosure"))


class RestrictionForm(FlaskForm):
    reference = StringField(
        _l("The order's reference"),
        validators=[DataRequired(message=_l("Give the order's reference.")), Length(max=255)],
        description=_l("For example: the court's case number."),
    )
    ordered_on = DateField(
        _l("Date of the order"), validators=[InputRequired(message=_l("Give the date."))]
    )
    removes = RadioField(
        _l("What the order removes"),
        choices=[
            SelectChoice(RestrictionScope.ALL_RIGHTS.value, _l("All rights: no access at all")),
            SelectChoice(
                RestrictionScope.DECISIONS.value, _l("Decisions only: may still see the child")
            ),
        ],
        validators=[InputRequired(message=_l("Choose what the order removes."))],
    )
    tell_other_guardians = BooleanField(_l("Tell the child's other parents that rights changed"))
    submit = SubmitField(_l("Record the order"))
