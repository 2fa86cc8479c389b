"""Forms of the rollover page: the district's year-end rule, one tool's rule, and the confirm
button of the review step."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, SubmitField
from wtforms.validators import InputRequired, ValidationError

from consent.rollover.models import YearEndAction

ACTION_LABELS = {
    YearEndAction.CARRY: _l("Carry them into the new school year"),
    YearEndAction.END: _l("End them with the school year"),
}
DISTRICT = "district"


class DistrictRuleForm(FlaskForm):
    """What happens to confirmed opt-outs of every tool without a rule of its own."""

    action = RadioField(
        _l("At the end of the school year, confirmed opt-outs of every tool"),
        choices=[SelectChoice(a.value, ACTION_LABELS[a]) for a in YearEndAction],
        validators=[InputRequired(message=_l("Choose what happens to confirmed opt-outs."))],
        validate_choice=False,  # checked below, with a message in plain words
    )
    save_district = SubmitField(_l("Save the rule for all tools"))

    def validate_action(self, field) -> None:
        if field.data not in {a.value for a in YearEndAction}:
            raise ValidationError(_l("Choose what happens to confirmed opt-outs."))


class ToolRuleForm(FlaskForm):
    """One tool's own rule, or back to the district's."""

    tool = SelectField(
        _l("Tool"),
        coerce=int,
        validators=[InputRequired(message=_l("Choose a tool from the list."))],
        validate_choice=False,
    )
    action = SelectField(
        _l("Its confirmed opt-outs at the end of the school year"),
        choices=[
            SelectChoice(DISTRICT, _l("Follow the rule for all tools")),
            *(SelectChoice(a.value, ACTION_LABELS[a]) for a in YearEndAction),
        ],
        validate_choice=False,
    )
    save_tool = SubmitField(_l("Save the rule for this tool"))

    def validate_tool(self, field) -> None:
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Choose a tool from the list."))

    def validate_action(self, field) -> None:
        if field.data not in {DISTRICT, *(a.value for a in YearEndAction)}:
            raise ValidationError(_l("Choose what happens to this tool's confirmed opt-outs."))

    def for_tools(self, tools) -> "ToolRuleForm":
        self.tool.choices = [SelectChoice(t.id, t.name) for t in tools]
        return self


class RolloverForm(FlaskForm):
    """The review step's confirm button: which year it closes, and the CSRF token."""

    year = HiddenField()
    confirm = SubmitField(_l("Roll the school year over"))
