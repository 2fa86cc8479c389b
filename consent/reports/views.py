"""Report pages and their CSV exports. Each page: gate the role, settle the scope through
consent.access (a principal's own school, or the privacy office's choice), run the tables'
aggregate statements, render. Exports stream the same statements row by row."""

import csv
import io
from dataclasses import dataclass, replace
from datetime import date, datetime

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectChoice

from consent.access import may_choose_report_school, report_form_or_404, report_school_or_404
from consent.audit.operations import record_many
from consent.core import clock
from consent.core.downloads import stream_download
from consent.core.gates import SCHOOL_LEADS, roles_required
from consent.core.i18n import language_name
from consent.core.pagination import ListPage
from consent.core.urls import bounded_int
from consent.extensions import db
from consent.reports.charts import bar_chart
from consent.reports.forms import ReportFilterForm
from consent.reports.operations import record_export
from consent.reports.queries import (
    TABLES,
    ReportScope,
    ReportTable,
    non_responders_in,
    overdue_count,
    published_forms,
    rows_of,
    status_label,
)
from consent.reports.snapshots import figures
from consent.roster.models import School

bp = Blueprint("reports", __name__, url_prefix="/reports")

CHART_ROWS = 10  # bars per chart; the full figures are in the tables
STREAM_ROWS = 2000  # rows fetched at a time from the server-side cursor
FLUSH_BYTES = 64 * 1024


@dataclass
class ShownTable:
    """A table as the page shows it: the same cells the CSV export writes."""

    table: ReportTable
    rows: list[list[str]]
    csv_url: str


def _scope() -> ReportScope:
    school = report_school_or_404(current_user, request.args.get("school", type=bounded_int))
    return ReportScope(school=school, today=clock.today())


def _scope_args(scope: ReportScope) -> dict:
    """Keep the privacy office's school choice in every link (a principal needs none)."""
    if may_choose_report_school(current_user) and scope.school_id:
        return {"school": scope.school_id}
    return {}


def _filter_form(scope: ReportScope, forms: list | None = None) -> ReportFilterForm | None:
    """The privacy office picks a school; on the consent-form report everyone picks a form."""
    is_office = may_choose_report_school(current_user)
    if not is_office and not forms:
        return None
    form = ReportFilterForm(request.args)
    if is_office:
        form.school.choices = [SelectChoice("", _("Whole district"))] + [
            SelectChoice(str(s.id), s.name)
            for s in db.session.execute(select(School.id, School.name).order_by(School.name))
        ]
        form.school.data = str(scope.school_id) if scope.school_id else ""
    if forms:
        form.form.choices = [SelectChoice(str(f.id), f"{f.title} ({f.school_year})") for f in forms]
        form.form.data = str(scope.form_id)
    return form


def _shown(name: str, scope: ReportScope, rows: list) -> ShownTable:
    table = TABLES[name]
    return ShownTable(
        table=table,
        rows=[table.cells(row) for row in rows],
        csv_url=_csv_url(name, scope),
    )


def _render(template: str, scope: ReportScope, forms=None, **context) -> str:
    """Every report page gets its scope, the filters and the links that keep the school."""
    return render_template(
        template,
        scope=scope,
        form=_filter_form(scope, forms),
        is_office=may_choose_report_school(current_user),
        scope_args=_scope_args(scope),
        **context,
    )


