"""The privacy office's form for a new integration token, and the revoke confirmation."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from consent.integrations.models import Scope

SCOPE_LABELS = {
    Scope.OPTOUTS: _l("Opt-out requests in force, per student and tool"),
    Scope.ANSWERS: _l("Consent-form answers, per student"),
    Scope.EXCLUSIONS: _l(
        "Each tool's exclusion list (who must not be rostered, or needs a feature off)"
    ),
    Scope.CATALOG: _l("The tool catalog"),
    Scope.ROSTER_CHECKS: _l(
        "Submit roster checks: a vendor's roster export for a tool, checked against who must "
        "not be in it"
    ),
}


class CheckboxesField(SelectMultipleField):
    """Several choices, each a labelled checkbox (a token's scopes, a webhook's events)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class NewTokenForm(FlaskForm):
    name = StringField(
        _l("Name of the system"),
        validators=[
            InputRequired(message=_l("Name the system that will use the token.")),
            Length(max=120),
        ],
        description=_l("For example: Student information system, nightly roster sync."),
    )
    scopes = CheckboxesField(
        _l("What it may read"),
        choices=[SelectChoice(scope.value, label) for scope, label in SCOPE_LABELS.items()],
    )
    school = SelectField(_l("Which students"), choices=[], coerce=str)
    expires_on = DateField(
        _l("Works until"),
        validators=[InputRequired(message=_l("Choose the last day the token works."))],
        description=_l("A year at most."),
    )
    submit = SubmitField(_l("Make the token"))

    def validate_scopes(self, field):
        from wtforms.validators import ValidationError

        if not field.data:
            raise ValidationError(_l("Choose at least one thing the system may read."))


class RevokeForm(FlaskForm):
    submit = SubmitField(_l("Revoke the token"))
