from functools import lru_cache

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import (
    DateField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError
from wtforms.widgets import Select, html_params

from consent.catalog.models import Tool
from consent.core import clock
from consent.core.templating import LABELS
from consent.core.urls import bounded_int
from consent.optouts.models import STAFF_CHANNELS, Channel
from consent.optouts.rules import (
    OptOutError,
    check_fits,
    check_received,
    choice_groups,
    fitting_options,
)
from consent.texts.lookup import translated

REASON_MAX = 2000
NOTE_MAX = 2000


class OptOutForm(FlaskForm):
    """What the guardian asks for; shown again read-only on the review step before sending."""

    feature = SelectField(_l("What to opt out of"), validate_choice=False)
    accommodation = RadioField(
        _l("What should happen instead"),
        validators=[InputRequired(message=_l("Choose what should happen instead."))],
        validate_choice=False,  # checked below, with a message in plain words
    )
    reason = TextAreaField(
        _l("Reason (optional)"),
        validators=[Length(max=REASON_MAX)],
        description=_l(
            "You do not have to give a reason. Teachers and the principal will read it."
        ),
    )
    review = SubmitField(_l("Review my request"))
    edit = SubmitField(_l("Change my answers"))
    send = SubmitField(_l("Send request"))

    def validate_accommodation(self, field) -> None:
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Choose one of the accommodations listed for this tool."))
        _check_fits(self, field)

    def validate_feature(self, field) -> None:
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(_l("Choose one of the parts of the tool listed."))

    def for_tool(self, tool: Tool) -> "OptOutForm":
        _offer_tool(self, tool)
        return self


def _offer_tool(form, tool: Tool) -> None:
    """The parts of the tool and every choice, grouped by the part each one answers: without
    script the groups say which fits what, and optout-choices.js hides those that do not.
    Shown in the reader's language; the values stay the district's own words, which is what
    the request records."""
    form.tool = tool
    parts = {f.key: translated(f, "label").with_note() for f in tool.features}
    form.feature.choices = [SelectChoice("", _l("All of %(tool)s", tool=tool.name))] + [
        SelectChoice(key, label) for key, label in parts.items()
    ]
    form.accommodation.choices = [
        SelectChoice(o.label, translated(o, "label")) for o in tool.optout_options
    ]
    form.choice_groups = [
        (group.part, _group_legend(group, tool, parts), group.choices)
        for group in choice_groups(tool)
    ]


def _group_legend(group, tool: Tool, parts: dict) -> str:
    if group.part == "":
        return _l("For any part of %(tool)s", tool=tool.name)
    if group.part == "*":
        return _l("For all of %(tool)s", tool=tool.name)
    return _l("For %(part)s", part=parts.get(group.part, group.part_label))


def _check_fits(form, field) -> None:
    """The choice must answer the part picked (one rule: consent.optouts.rules)."""
    feature = form.feature.data or ""
    if feature and form.tool.feature_label(feature) is not None:  # else validate_feature says
        try:
            check_fits(form.tool, feature, field.data)
        except OptOutError as error:
            raise ValidationError(str(error)) from error


class PlanForm(FlaskForm):
    option = RadioField(
        _l("Accommodation"),
        validators=[InputRequired(message=_l("Choose the accommodation you will give."))],
        validate_choice=False,  # checked below, saying why a choice does not fit
    )
    note = TextAreaField(
        _l("Note for the family and the principal"),
        validators=[Length(max=NOTE_MAX)],
        description=_l("Say in plain words what the student will do instead."),
    )
    submit = SubmitField(_l("Save plan"))

    def for_request(self, optout) -> "PlanForm":
        """The choices that fit the part the family opted out of; the family's own ask first
        selected (issue 15), until the teacher has saved a plan."""
        self.optout = optout
        offered = fitting_options(optout.tool, optout.feature)
        self.option.choices = [SelectChoice(label) for label in offered]
        if not self.is_submitted() and self.option.data is None and optout.accommodation in offered:
            self.option.data = optout.accommodation
        return self

    def validate_option(self, field) -> None:
        if field.data in {choice.value for choice in field.choices}:
            return
        try:
            check_fits(self.optout.tool, self.optout.feature, field.data)
        except OptOutError as error:
            raise ValidationError(str(error)) from error
        raise ValidationError(_l("Choose one of the accommodations listed."))


class ReturnForm(FlaskForm):
    note = TextAreaField(
        _l("What should the teacher change?"),
        validators=[
            DataRequired(message=_l("Say what the teacher should change.")),
            Length(max=NOTE_MAX),
        ],
    )
    submit = SubmitField(_l("Return to the teacher"))


class CloseForm(FlaskForm):
    reason = TextAreaField(
        _l("Why does this request no longer apply?"),
        validators=[DataRequired(message=_l("Give the reason for closing.")), Length(max=NOTE_MAX)],
    )
    submit = SubmitField(_l("Close request"))


class LongSelect(Select):
    """The same HTML as WTForms' select, built in one pass for a long list of plain choices (a
    district's 600 tools, 210 schools): through WTForms' per-option machinery the options took
    a quarter of the request list's time. The options of a list and a choice are built once per
    process (`_options`): the next page with the same tools only looks them up."""

    def __call__(self, field, **kwargs):
        choices = field.choices or []
        plain = all(
            type(c) is SelectChoice
            and not c.render_kw
            and c.optgroup is None
            and type(c.value) is str
            and type(c.label) is str
            for c in choices
        )
        if kwargs or not plain or field.flags.required or field.flags.disabled:
            return super().__call__(field, **kwargs)
        options = _options(tuple((c.value, c.label) for c in choices), field.data)
        select = html_params(id=field.id, name=field.name)  # escaped, as each value and label
        return Markup(f"<select {select}>{options}</select>")  # noqa: S704


@lru_cache(maxsize=64)
def _options(choices: tuple[tuple[str, str], ...], chosen) -> str:
    return "".join(
        f'<option{" selected" if value == chosen else ""} value="{escape(value)}">'
        f"{escape(label)}</option>"
        for value, label in choices
    )


class LongSelectField(SelectField):
    """A select of many plain choices, drawn by `LongSelect`. Its check that the value sent is
    one of the choices compares the values directly, as WTForms' own does after making a tuple
    of every choice (600 for the tools) on each request."""

    widget = LongSelect()

    def pre_validate(self, form):
        choices = self.choices
        if self.process_errors or not self.validate_choice or choices is None:
            return super().pre_validate(form)
        if not all(type(c) is SelectChoice and type(c.value) is str for c in choices):
            return super().pre_validate(form)
        if not any(c.value == self.data for c in choices):
            super().pre_validate(form)  # refuses it, in WTForms' own words


def long_choices(first: str, rows) -> list[SelectChoice]:
    """`first` (the "any" choice), then one choice per (id, name) row: made once per process
    for the same rows and words, since a district's 600 tools rarely change between pages."""
    return list(_long_choices(str(first), tuple((str(i), name) for i, name in rows)))


@lru_cache(maxsize=16)
def _long_choices(first: str, rows: tuple[tuple[str, str], ...]) -> list[SelectChoice]:
    return [SelectChoice("", first)] + [SelectChoice(value, label) for value, label in rows]


class RequestFilterForm(FlaskForm):
    """GET filters on the request list; no CSRF, nothing changes."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), default="")
    tool = LongSelectField(_l("Tool"), default="")
    school = LongSelectField(_l("School"), default="")
    overdue = SelectField(
        _l("Due"),
        choices=[SelectChoice("", _l("Any")), SelectChoice("1", _l("Overdue only"))],
        default="",
    )
    page = HiddenField()


class RecordOptOutForm(FlaskForm):
    """Staff record an opt-out a guardian asked for by phone, on paper, by email or in person."""

    guardian = RadioField(
        _l("Who asked"),
        description=_l("Only a parent or guardian with rights for the child can ask."),
        validators=[InputRequired(message=_l("Choose the parent or guardian who asked."))],
        validate_choice=False,  # checked below, with a message in plain words
    )
    channel = RadioField(
        _l("How they asked"),
        validators=[InputRequired(message=_l("Say how the request reached you."))],
        validate_choice=False,
    )
    received_on = DateField(
        _l("Date received"),
        validators=[InputRequired(message=_l("Give the date the request reached you."))],
        description=_l("The day the call came or the note or email reached you."),
    )
    feature = SelectField(_l("What to opt out of"), validate_choice=False)
    accommodation = RadioField(
        _l("What should happen instead"),
        validators=[InputRequired(message=_l("Choose what should happen instead."))],
        validate_choice=False,
    )
    note = TextAreaField(
        _l("Note (optional)"),
        validators=[Length(max=NOTE_MAX)],
        description=_l("For example, what the parent said. The family and teachers will read it."),
    )
    submit = SubmitField(_l("Record the opt-out"))

    def for_family(self, tool: Tool, guardians) -> "RecordOptOutForm":
        self.guardian.choices = [SelectChoice(str(g.id), g.full_name) for g in guardians]
        self.channel.choices = [SelectChoice(c.value, LABELS[Channel][c]) for c in STAFF_CHANNELS]
        _offer_tool(self, tool)
        return self

    def _check_choice(self, field, message) -> None:
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(message)

    def validate_guardian(self, field) -> None:
        self._check_choice(field, _l("Choose a parent or guardian with rights for this child."))

    def validate_channel(self, field) -> None:
        self._check_choice(field, _l("Say how the request reached you."))

    def validate_feature(self, field) -> None:
        self._check_choice(field, _l("Choose one of the parts of the tool listed."))

    def validate_accommodation(self, field) -> None:
        self._check_choice(field, _l("Choose one of the accommodations listed for this tool."))
        _check_fits(self, field)

    def validate_received_on(self, field) -> None:
        try:
            check_received(field.data, clock.today())
        except OptOutError as error:
            raise ValidationError(str(error)) from error


class ConfirmManyForm(FlaskForm):
    """A principal picks planned requests from a checkbox list, reviews them, then confirms."""

    optouts = SelectMultipleField(
        _l("Requests to confirm"), coerce=bounded_int, validate_choice=False
    )
    review = SubmitField(_l("Review the chosen requests"))
    edit = SubmitField(_l("Change my choice"))
    confirm = SubmitField(_l("Confirm these requests"))

    def validate_optouts(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Choose at least one request to confirm."))


class CloseToolRequestsForm(FlaskForm):
    """The privacy office closes every request of a retired tool with one reason."""

    reason = TextAreaField(
        _l("Why do these requests no longer apply?"),
        validators=[DataRequired(message=_l("Give the reason for closing.")), Length(max=NOTE_MAX)],
        description=_l("Every family and teacher told of a request reads this reason."),
    )
    expected = HiddenField()
    review = SubmitField(_l("Review before closing"))
    edit = SubmitField(_l("Change the reason"))
    close = SubmitField(_l("Close these requests"))
