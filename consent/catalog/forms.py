"""The privacy office's tool form and the catalog list filters."""

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from consent.catalog.models import (
    DATA_CATEGORIES,
    AgreementStatus,
    LegalBasis,
    Tool,
    VettingStatus,
)
from consent.catalog.operations import ToolData
from consent.catalog.rules import WebAddressError, clean_web_address
from consent.core.templating import staff_label

FEATURE_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
SPARE_ROWS = 3  # empty rows for new features and options, filled in and saved


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def web_address(form, field) -> None:
    """The one web address rule of the tool form and the vetting form: "quizlet.com" becomes
    https://quizlet.com; what is not an address on a named host is refused. An empty answer is
    left to the field's own "required" message, which names it."""
    if not field.data:
        return
    try:
        field.data = clean_web_address(field.data)
    except WebAddressError as error:
        raise ValidationError(str(error)) from error


def _choices(enum_cls) -> list[SelectChoice]:
    return [SelectChoice(m.value, staff_label(m)) for m in enum_cls]


class CategoryRow(Form):
    collected = BooleanField()
    note = StringField(filters=[_strip], validators=[Length(max=500)])


class FeatureRow(Form):
    key = StringField(_l("Short code"), filters=[_strip], validators=[Length(max=32)])
    title = StringField(_l("Name families see"), filters=[_strip], validators=[Length(max=255)])


