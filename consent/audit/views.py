"""The privacy office's audit log: filter, page through, export. Reading it is itself audited."""

import csv
import io
from collections.abc import Iterable, Iterator

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from consent.access import allowed_or_404, may_read_audit_log
from consent.audit.forms import AuditFilterForm
from consent.audit.operations import record
from consent.audit.queries import KNOWN_ACTIONS, AuditFilter, log_export_rows, log_page
from consent.core import clock
from consent.core.downloads import stream_download
from consent.core.urls import bounded_int

bp = Blueprint("audit", __name__)

CSV_HEADER = (
    "id",
    "at_utc",
    "actor_account_id",
    "actor_email",
    "actor_role",
    "action",
    "student_id",
    "student_number",
    "target",
    "request_id",
    "path",
)
CSV_FLUSH_BYTES = 64 * 1024


def _filter_from_request() -> tuple[AuditFilterForm, AuditFilter | None]:
    """The form bound to the query string, and its filter when valid (None when not)."""
    form = AuditFilterForm(formdata=request.args)
    if not form.validate():
        return form, None
    return form, form.to_filter()


@bp.get("/audit")
@login_required
def log():
    """The audit log, newest first, narrowed by person, student, action and dates."""
    allowed_or_404(current_user, may_read_audit_log, target="audit")
    form, filters = _filter_from_request()
    window = None
    if filters is not None:
        window = log_page(
            filters, request.args.get("page", 1, type=bounded_int), current_app.config["PAGE_SIZE"]
        )
        # Narrowed to one student, reading the log is a look at that student's record.
        record(current_user, "audit.view", student_id=filters.student_id, target=filters.describe())
    return render_template(
        "audit/log.html",
        form=form,
        window=window,
        known_actions=KNOWN_ACTIONS,
        export_args={k: v for k, v in request.args.items() if k != "page"},
    )


@bp.get("/audit/export.csv")
@login_required
def export():
    """Every matching row as CSV, streamed from the database so a long log costs no memory.

    The export's own audit row is committed (consent.core.transaction.commit_request) before
    the first row leaves: the response is made before the download streams."""
    allowed_or_404(current_user, may_read_audit_log, target="audit:export")
    _form, filters = _filter_from_request()
    if filters is None:
        return redirect(url_for("audit.log", **request.args))
    record(current_user, "audit.export", student_id=filters.student_id, target=filters.describe())
    filename = f"audit-log-{clock.today().isoformat()}.csv"
    return Response(
        stream_download(csv_chunks(log_export_rows(filters))),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _cell(value) -> str:
    """A value as text; text a spreadsheet would run as a formula is quoted."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def csv_chunks(rows: Iterable) -> Iterator[str]:
    """CSV text in chunks of about 64 KB, starting with a BOM so spreadsheets read UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow(
            [
                row.id,
                _cell(row.at),
                _cell(row.actor_account_id),
                _cell(row.actor_email),
                _cell(row.actor_role),
                _cell(row.action),
                _cell(row.student_id),
                _cell(row.district_identifier),
                _cell(row.target),
                _cell(row.request_id),
                _cell(row.path),
            ]
        )
        if buffer.tell() >= CSV_FLUSH_BYTES:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
