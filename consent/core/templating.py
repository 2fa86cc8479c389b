"""Template helpers: labels for statuses and enums, dates in the district's words."""

from datetime import date, datetime
from functools import lru_cache

from babel import Locale, dates
from flask import Flask, request, url_for
from flask_babel import format_date, format_time, get_locale, get_translations, to_user_timezone
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

from consent.catalog.models import AgreementStatus, LegalBasis, UseScope, VettingStatus
from consent.consentforms.models import Answer, AnswerMethod, FormKind, FormMode, FormStatus
from consent.core.i18n import language_name
from consent.optouts.models import Channel, OptOutStatus, TaskStatus
from consent.vetting.committee.models import Rating, Recommendation
from consent.vetting.models import RequestStatus

# Keyed by enum class first: OptOutStatus.PLANNED and TaskStatus.PLANNED are equal strings.
LABELS = {
    OptOutStatus: {
        OptOutStatus.SUBMITTED: _l("Submitted"),
        OptOutStatus.IN_PROGRESS: _l("In progress"),
        OptOutStatus.PLANNED: _l("Plan ready for the principal"),
        OptOutStatus.CONFIRMED: _l("Confirmed"),
        OptOutStatus.WITHDRAWN: _l("Withdrawn"),
        OptOutStatus.CLOSED: _l("Closed"),
    },
    TaskStatus: {
        TaskStatus.OPEN: _l("New"),
        TaskStatus.ACKNOWLEDGED: _l("Acknowledged"),
        TaskStatus.PLANNED: _l("Plan recorded"),
        TaskStatus.CLOSED: _l("Closed"),
    },
    LegalBasis: {
        LegalBasis.SCHOOL_OFFICIAL: _l("School official (FERPA 99.31(a)(1))"),
        LegalBasis.COPPA_SCHOOL_CONSENT: _l("School consents for children under 13 (COPPA)"),
        LegalBasis.PARENT_CONSENT: _l("Needs your consent"),
    },
    VettingStatus: {
        VettingStatus.PENDING: _l("Being reviewed"),
        VettingStatus.APPROVED: _l("Approved"),
        VettingStatus.APPROVED_WITH_CONDITIONS: _l("Approved with conditions"),
        VettingStatus.NOT_APPROVED: _l("Not approved"),
        VettingStatus.RETIRED: _l("Retired"),
    },
    AgreementStatus: {
        AgreementStatus.NONE: _l("No data agreement"),
        AgreementStatus.NEGOTIATING: _l("Agreement being negotiated"),
        AgreementStatus.SIGNED: _l("Data agreement signed"),
    },
    UseScope: {
        UseScope.DISTRICT: _l("Whole district"),
        UseScope.SCHOOL: _l("Whole school"),
        UseScope.SECTION: _l("A class"),
    },
    FormKind: {
        FormKind.DIRECTORY_INFORMATION: _l("Directory information release"),
        FormKind.MEDIA_RELEASE: _l("Media and photo release"),
        FormKind.MILITARY_RECRUITER: _l("Military recruiter release"),
        FormKind.PPRA_SURVEY: _l("Survey notice (PPRA)"),
        FormKind.TOOL_CONSENT: _l("Consent for an online tool"),
    },
    FormMode: {
        FormMode.OPT_IN: _l("Opt-in: nothing happens without your yes"),
        FormMode.OPT_OUT: _l("Opt-out: it happens unless you say no"),
    },
    FormStatus: {
        FormStatus.DRAFT: _l("Draft"),
        FormStatus.PUBLISHED: _l("Published"),
    },
    Answer: {
        Answer.GRANTED: _l("Yes, permission given"),
        Answer.REFUSED: _l("No, permission refused"),
    },
    AnswerMethod: {
        AnswerMethod.WEB: _l("Online"),
        AnswerMethod.PAPER: _l("On paper"),
        AnswerMethod.PHONE: _l("By phone"),
    },
    Channel: {
        Channel.WEB: _l("Online"),
        Channel.PHONE: _l("By phone"),
        Channel.PAPER: _l("On paper"),
        Channel.EMAIL: _l("By email"),
        Channel.IN_PERSON: _l("In person"),
    },
    RequestStatus: {
        RequestStatus.SUBMITTED: _l("Waiting for review"),
        RequestStatus.IN_REVIEW: _l("In review"),
        RequestStatus.MORE_INFORMATION: _l("More information needed"),
        RequestStatus.APPROVED: _l("Approved"),
        RequestStatus.APPROVED_WITH_CONDITIONS: _l("Approved with conditions"),
        RequestStatus.NOT_APPROVED: _l("Not approved"),
    },
    Rating: {
        Rating.PASS: _l("Pass"),
        Rating.CONCERN: _l("Concern"),
        Rating.FAIL: _l("Fail"),
    },
    Recommendation: {
        Recommendation.APPROVE: _l("Approve"),
        Recommendation.APPROVE_WITH_CONDITIONS: _l("Approve with conditions"),
        Recommendation.DECLINE: _l("Do not approve"),
    },
}