@bp.get("")
@roles_required(*SCHOOL_LEADS)
def requests_report():
    """Open requests by status, school and tool, overdue ones, and the time to confirm."""
    scope = _scope()
    found = {
        name: figures(TABLES[name], scope)
        for name in ("open-by-status", "open-by-school", "open-by-tool", "time-to-confirmation")
    }
    raw = {name: f.rows for name, f in found.items()}
    status_rows, school_rows = raw["open-by-status"], raw["open-by-school"]
    tool_rows, timing_rows = raw["open-by-tool"], raw["time-to-confirmation"]
    open_overdue = [_("Open"), _("Overdue")]
    charts = [
        bar_chart(
            "chart-status",
            _("Open requests by status"),
            _("Status"),
            open_overdue,
            [(status_label(r.status), [r.open, r.overdue]) for r in status_rows],
        ),
        bar_chart(
            "chart-tools",
            _("Tools with the most open requests"),
            _("Tool"),
            open_overdue,
            [(r.name, [r.open, r.overdue]) for r in tool_rows[:CHART_ROWS]],
        ),
        bar_chart(
            "chart-timing",
            _("Schools slowest to confirm (school days)"),
            _("School"),
            [_("Median"), _("90th percentile")],
            [(r.name, [r.median, r.p90]) for r in timing_rows[:CHART_ROWS]],
            fmt=lambda value: f"{value:.1f}",
        ),
    ]
    if scope.school is None:
        charts.insert(
            1,
            bar_chart(
                "chart-schools",
                _("Schools with the most open requests"),
                _("School"),
                open_overdue,
                [(r.name, [r.open, r.overdue]) for r in school_rows[:CHART_ROWS]],
            ),
        )
    return _render(
        "reports/requests.html",
        scope,
        charts=charts,
        total_open=sum(int(r.open) for r in status_rows),
        total_overdue=sum(int(r.overdue) for r in status_rows),
        tables=[_shown(name, scope, rows) for name, rows in raw.items()],
        as_of=_as_of(found.values()),
    )


@bp.get("/overdue")
@roles_required(*SCHOOL_LEADS)
def overdue():
    """The overdue requests themselves, longest overdue first; a staff read of each student."""
    scope = _scope()
    table = TABLES["overdue"]
    per_page = current_app.config["PAGE_SIZE"]
    number = max(request.args.get("page", 1, type=bounded_int), 1)
    page = ListPage(page=number, per_page=per_page, total=db.session.scalar(overdue_count(scope)))
    rows = list(
        db.session.execute(table.statement(scope).limit(per_page).offset((number - 1) * per_page))
    )
    record_many(current_user, "report.overdue.view", [r.student_id for r in rows])
    return _render(
        "reports/overdue.html",
        scope,
        page=page,
        items=[(row.optout_id, table.cells(row)) for row in rows],
        shown=ShownTable(table=table, rows=[], csv_url=_csv_url("overdue", scope)),
    )


def _as_of(found) -> datetime | None:
    """When the oldest of the figures shown was computed; None when all are live."""
    moments = [f.as_of for f in found if f.as_of is not None]
    return min(moments) if moments else None


def _csv_url(name: str, scope: ReportScope) -> str:
    form = {"form": scope.form_id} if TABLES[name].needs_form else {}
    return url_for("reports.export", name=name, **_scope_args(scope), **form)


@bp.get("/tools")
@roles_required(*SCHOOL_LEADS)
def tools_report():
    """Opt-out rate per tool (a vetting signal) and data agreements about to end."""
    scope = _scope()
    rate_figures = figures(TABLES["optout-rate"], scope)
    rates = rate_figures.rows
    expiring = rows_of(TABLES["expiring-agreements"], scope)
    chart = bar_chart(
        "chart-rate",
        _("Tools with the highest opt-out rate (%)"),
        _("Tool"),
        [_("Opt-out rate (%)")],
        [(r.name, [r.rate]) for r in rates[:CHART_ROWS]],
        fmt=lambda value: f"{value:.1f}",
    )
    return _render(
        "reports/tools.html",
        scope,
        charts=[chart],
        tables=[
            _shown("optout-rate", scope, rates),
            _shown("expiring-agreements", scope, expiring),
        ],
        as_of=_as_of([rate_figures]),
    )


