"""The privacy office's notice pages: each language's notice and its history, the yearly send
(with its confirmation step), who the notice did not reach, and the printable list of those
without email. Families read the notice on the rights page (consent.rights)."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from consent.access import allowed_or_404, deny, may_keep_notice
from consent.audit.operations import record
from consent.core import clock
from consent.core.i18n import available_locales
from consent.core.transaction import run
from consent.core.urls import bounded_int
from consent.extensions import db
from consent.notice import operations, queries
from consent.notice.forms import NoticeForm, SendForm
from consent.notice.models import CONTACT_FIELDS, TEXT_FIELDS, NoticeVersion
from consent.notice.rules import changed_fields, default_text
from consent.notifications.models import DeliveryStatus, Notification
from consent.schoolcalendar.days import school_year_of

bp = Blueprint("notice", __name__)


def _gate() -> None:
    allowed_or_404(current_user, may_keep_notice, target="notice")


def _language_or_404(language: str) -> str:
    if language not in available_locales():
        deny(current_user, f"notice:{language}")
    return language


def _page_number() -> int:
    return request.args.get("page", 1, type=bounded_int)


@bp.get("/notice")
@login_required
def index():
    """Each language's current notice, this school year's sends, and the way to the rest."""
    _gate()
    locales = available_locales()
    year = school_year_of(clock.today())
    return render_template(
        "notice/index.html",
        locales=locales,
        latest=queries.latest_versions(locales),
        year=year,
        sends=queries.sends(year),
    )


def _form_data(language: str, latest: NoticeVersion | None) -> dict[str, str]:
    """What the edit form starts from: the latest version, else the default text in that
    language, with the contacts the district's English notice gives (names and numbers)."""
    if latest is not None:
        return {name: getattr(latest, name) for name in (*CONTACT_FIELDS, *TEXT_FIELDS)}
    with force_locale(language):
        data = default_text()
    english = queries.latest_versions([available_locales()[0]]).get(available_locales()[0])
    for name in CONTACT_FIELDS:
        data[name] = getattr(english, name) if english is not None else ""
    return data


@bp.route("/notice/<language>/edit", methods=["GET", "POST"])
@login_required
def edit(language: str):
    """Edit one language's notice; saving adds a version."""
    _gate()
    language = _language_or_404(language)
    latest = queries.latest_versions([language]).get(language)
    form = (
        NoticeForm() if request.method == "POST" else NoticeForm(data=_form_data(language, latest))
    )
    if form.validate_on_submit():
        fields = {name: form[name].data or "" for name in (*CONTACT_FIELDS, *TEXT_FIELDS)}
        if run(operations.save_notice, show_on=form, language=language, **fields):
            flash(_("The notice is saved as a new version."), "success")
            return redirect(url_for("notice.history", language=language))
    return (
        render_template("notice/edit.html", form=form, language=language, latest=latest),
        400 if form.errors else 200,
    )


@bp.get("/notice/<language>/history")
@login_required
def history(language: str):
    """Every saved version of one language's notice: who saved it, when, and what changed."""
    _gate()
    language = _language_or_404(language)
    page = db.paginate(
        queries.history(language),
        page=_page_number(),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    versions = list(page.items)
    before = queries.previous_versions(versions)
    changes = {}
    with force_locale(language):
        for version in versions:
            values = {name: getattr(version, name) for name in (*CONTACT_FIELDS, *TEXT_FIELDS)}
            changes[version.id] = changed_fields(before.get(version.id), values)
    return render_template(
        "notice/history.html", language=language, page=page, versions=versions, changes=changes
    )


def _send_page(form: SendForm, year: str, status: int = 200):
    preview = queries.send_preview(year, available_locales())
    total = sum(with_email + without for _lang, with_email, without in preview)
    form.expected.data = str(total)
    return (
        render_template(
            "notice/send.html",
            form=form,
            year=year,
            preview=preview,
            total=total,
            sends=queries.sends(year),
        ),
        status,
    )


@bp.get("/notice/send")
@login_required
def send_review():
    """The confirmation step: how many will get the notice, in which languages. Reading it
    sends nothing."""
    _gate()
    return _send_page(SendForm(formdata=None), school_year_of(clock.today()))


@bp.post("/notice/send")
@login_required
def send():
    """Send this school year's notice to every rights holder not sent it yet."""
    _gate()
    form = SendForm()
    year = school_year_of(clock.today())
    if form.validate_on_submit():
        done = run(
            operations.send_notice,
            show_on=form,
            school_year=year,
            expected=form.expected_number,
        )
        if done:
            flash(
                _(
                    "The notice for %(year)s is on its way to %(count)s people; "
                    "%(without)s have no email address and are on the printable list.",
                    year=year,
                    count=done.value.recipients,
                    without=done.value.without_email,
                ),
                "success",
            )
            return redirect(url_for("notice.not_reached"))
    return _send_page(form, year, status=400)


def _recipients(year: str, statuses, per_page: int):
    """A page of recipients in `statuses`, with each one's status and schools."""
    query = queries.not_reached(year, statuses=statuses)
    page = db.paginate(query, page=_page_number(), per_page=per_page, error_out=False)
    recipients = list(page.items)
    ids = [r.notification_id for r in recipients]
    statuses_of = dict(
        db.session.execute(
            select(Notification.id, Notification.delivery_status).where(Notification.id.in_(ids))
        ).all()
    )
    schools = queries.schools_of([r.guardian_id for r in recipients])
    return page, recipients, statuses_of, schools


@bp.get("/notice/not-reached")
@login_required
def not_reached():
    """Who this school year's notice did not reach by email, counted by school and language."""
    _gate()
    year = school_year_of(clock.today())
    page, recipients, statuses_of, schools = _recipients(
        year, queries.NOT_REACHED, current_app.config["PAGE_SIZE"]
    )
    record(current_user, "notice.not_reached", target=f"notice:{year}")
    return render_template(
        "notice/not_reached.html",
        year=year,
        counts=queries.not_reached_counts(year),
        page=page,
        recipients=recipients,
        statuses_of=statuses_of,
        schools=schools,
        sends=queries.sends(year),
        no_address=DeliveryStatus.NO_ADDRESS,
    )


#: A printed list is read on paper: a longer page than the screen's.
PRINT_PAGE_SIZE = 100


@bp.get("/notice/without-email")
@login_required
def without_email():
    """Print-friendly: those this year's notice went to without an email address, to reach
    them on paper (sent home with the child, or by mail)."""
    _gate()
    year = school_year_of(clock.today())
    page, recipients, _statuses, schools = _recipients(
        year, (DeliveryStatus.NO_ADDRESS,), PRINT_PAGE_SIZE
    )
    record(current_user, "notice.print_list", target=f"notice:{year}")
    return render_template(
        "notice/without_email.html", year=year, page=page, recipients=recipients, schools=schools
    )