LEGAL_BASIS_EXPLAINED = {
    LegalBasis.SCHOOL_OFFICIAL: _l(
        "The district treats this company as a school official: it may receive student records "
        "only to do work the district would do itself, under the district's control, and may not "
        "use them for anything else."
    ),
    LegalBasis.COPPA_SCHOOL_CONSENT: _l(
        "For children under 13 the school gives consent for this tool, only for the school's own "
        "educational use. The company may not use the data for advertising."
    ),
    LegalBasis.PARENT_CONSENT: _l(
        "The district needs a parent's permission before your child uses this tool."
    ),
}

# The NDPA Exhibit B category names (consent.catalog.models.DATA_CATEGORIES) are stored as the
# agreement words them; families read them in their own language.
CATEGORY_LABELS = {
    "Application Technology Meta Data": _l("Application Technology Meta Data"),
    "Application Use Statistics": _l("Application Use Statistics"),
    "Assessment": _l("Assessment"),
    "Attendance": _l("Attendance"),
    "Communications": _l("Communications"),
    "Conduct": _l("Conduct"),
    "Demographics": _l("Demographics"),
    "Enrollment": _l("Enrollment"),
    "Parent/Guardian Contact Information": _l("Parent/Guardian Contact Information"),
    "Parent/Guardian ID": _l("Parent/Guardian ID"),
    "Parent/Guardian Name": _l("Parent/Guardian Name"),
    "Schedule": _l("Schedule"),
    "Special Indicator": _l("Special Indicator"),
    "Student Contact Information": _l("Student Contact Information"),
    "Student Identifiers": _l("Student Identifiers"),
    "Student In App Performance": _l("Student In App Performance"),
    "Student Name": _l("Student Name"),
    "Student Program Membership": _l("Student Program Membership"),
    "Student Survey Responses": _l("Student Survey Responses"),
    "Student Work": _l("Student Work"),
    "Transcript": _l("Transcript"),
    "Transportation": _l("Transportation"),
    "Other": _l("Other"),
}

EVENT_LABELS = {
    "filed": _l("Request filed"),
    "joined": _l("Another guardian joined the request"),
    "acknowledged": _l("Teacher acknowledged"),
    "plan_recorded": _l("Teacher recorded a plan"),
    "planned": _l("Plan ready for the principal"),
    "confirmed": _l("Principal confirmed the plan"),
    "returned": _l("Principal returned the plan to the teacher"),
    "withdrawn": _l("Withdrawn by the guardian"),
    "withdrawal_declined": _l("A guardian withdrew; the request stands for the other guardian"),
    "closed": _l("Closed"),
    "teacher_added": _l("The roster changed: a new teacher was added"),
    "teacher_left": _l("The roster changed: a teacher no longer teaches the student"),
    "use_started": _l("The tool is now used in a new class or school: a teacher was added"),
    "use_ended": _l("The tool use ended: a teacher no longer needs a plan"),
    "school_changed": _l("The student moved to a new school"),
    "rerouted": _l("Waiting for a new teacher's plan"),
    "reminded": _l("Reminder sent: the due date has come"),
    "principal_told": _l("Overdue: the principal was told"),
    "escalated": _l("Overdue: escalated to the privacy office"),
    "due_moved": _l("Due dates moved: the district calendar changed"),
    "carried_over": _l("The school year ended: the opt-out carries into the new year"),
    "year_ended": _l("The school year ended: the opt-out ended with it"),
    "roster_not_present": _l("Checked against the vendor's roster: the student is not in it"),
    "roster_still_present": _l(
        "Checked against the vendor's roster: the student is still in it; the privacy office "
        "was told"
    ),
}