@bp.get("/consent-forms")
@roles_required(*SCHOOL_LEADS)
def consent_forms():
    """Who answered a consent form, by school and by home language, and who has not yet."""
    scope = _scope()
    forms = list(db.session.execute(published_forms()))
    asked = request.args.get("form", type=bounded_int)
    if asked is not None:
        report_form_or_404(current_user, asked, {f.id for f in forms})
    if not forms:
        return _render("reports/consent_forms.html", scope, tables=[])
    scope = replace(scope, form_id=asked or forms[0].id)
    found = [
        figures(TABLES["coverage-by-school"], scope),
        figures(TABLES["coverage-by-language"], scope),
    ]
    by_school, by_language = (f.rows for f in found)
    # The students with no answer are the form's students less those answered, school by
    # school (one answer per student and form), so no second pass over the district.
    total = non_responders_in(by_school)
    table = TABLES["non-responders"]
    per_page = current_app.config["PAGE_SIZE"]
    number = max(request.args.get("page", 1, type=bounded_int), 1)
    page = ListPage(page=number, per_page=per_page, total=total)
    rows = list(
        db.session.execute(table.statement(scope).limit(per_page).offset((number - 1) * per_page))
    )
    record_many(current_user, "report.nonresponders.view", [r.student_id for r in rows])
    answered = [_("Answered (%)")]
    charts = [
        bar_chart(
            "chart-language",
            _("Answered, by home language (%)"),
            _("Home language"),
            answered,
            [(language_name(r.language), [r.coverage]) for r in by_language[:CHART_ROWS]],
            fmt=lambda value: f"{value:.1f}",
        )
    ]
    if scope.school is None:
        charts.insert(
            0,
            bar_chart(
                "chart-coverage",
                _("Schools with the fewest answers (%)"),
                _("School"),
                answered,
                [(r.name, [r.coverage]) for r in by_school[:CHART_ROWS]],
                fmt=lambda value: f"{value:.1f}",
            ),
        )
    return _render(
        "reports/consent_forms.html",
        scope,
        forms=forms,
        charts=charts,
        tables=[
            _shown("coverage-by-school", scope, by_school),
            _shown("coverage-by-language", scope, by_language),
        ],
        page=page,
        items=[table.cells(row) for row in rows],
        shown=ShownTable(table=table, rows=[], csv_url=_csv_url("non-responders", scope)),
        as_of=_as_of(found),
    )


# --- CSV -------------------------------------------------------------------------------------


@bp.get("/<name>.csv")
@roles_required(*SCHOOL_LEADS)
def export(name: str):
    """Stream one table as CSV. An export that names students is audited, student by student;
    the audit rows are committed with the request (commit_request) before the first row leaves."""
    table = TABLES.get(name)
    if table is None:
        abort(404)
    scope = _scope()
    if table.needs_form:
        published = {row.id for row in db.session.execute(published_forms())}
        asked = request.args.get("form", type=bounded_int)
        scope = replace(scope, form_id=report_form_or_404(current_user, asked, published))
    statement = table.statement(scope)
    where = f"school-{scope.school_id}" if scope.school_id else "district"
    filename = f"{name}-{where}-{scope.today.isoformat()}.csv"
    if table.names_students:
        record_export(current_user, statement, action="report.export", target=f"report:{name}")
    # Translated now, while the signed-in account is loaded: after the request's commit it is
    # expired, and the language must not be looked up again halfway through the download.
    headers = [str(header) for header in table.headers]
    return Response(
        stream_download(_csv_lines(table, statement, headers)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _csv_lines(table: ReportTable, statement, headers: list[str]):
    """Rows straight from a server-side cursor, a buffer of about 64 KB at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # spreadsheets then read the names as UTF-8
    writer.writerow(headers)
    yield _drain(buffer)  # the download starts before the query has finished
    for row in db.session.execute(statement.execution_options(yield_per=STREAM_ROWS)):
        writer.writerow([_cell(value) for value in table.cells(row)])
        if buffer.tell() > FLUSH_BYTES:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _cell(value: str | date) -> str:
    """A day as ISO 8601 (the page shows it in the reader's words, `report_cell`); a cell a
    spreadsheet could run as a formula is kept as text."""
    if isinstance(value, date):
        return value.isoformat()
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@bp.app_template_filter("report_cell")
def report_cell(value):
    """A report cell on the page: a day in the reader's locale, as every other page shows it."""
    return format_date(value, "medium") if isinstance(value, date) else value
