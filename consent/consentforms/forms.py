"""Consent-form web forms: the office's form details, a guardian's answer, staff entry."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from consent.consentforms.models import GRADES, Answer, AnswerMethod, FormKind, FormMode

TEXT_MAX = 20000
NOTE_MAX = 2000

KIND_CHOICES = [
    SelectChoice(FormKind.DIRECTORY_INFORMATION.value, _l("Directory information release")),
    SelectChoice(FormKind.MEDIA_RELEASE.value, _l("Media and photo release")),
    SelectChoice(FormKind.MILITARY_RECRUITER.value, _l("Military recruiter release (high school)")),
    SelectChoice(FormKind.PPRA_SURVEY.value, _l("Survey notice (PPRA)")),
    SelectChoice(FormKind.TOOL_CONSENT.value, _l("Consent for one online tool")),
]


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes; easier than a multi-select to use by keyboard and on a phone."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# The fields a new form and an edited form share. Made by calling these in each class, so
# each form keeps its own order of fields.
def _title() -> StringField:
    return StringField(
        _l("Title"),
        validators=[InputRequired(message=_l("Give the form a title.")), Length(max=255)],
    )


def _opens_on() -> DateField:
    return DateField(
        _l("Answers open on"),
        validators=[InputRequired(message=_l("Give the date answers open."))],
    )


def _closes_on() -> DateField:
    return DateField(
        _l("Answers close on"),
        validators=[InputRequired(message=_l("Give the date answers close."))],
    )


def _staff_must_see() -> BooleanField:
    return BooleanField(
        _l("Staff must see this: show each student's answer on class lists and student pages"),
        description=_l(
            "Always on for directory-information, photo and recruiter forms and for a tool's "
            "consent; tick it for any other form whose answers teachers must act on."
        ),
    )


def _text() -> TextAreaField:
    return TextAreaField(
        _l("Text families read"),
        validators=[Length(max=TEXT_MAX)],
        description=_l("Changing the text makes a new version; earlier answers keep theirs."),
    )


class FormDetailsForm(FlaskForm):
    """The privacy office's form: what, for whom, when, and the text families read."""

    title = _title()
    kind = SelectField(_l("Kind of form"), choices=KIND_CHOICES)
    tool = SelectField(
        _l("Tool (for a tool consent only)"),
        validate_choice=False,
        description=_l("Only for a consent for one online tool."),
    )
    mode = RadioField(
        _l("How answers work"),
        choices=[
            SelectChoice(FormMode.OPT_IN.value, _l("Opt-in: nothing happens without a yes")),
            SelectChoice(FormMode.OPT_OUT.value, _l("Opt-out: it happens unless a parent says no")),
        ],
        validators=[InputRequired(message=_l("Choose how answers work."))],
    )
    school_year = StringField(_l("School year"), validators=[Length(max=9)])
    schools = MultiCheckboxField(
        _l("Schools"),
        coerce=int,
        validate_choice=False,
        description=_l("Leave every box empty for the whole district."),
    )
    grades = MultiCheckboxField(
        _l("Grades"),
        choices=[SelectChoice(g, g) for g in GRADES],
        description=_l("Leave every box empty for every grade."),
    )
    opens_on = _opens_on()
    closes_on = _closes_on()
    staff_must_see = _staff_must_see()
    text = _text()
    submit = SubmitField(_l("Save form"))


class EditFormForm(FlaskForm):
    title = _title()
    opens_on = _opens_on()
    closes_on = _closes_on()
    staff_must_see = _staff_must_see()
    text = _text()
    submit = SubmitField(_l("Save changes"))


class AnswerForm(FlaskForm):
    answer = RadioField(
        _l("Your answer"),
        choices=[
            SelectChoice(Answer.GRANTED.value, _l("Yes, I give permission")),
            SelectChoice(Answer.REFUSED.value, _l("No, I do not give permission")),
        ],
        validators=[InputRequired(message=_l("Choose yes or no."))],
    )
    submit = SubmitField(_l("Save my answer"))


class StaffEntryForm(FlaskForm):
    """An answer that came on paper or by phone, entered by staff for a named guardian."""

    guardian = SelectField(
        _l("Parent or guardian who answered"),
        coerce=int,
        validators=[InputRequired(message=_l("Choose who answered."))],
    )
    answer = RadioField(
        _l("Their answer"),
        choices=AnswerForm.answer.kwargs["choices"],
        validators=[InputRequired(message=_l("Choose yes or no."))],
    )
    method = RadioField(
        _l("How it came"),
        choices=[
            SelectChoice(AnswerMethod.PAPER.value, _l("On paper")),
            SelectChoice(AnswerMethod.PHONE.value, _l("By phone")),
        ],
        validators=[InputRequired(message=_l("Say whether it came on paper or by phone."))],
    )
    received_on = DateField(
        _l("Date received"),
        validators=[Optional()],
        description=_l(
            "The day the paper form reached the school or the call came. Leave empty for today."
        ),
    )
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=NOTE_MAX)])
    submit = SubmitField(_l("Record answer"))


class AnswerFilterForm(FlaskForm):
    class Meta:
        csrf = False

    show = SelectField(
        _l("Show"),
        choices=[
            SelectChoice("", _l("Every student")),
            SelectChoice("none", _l("No answer yet")),
            SelectChoice(Answer.GRANTED.value, _l("Gave permission")),
            SelectChoice(Answer.REFUSED.value, _l("Refused")),
        ],
        default="",
    )
    page = HiddenField()


class ReleaseFilterForm(FlaskForm):
    """GET filter of the do-not-release list; no CSRF, nothing changes."""

    class Meta:
        csrf = False

    school = SelectField(_l("School"), default="", validate_choice=False)
    day = DateField(
        _l("As of"),
        validators=[Optional()],
        description=_l("The list as it stood at the end of this day; empty for today."),
    )
    submit = SubmitField(_l("Show"))


class ClassAnswerRow(Form):
    """One student's row of a class's batch of paper answers (no CSRF of its own: the page's
    form carries it)."""

    student = HiddenField()
    answer = RadioField(
        _l("Answer"),
        choices=[
            SelectChoice("", _l("No answer yet")),
            SelectChoice(Answer.GRANTED.value, _l("Yes")),
            SelectChoice(Answer.REFUSED.value, _l("No")),
        ],
        default="",
        validate_choice=False,  # checked by the page, with a message in plain words
    )
    guardian = SelectField(_l("Parent or guardian who answered"), validate_choice=False)
    received_on = DateField(_l("Date received"), validators=[Optional()])


class ClassAnswersForm(FlaskForm):
    """A class's paper answers to one form: one row per student, saved all together or not."""

    rows = FieldList(FormField(ClassAnswerRow))
    submit = SubmitField(_l("Record these answers"))
