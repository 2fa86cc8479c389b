"""Forms of the review committee: assigning reviewers, a reviewer's findings, the requester's
answer, and the office's rubric."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from consent.consentforms.forms import MultiCheckboxField
from consent.vetting.committee.models import Rating, Recommendation, RubricItem

TEXT_MAX = 4000


def _strip(value):
    return value.strip() if isinstance(value, str) else value


RATING_LABELS = {
    Rating.PASS: _l("Pass"),
    Rating.CONCERN: _l("Concern"),
    Rating.FAIL: _l("Fail"),
}
RECOMMENDATION_LABELS = {
    Recommendation.APPROVE: _l("Approve"),
    Recommendation.APPROVE_WITH_CONDITIONS: _l("Approve with conditions"),
    Recommendation.DECLINE: _l("Do not approve"),
}


class AssignForm(FlaskForm):
    reviewers = MultiCheckboxField(
        _l("Reviewers"),
        description=_l("Choose at least two; the requester cannot review their own tool."),
        validate_choice=False,  # the operation names a reviewer it refuses
    )
    submit = SubmitField(_l("Assign reviewers"))

    def for_reviewers(self, accounts, *, already: set[int]):
        self.reviewers.choices = [
            SelectChoice(str(a.id), a.display_name) for a in accounts if a.id not in already
        ]
        return self


class InTurnForm(FlaskForm):
    submit = SubmitField(_l("Assign the next reviewers in turn"))


class DutyForm(FlaskForm):
    submit = SubmitField(_l("Change"))


class AnswerForm(FlaskForm):
    answer = TextAreaField(
        _l("Your answer"),
        filters=[_strip],
        validators=[
            InputRequired(message=_l("Write your answer.")),
            Length(max=TEXT_MAX),
        ],
    )
    submit = SubmitField(_l("Send the answer"))


class WithdrawQuestionForm(FlaskForm):
    submit = SubmitField(_l("Withdraw the question"))


class RubricItemForm(FlaskForm):
    title = StringField(
        _l("Item"),
        filters=[_strip],
        validators=[InputRequired(message=_l("Give the item a title.")), Length(max=255)],
    )
    guidance = TextAreaField(
        _l("What the reviewer looks at (optional)"),
        filters=[_strip],
        validators=[Optional(), Length(max=2000)],
    )
    submit = SubmitField(_l("Save item"))


class MoveForm(FlaskForm):
    """The order buttons and the retire button: nothing but the token."""


def review_form(items: list[RubricItem], formdata=None, review=None):
    """A form with a rating and a note per current rubric item, then the recommendation.
    Filled from the reviewer's earlier review, if any."""

    class ReviewForm(FlaskForm):
        pass

    for item in items:
        setattr(
            ReviewForm,
            f"rating_{item.id}",
            RadioField(
                item.title,
                description=item.guidance,
                choices=[SelectChoice(r.value, label) for r, label in RATING_LABELS.items()],
                validators=[
                    InputRequired(message=_l("Give a finding for “%(item)s”.", item=item.title))
                ],
            ),
        )
        setattr(
            ReviewForm,
            f"note_{item.id}",
            TextAreaField(
                _l("Note on “%(item)s”", item=item.title),
                filters=[_strip],
                validators=[Length(max=TEXT_MAX)],
                description=_l("Required for a concern or a fail."),
            ),
        )
    ReviewForm.recommendation = RadioField(
        _l("Your recommendation"),
        choices=[SelectChoice(r.value, label) for r, label in RECOMMENDATION_LABELS.items()],
        validators=[InputRequired(message=_l("Choose a recommendation."))],
    )
    ReviewForm.note = TextAreaField(
        _l("Note to the privacy office"),
        filters=[_strip],
        validators=[Length(max=TEXT_MAX)],
        description=_l("Required unless you recommend approval. Only the office reads it."),
    )
    ReviewForm.submit = SubmitField(_l("Record my review"))
    data = {}
    if review is not None and review.submitted:
        for finding in review.findings:
            data[f"rating_{finding.rubric_item_id}"] = finding.rating.value
            data[f"note_{finding.rubric_item_id}"] = finding.note
        data["recommendation"] = review.recommendation.value if review.recommendation else None
        data["note"] = review.note
    form = (
        ReviewForm(formdata=formdata, data=data) if formdata is not None else ReviewForm(data=data)
    )
    form.items = items
    return form
