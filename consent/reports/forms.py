"""The report filter: which school (the privacy office only; a principal sees their own)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField


class ReportFilterForm(FlaskForm):
    """GET filter; no CSRF, nothing changes. The school for the privacy office only; the
    consent form on the consent-form report only."""

    class Meta:
        csrf = False

    school = SelectField(_l("School"), default="", validate_choice=False)
    form = SelectField(_l("Consent form"), default="", validate_choice=False)