class ToolForm(FlaskForm):
    name = StringField(
        _l("Tool name"),
        filters=[_strip],
        validators=[DataRequired(message=_l("Give the tool's name.")), Length(max=255)],
    )
    vendor = StringField(
        _l("Company"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Give the company that makes the tool.")),
            Length(max=255),
        ],
    )
    purpose = TextAreaField(
        _l("What it is for, in plain words"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Say in plain words what the tool is for.")),
            Length(max=2000),
        ],
        description=_l("One or two short sentences a parent can read quickly."),
    )
    website = StringField(
        _l("Website"),
        filters=[_strip],
        validators=[DataRequired(message=_l("Give the tool's website address.")), web_address],
        description=_l("For example https://www.example.com"),
    )
    privacy_policy_url = StringField(
        _l("Privacy policy address"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Give the address of the tool's privacy policy.")),
            web_address,
        ],
    )
    grade_band = StringField(
        _l("Grades"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Say which grades use the tool.")),
            Length(max=32),
        ],
        description=_l("For example K-5, 6-8 or K-12."),
    )
    legal_basis = SelectField(_l("Why the district may share data"), choices=[])
    vetting_status = SelectField(_l("District review"), choices=[])
    agreement_status = SelectField(_l("Data agreement"), choices=[])
    agreement_signed_on = DateField(
        _l("Agreement signed on"),
        validators=[Optional()],
        description=_l("Only for a signed agreement."),
    )
    agreement_expires_on = DateField(
        _l("Agreement ends on"),
        validators=[Optional()],
        description=_l("Only for a signed agreement."),
    )
    categories = FieldList(FormField(CategoryRow), min_entries=len(DATA_CATEGORIES))
    features = FieldList(FormField(FeatureRow))
    options = FieldList(StringField(filters=[_strip], validators=[Length(max=255)]))
    # Beside each option: the short code of the feature it answers, or empty for any part.
    option_parts = FieldList(StringField(filters=[_strip], validators=[Length(max=32)]))
    submit = SubmitField(_l("Save tool"))

    def __init__(self, *args, tool: Tool | None = None, **kwargs):
        if tool is not None and "data" not in kwargs:
            kwargs["data"] = self._data_of(tool)
        super().__init__(*args, **kwargs)
        self.legal_basis.choices = _choices(LegalBasis)
        self.vetting_status.choices = _choices(VettingStatus)
        self.agreement_status.choices = _choices(AgreementStatus)
        while len(self.categories) > len(DATA_CATEGORIES):
            self.categories.pop_entry()
        for name, row in zip(DATA_CATEGORIES, self.categories, strict=True):
            row.collected.label.text = name
            row.note.label.text = _l("In plain words: %(category)s", category=name)
        if not self.is_submitted():
            self._add_spare_rows()
        for number, row in enumerate(self.features, start=1):
            row.key.label.text = _l("Short code of feature %(n)s", n=number)
            row.title.label.text = _l("Name families see for feature %(n)s", n=number)
        while len(self.option_parts) < len(self.options):
            self.option_parts.append_entry()
        for number, option in enumerate(self.options, start=1):
            option.label.text = _l("Option %(n)s", n=number)
        for number, part in enumerate(self.option_parts, start=1):
            part.label.text = _l("Short code of the feature option %(n)s answers", n=number)
            part.description = _l("Empty if it answers any part of the tool.")
        self.list_errors: dict[str, list] = {}  # messages about a whole list of rows

    @staticmethod
    def _data_of(tool: Tool) -> dict:
        notes = {c.category: c.note for c in tool.data_categories}
        return {
            "name": tool.name,
            "vendor": tool.vendor,
            "purpose": tool.purpose,
            "website": tool.website,
            "privacy_policy_url": tool.privacy_policy_url,
            "grade_band": tool.grade_band,
            "legal_basis": tool.legal_basis.value,
            "vetting_status": tool.vetting_status.value,
            "agreement_status": tool.agreement_status.value,
            "agreement_signed_on": tool.agreement_signed_on,
            "agreement_expires_on": tool.agreement_expires_on,
            "categories": [
                {"collected": name in notes, "note": notes.get(name, "")}
                for name in DATA_CATEGORIES
            ],
            "features": [{"key": f.key, "title": f.label} for f in tool.features],
            "options": [o.label for o in tool.optout_options],
            "option_parts": [o.feature_key or "" for o in tool.optout_options],
        }

    def _add_spare_rows(self) -> None:
        for _ in range(SPARE_ROWS):
            self.features.append_entry()
            self.options.append_entry()
            self.option_parts.append_entry()

    # --- checks across fields ------------------------------------------------------------

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for name, row in zip(DATA_CATEGORIES, self.categories, strict=True):
            if row.collected.data and not row.note.data:
                row.note.errors = [
                    *row.note.errors,
                    _l("Say in plain words what %(category)s means for this tool.", category=name),
                ]
                valid = False
            elif row.note.data and not row.collected.data:
                row.note.errors = [
                    *row.note.errors,
                    _l("Tick %(category)s, or clear its note.", category=name),
                ]
                valid = False
        if not any(row.collected.data for row in self.categories):
            self.list_errors["categories"] = [
                _l("Choose at least one kind of data the tool collects.")
            ]
            valid = False
        keys = set()
        for row in self.features:
            key, label = row.key.data or "", row.title.data or ""
            if not key and not label:
                continue
            if not label:
                row.title.errors = [*row.title.errors, _l("Give the feature a name.")]
                valid = False
            if not FEATURE_KEY_RE.match(key):
                row.key.errors = [
                    *row.key.errors,
                    _l("Use a short code of small letters, digits or _ (like video)."),
                ]
                valid = False
            elif key in keys:
                row.key.errors = [*row.key.errors, _l("Each feature needs its own short code.")]
                valid = False
            keys.add(key)
        for option, part in zip(self.options, self.option_parts, strict=False):
            if option.data and part.data and part.data not in keys:
                part.errors = [
                    *part.errors,
                    _l("Use the short code of one of the features above, or leave it empty."),
                ]
                valid = False
        if not any(o.data for o in self.options):
            self.list_errors["options"] = [
                _l("Give at least one thing the school can offer a child who opts out.")
            ]
            valid = False
        signed, ends = self.agreement_signed_on.data, self.agreement_expires_on.data
        if self.agreement_status.data == AgreementStatus.SIGNED.value:
            if signed is None and not self.agreement_signed_on.errors:
                self.agreement_signed_on.errors = [_l("Give the date the agreement was signed.")]
                valid = False
            if ends is None and not self.agreement_expires_on.errors:
                self.agreement_expires_on.errors = [_l("Give the date the agreement ends.")]
                valid = False
        elif signed or ends:
            self.agreement_signed_on.errors = [
                *self.agreement_signed_on.errors,
                _l("Leave the agreement dates empty until the agreement is signed."),
            ]
            valid = False
        if signed and ends and ends <= signed:
            self.agreement_expires_on.errors = [
                *self.agreement_expires_on.errors,
                _l("The agreement must end after the date it was signed."),
            ]
            valid = False
        return valid

    def add_problem(self, field: str, message: str) -> None:
        """A rule broken at save time (such as a name taken), shown like a field error."""
        target = getattr(self, field, None)
        if target is None or target.type == "FieldList":
            self.list_errors.setdefault(field, []).append(message)
        else:
            target.errors = [*target.errors, message]

    def error_list(self) -> list[tuple[str, str]]:
        """(element id, message) for every error, in page order, for the summary at the top."""
        out: list[tuple[str, str]] = []
        for f in self:
            if f.type != "FieldList":
                out += [(f.id, str(m)) for m in f.errors]
                continue
            first = f"{f.id}-0" + {"categories": "-collected", "features": "-key"}.get(f.name, "")
            out += [(first, str(m)) for m in self.list_errors.get(f.name, [])]
            for entry in f.entries:
                for sub in entry if entry.type == "FormField" else [entry]:
                    out += [(sub.id, str(m)) for m in sub.errors]
        return out

    def to_data(self) -> ToolData:
        return ToolData(
            name=self.name.data,
            vendor=self.vendor.data,
            purpose=self.purpose.data,
            website=self.website.data,
            privacy_policy_url=self.privacy_policy_url.data,
            grade_band=self.grade_band.data,
            legal_basis=LegalBasis(self.legal_basis.data),
            vetting_status=VettingStatus(self.vetting_status.data),
            agreement_status=AgreementStatus(self.agreement_status.data),
            agreement_signed_on=self.agreement_signed_on.data,
            agreement_expires_on=self.agreement_expires_on.data,
            categories={
                name: row.note.data
                for name, row in zip(DATA_CATEGORIES, self.categories, strict=True)
                if row.collected.data
            },
            features={row.key.data: row.title.data for row in self.features if row.key.data},
            options=list(dict.fromkeys(o.data for o in self.options if o.data)),
            option_parts={
                option.data: part.data
                for option, part in zip(self.options, self.option_parts, strict=False)
                if option.data and part.data
            },
        )


class CatalogFilterForm(FlaskForm):
    """GET filters on the staff catalog list; no CSRF, nothing changes."""

    class Meta:
        csrf = False

    q = StringField(_l("Name or company"), filters=[_strip], validators=[Length(max=100)])
    vetting_status = SelectField(_l("District review"), default="")
    agreement = SelectField(_l("Data agreement"), default="")
    category = SelectField(_l("Collects"), default="")
    page = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.vetting_status.choices = [SelectChoice("", _l("Any"))] + _choices(VettingStatus)
        self.agreement.choices = (
            [SelectChoice("", _l("Any"))]
            + _choices(AgreementStatus)
            + [
                SelectChoice("expiring", _l("Signed, ends within 90 days")),
                SelectChoice("expired", _l("Signed, end date passed")),
            ]
        )
        self.category.choices = [SelectChoice("", _l("Any"))] + [
            SelectChoice(c, c) for c in DATA_CATEGORIES
        ]
