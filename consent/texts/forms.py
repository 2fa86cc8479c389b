"""The translation page's form: one box per text, built from the texts the tool or form has."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length

from consent.core.templating import CATEGORY_LABELS
from consent.texts.models import MAX_LENGTH
from consent.texts.queries import Entry


def entry_label(entry: Entry):
    """What the box is for, in the office's words."""
    labels = {
        "purpose": lambda: _l("What it is for"),
        "category": lambda: _l(
            "What it collects: %(category)s",
            category=CATEGORY_LABELS.get(entry.item, entry.item),
        ),
        "feature": lambda: _l("Feature: %(feature)s", feature=entry.english),
        "option": lambda: _l("Opt-out choice: %(option)s", option=entry.english),
        "title": lambda: _l("Title"),
        "text": lambda: _l("Text families read (version %(n)s)", n=entry.item),
    }
    return labels[entry.part]()


def translation_form(entries: list[Entry]) -> FlaskForm:
    """A form with a box per entry, filled with the saved translation (empty when missing)."""

    class TranslationForm(FlaskForm):
        submit = SubmitField(_l("Save translations"))

    for entry in entries:
        limit = MAX_LENGTH[(entry.kind, entry.field)]
        setattr(
            TranslationForm,
            entry.key,
            TextAreaField(
                entry_label(entry),
                default=entry.translation,
                validators=[
                    Length(
                        max=limit,
                        message=_l("Keep the translation to %(n)s characters or fewer.", n=limit),
                    )
                ],
            ),
        )
    return TranslationForm()
