"""The office's checklist (one statement a line) and a teacher's answers for one class."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from consent.consentforms.forms import MultiCheckboxField
from consent.guidelines.models import GuidelineItem
from consent.vetting.models import VettingRequest


class ChecklistForm(FlaskForm):
    items = TextAreaField(
        _l("The guidelines, one a line"),
        validators=[
            InputRequired(message=_l("Write at least one item, one a line.")),
            Length(max=8000),
        ],
        description=_l(
            "Each line is one statement a teacher confirms for their class, such as "
            '"Students create no account".'
        ),
        render_kw={"rows": 8},
    )
    submit = SubmitField(_l("Save the guidelines"))


class GuidelineUseForm(FlaskForm):
    request = SelectField(
        _l("Tool waiting for review"),
        validators=[InputRequired(message=_l("Choose the tool."))],
        validate_choice=False,  # the view says "choose one of the tools listed"
    )
    items = MultiCheckboxField(
        _l("What holds for this class"),
        description=_l(
            "Tick each statement that holds for how your class will use the tool. Leave a "
            "statement unticked if it does not hold: the tool then waits for the committee."
        ),
        choices=[],
        validate_choice=False,
    )
    submit = SubmitField(_l("Use it in this class"))

    def for_requests(self, requests: list[VettingRequest]) -> "GuidelineUseForm":
        self.request.choices = [("", _l("Choose a tool"))] + [(str(r.id), r.name) for r in requests]
        return self

    def for_items(self, items: list[GuidelineItem]) -> "GuidelineUseForm":
        self.items.choices = [(str(i.id), i.text) for i in items]
        return self

    def confirmed(self) -> set[int]:
        return {int(v) for v in self.items.data or [] if str(v).isdigit()}
