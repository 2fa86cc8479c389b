from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from consent.catalog.forms import web_address
from consent.catalog.models import LegalBasis, Tool
from consent.core.templating import staff_label
from consent.roster.models import School
from consent.vetting.models import RequestStatus

TEXT_MAX = 4000


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class VettingRequestForm(FlaskForm):
    """What the privacy office needs to know to vet a tool; every question in plain words."""

    name = StringField(
        _l("Name of the tool"),
        filters=[_strip],
        validators=[DataRequired(message=_l("Give the tool's name.")), Length(max=255)],
    )
    website = StringField(
        _l("Website address"),
        filters=[_strip],
        validators=[DataRequired(message=_l("Give the tool's website address.")), web_address],
        description=_l("For example https://www.example.com"),
    )
    vendor = StringField(
        _l("Company that makes it (optional)"), filters=[_strip], validators=[Length(max=255)]
    )
    privacy_policy_url = StringField(
        _l("Privacy policy address (optional)"),
        filters=[_strip],
        validators=[web_address],
    )
    purpose = TextAreaField(
        _l("What is it for?"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Say what the tool is for.")),
            Length(max=TEXT_MAX),
        ],
    )
    grades = StringField(
        _l("Grades"),
        filters=[_strip],
        validators=[DataRequired(message=_l("Say which grades would use it.")), Length(max=32)],
        description=_l("For example K-5, 7, or 9-12"),
    )
    student_use = TextAreaField(
        _l("How do students use it?"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Say how students would use the tool.")),
            Length(max=TEXT_MAX),
        ],
    )
    student_data = TextAreaField(
        _l("What do students enter into it?"),
        filters=[_strip],
        validators=[
            DataRequired(
                message=_l("Say what students type, upload or record in it (or write 'nothing').")
            ),
            Length(max=TEXT_MAX),
        ],
        description=_l("For example their name, email, photos, voice recordings, or schoolwork."),
    )
    submit = SubmitField(_l("Send for vetting"))


DECISION_LABELS = {
    RequestStatus.APPROVED: _l("Approve"),
    RequestStatus.APPROVED_WITH_CONDITIONS: _l("Approve with conditions"),
    RequestStatus.NOT_APPROVED: _l("Do not approve"),
    # Not a decision: the request goes back to its requester with the note as the question.
    RequestStatus.MORE_INFORMATION: _l("Ask the requester for more information"),
}


class DecisionForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[SelectChoice(status.value, label) for status, label in DECISION_LABELS.items()],
        validators=[InputRequired(message=_l("Choose a decision."))],
    )
    legal_basis = SelectField(
        _l("Legal basis (for an approval)"),
        choices=[SelectChoice("", _l("Choose…"))]
        + [SelectChoice(basis.value, staff_label(basis)) for basis in LegalBasis],
        default="",
        description=_l("On what basis the company receives student data."),
    )
    note = TextAreaField(
        _l("Note to the requester"),
        filters=[_strip],
        validators=[Length(max=TEXT_MAX)],
        description=_l(
            "Required for conditions, for a tool that is not approved, and for a question."
        ),
    )
    submit = SubmitField(_l("Record decision"))

    def validate_legal_basis(self, field) -> None:
        approving = self.decision.data in (
            RequestStatus.APPROVED.value,
            RequestStatus.APPROVED_WITH_CONDITIONS.value,
        )
        if approving and not field.data:
            raise ValidationError(_l("Choose the legal basis on which the tool receives data."))

    def validate_note(self, field) -> None:
        if field.data:
            return
        if self.decision.data == RequestStatus.APPROVED_WITH_CONDITIONS.value:
            raise ValidationError(_l("Write the conditions for the requester."))
        if self.decision.data == RequestStatus.NOT_APPROVED.value:
            raise ValidationError(_l("Tell the requester why the tool is not approved."))
        if self.decision.data == RequestStatus.MORE_INFORMATION.value:
            raise ValidationError(_l("Write the question for the requester."))


class _UseDates(FlaskForm):
    starts_on = DateField(
        _l("First day of use"),
        validators=[InputRequired(message=_l("Give the first day of use."))],
    )
    ends_on = DateField(_l("Last day of use (optional)"), validators=[Optional()])

    def validate_ends_on(self, field) -> None:
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(_l("The end date is before the start date."))


def _tool_choices(tools: list[Tool]) -> list[SelectChoice]:
    return [SelectChoice("", _l("Choose a tool…"))] + [
        SelectChoice(str(tool.id), tool.name) for tool in tools
    ]


class UseForm(_UseDates):
    """A class starts using an approved tool."""

    tool = SelectField(
        _l("Tool"),
        validators=[DataRequired(message=_l("Choose a tool."))],
        description=_l("Only tools the privacy office approved are listed."),
        validate_choice=False,  # a tool that is not approved gets a message that says so
    )
    submit = SubmitField(_l("Add tool"))

    def for_tools(self, tools: list[Tool]):
        self.tool.choices = _tool_choices(tools)
        return self


class WideUseForm(UseForm):
    """The privacy office puts a tool in use across the district or at one school."""

    school = SelectField(
        _l("Where"),
        description=_l("The whole district, or one school."),
    )

    def for_schools(self, schools: list[School]):
        self.school.choices = [SelectChoice("", _l("The whole district"))] + [
            SelectChoice(str(s.id), s.name) for s in schools
        ]
        return self


class EndUseForm(FlaskForm):
    stop_from = DateField(
        _l("Stop using it from"),
        validators=[InputRequired(message=_l("Give the first day without the tool."))],
        description=_l("The first day the tool is no longer used. Choose today to stop now."),
    )
    submit = SubmitField(_l("Stop using this tool"))
