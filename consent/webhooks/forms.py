"""The privacy office's forms for webhooks: register one, and the confirmation buttons."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, ValidationError

from consent.integrations.forms import CheckboxesField
from consent.webhooks.models import DeliveryStatus, WebhookEvent

EVENT_LABELS = {
    WebhookEvent.OPTOUT_CONFIRMED: _l("An opt-out request is confirmed"),
    WebhookEvent.OPTOUT_WITHDRAWN: _l("An opt-out request is withdrawn"),
    WebhookEvent.OPTOUT_CLOSED: _l("An opt-out request is closed"),
    WebhookEvent.CONSENT_ANSWER_CHANGED: _l("A consent-form answer is given or changed"),
    WebhookEvent.RIGHTS_CHANGED: _l(
        "Who holds a student's rights changes (18th birthday, court order, tax dependency)"
    ),
}


class NewEndpointForm(FlaskForm):
    name = StringField(
        _l("Name of the system"),
        validators=[
            InputRequired(message=_l("Name the system that receives the events.")),
            Length(max=120),
        ],
        description=_l("For example: Student information system."),
    )
    url = StringField(
        _l("Address the events are sent to"),
        validators=[
            InputRequired(message=_l("Give the address the events are sent to.")),
            Length(max=2048),
        ],
        description=_l("An https:// address of the system."),
    )
    events = CheckboxesField(
        _l("Events to send"),
        choices=[SelectChoice(kind.value, label) for kind, label in EVENT_LABELS.items()],
    )
    school = SelectField(_l("About which students"), choices=[], coerce=str)
    submit = SubmitField(_l("Register the webhook"))

    def validate_events(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one event to send."))


class RotateForm(FlaskForm):
    submit = SubmitField(_l("Make a new secret"))


class DeactivateForm(FlaskForm):
    submit = SubmitField(_l("Deactivate the webhook"))


class RetryForm(FlaskForm):
    submit = SubmitField(_l("Retry now"))


STATUS_LABELS = {
    DeliveryStatus.PENDING: _l("Waiting"),
    DeliveryStatus.DELIVERED: _l("Delivered"),
    DeliveryStatus.FAILED: _l("Failed"),
}