#: Where the family's words ("your consent") would mislead staff, the words staff read instead.
STAFF_WORDS = {
    LegalBasis.PARENT_CONSENT: _l("Parent consent required"),
    FormMode.OPT_IN: _l("Opt-in: only with the family's yes"),
    FormMode.OPT_OUT: _l("Opt-out: applies unless the family says no"),
}


def staff_label(value) -> str:
    """A value in the words staff read (forms only staff fill in use these)."""
    return STAFF_WORDS.get(value) or LABELS.get(type(value), {}).get(value, str(value))


@lru_cache(maxsize=4096)
def _medium_day(value: date, locale: Locale) -> str:
    """A list page shows the same few days many times (a page of 25 requests, two days each):
    each is worded once per process and language (Flask-Babel's format_date, 40 µs a call)."""
    return dates.format_date(value, "medium", locale=locale)


def _newstyle(translate):
    """`gettext`/`ngettext` as Jinja's i18n extension calls them (newstyle: escaped under
    autoescape, always %-formatted with the keyword arguments), over one catalog."""

    @pass_context
    def gettext(__context, __string: str, **variables) -> str:
        text = translate.ugettext(__string)
        if __context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - our catalog's text; % escapes the values
        return text % variables

    @pass_context
    def ngettext(__context, __singular: str, __plural: str, __num: int, **variables) -> str:
        variables.setdefault("num", __num)
        text = translate.ungettext(__singular, __plural, __num)
        if __context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - our catalog's text; % escapes the values
        return text % variables

    return {"gettext": gettext, "ngettext": ngettext}


def init_app(app: Flask) -> None:
    @app.context_processor
    def one_catalog_per_render():
        """Each render translates through the catalog of the language in force when it starts
        (the reader's, or an email's under `force_locale`), found once: Flask-Babel finds it
        again for every string, about 13 µs each, 2.6 ms for a list page's 200 labels."""
        return _newstyle(get_translations())

    @app.template_filter("label")
    def label(value) -> str:
        """A value in words, as the signed-in reader says it: a family or staff."""
        if getattr(current_user, "is_staff", False) and value in STAFF_WORDS:
            return STAFF_WORDS[value]
        return LABELS.get(type(value), {}).get(value, str(value))

    @app.template_filter("category")
    def category(name: str) -> str:
        return CATEGORY_LABELS.get(name, name)

    @app.template_filter("event_label")
    def event_label(kind: str) -> str:
        return EVENT_LABELS.get(kind, kind)

    @app.template_filter("day")
    def day(value) -> str:
        """The day (of a moment: in the district's zone) in the reader's words: "Dec 4, 2026"."""
        if not value:
            return ""
        if isinstance(value, datetime):
            value = to_user_timezone(value).date()
        return _medium_day(value, get_locale())

    app.add_template_filter(language_name, "language")

    @app.template_filter("moment")
    def moment(value) -> str:
        """A day and time in the reader's locale and the district's zone, to the minute: seconds
        say nothing to a family and crowd a timeline."""
        if not value:
            return ""
        pattern = get_locale().datetime_formats["medium"]
        return pattern.format(format_time(value, "short"), format_date(value, "medium"))

    @app.template_global()
    def page_url(number: int) -> str:
        """The current list page with another page number and the same filters."""
        args = request.args.to_dict()
        args["page"] = number
        return url_for(request.endpoint, **(request.view_args or {}), **args)

    @app.context_processor
    def globals_():
        return {
            "get_locale": get_locale,
            "district_name": app.config["DISTRICT_NAME"],
            "legal_basis_explained": LEGAL_BASIS_EXPLAINED,
        }
