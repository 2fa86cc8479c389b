"""Catalog pages: the public list of approved tools (HTML, JSON, CSV), each tool's page, the
staff list, and the privacy office's add, edit and history pages."""

import csv
import io
from functools import wraps

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from consent.access import (
    allowed_or_404,
    may_close_requests_of_retired_tool,
    may_edit_catalog,
    tool_or_404,
)
from consent.catalog import operations
from consent.catalog.forms import CatalogFilterForm, ToolForm
from consent.catalog.models import AgreementStatus, LegalBasis, Tool, ToolRevision, VettingStatus
from consent.catalog.queries import catalog_list, public_catalog, tool_history
from consent.core import clock
from consent.core.downloads import stream_download
from consent.core.gates import STAFF, roles_required
from consent.core.i18n import language_name
from consent.core.templating import LABELS
from consent.core.transaction import run
from consent.core.urls import bounded_int
from consent.extensions import db
from consent.optouts.queries import active_counts_of_tool
from consent.texts.lookup import preload

bp = Blueprint("catalog", __name__)

PUBLIC_PAGE_SIZE = 50
CSV_BATCH = 200


def catalog_editors_only(view):
    """Signed in as someone who keeps the catalog; anyone else gets the 404 of a missing page,
    and the refusal is written to the audit log."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        tool_id = kwargs.get("tool_id", "new")
        action = request.endpoint.rsplit(".", 1)[-1]
        allowed_or_404(current_user, may_edit_catalog, target=f"tool:{tool_id}:{action}")
        return view(*args, **kwargs)

    return wrapped


# --- everyone ------------------------------------------------------------------------------


@bp.get("/tools/<int:tool_id>")
@login_required
def tool(tool_id: int):
    """The full catalog entry; it holds no student data, so any signed-in person may read it."""
    tool = tool_or_404(current_user, tool_id)
    requests_to_close = 0
    if tool.vetting_status is VettingStatus.RETIRED and may_close_requests_of_retired_tool(
        current_user
    ):
        requests_to_close = sum(active_counts_of_tool(tool.id).values())
    preload([tool])
    return render_template(
        "catalog/tool.html",
        tool=tool,
        may_edit=may_edit_catalog(current_user),
        requests_to_close=requests_to_close,
    )


def agreement_state(tool: Tool, today) -> str:
    """The agreement as families should read it: a signed one past its end date has lapsed."""
    if tool.agreement_status is AgreementStatus.SIGNED and tool.agreement_expires_on < today:
        return "expired"
    return tool.agreement_status.value


@bp.get("/catalog")
def public():
    """The approved tools and what each collects, for families and the state; no sign-in."""
    page = db.paginate(
        public_catalog(),
        page=request.args.get("page", 1, type=bounded_int),
        per_page=current_app.config.get("CATALOG_PUBLIC_PAGE_SIZE", PUBLIC_PAGE_SIZE),
        error_out=False,
    )
    preload(page.items)
    return render_template(
        "catalog/public.html", page=page, today=clock.today(), agreement_state=agreement_state
    )


def _public_record(tool: Tool, today) -> dict:
    return {
        "id": tool.id,
        "name": tool.name,
        "vendor": tool.vendor,
        "purpose": tool.purpose,
        "website": tool.website,
        "privacy_policy_url": tool.privacy_policy_url,
        "grade_band": tool.grade_band,
        "vetting_status": tool.vetting_status.value,
        "legal_basis": tool.legal_basis.value,
        "agreement_status": agreement_state(tool, today),
        "agreement_signed_on": _iso(tool.agreement_signed_on),
        "agreement_expires_on": _iso(tool.agreement_expires_on),
        "last_reviewed_on": _iso(tool.last_reviewed_on),
        "data_categories": [{"category": c.category, "note": c.note} for c in tool.data_categories],
        "opt_out_options": [o.label for o in tool.optout_options],
    }


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _public_tools():
    return db.session.scalars(public_catalog())


@bp.get("/catalog.json")
def public_json():
    today = clock.today()
    return jsonify(
        {
            "district": current_app.config["DISTRICT_NAME"],
            "generated_on": today.isoformat(),
            "tools": [_public_record(t, today) for t in _public_tools()],
        }
    )


CSV_COLUMNS = [
    "name",
    "vendor",
    "purpose",
    "website",
    "privacy_policy_url",
    "grade_band",
    "vetting_status",
    "legal_basis",
    "agreement_status",
    "agreement_signed_on",
    "agreement_expires_on",
    "last_reviewed_on",
    "data_categories",
]


@bp.get("/catalog.csv")
def public_csv():
    """One row per tool; the categories as 'Category: note' separated by ' | '. Streamed."""
    today = clock.today()

    def rows():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        for number, tool in enumerate(_public_tools(), start=1):
            record = _public_record(tool, today)
            record["data_categories"] = " | ".join(
                f"{c['category']}: {c['note']}" for c in record["data_categories"]
            )
            writer.writerow([record[c] or "" for c in CSV_COLUMNS])
            if number % CSV_BATCH == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(
        stream_download(rows()),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=approved-tools.csv"},
    )


# --- staff ---------------------------------------------------------------------------------


@bp.get("/tools")
@roles_required(*STAFF)
def tools():
    """The whole catalog for staff, filtered and paginated; the office also edits from here."""
    today = clock.today()
    form = CatalogFilterForm(request.args)
    filters = form.data if form.validate() else {}
    query = catalog_list(
        search=filters.get("q") or "",
        vetting_status=filters.get("vetting_status") or "",
        agreement=filters.get("agreement") or "",
        category=filters.get("category") or "",
        today=today,
    )
    page = db.paginate(
        query,
        page=request.args.get("page", 1, type=bounded_int),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template(
        "catalog/list.html",
        page=page,
        form=form,
        today=today,
        agreement_state=agreement_state,
        may_edit=may_edit_catalog(current_user),
    )


@bp.route("/tools/new", methods=["GET", "POST"])
@catalog_editors_only
def new():
    form = ToolForm()
    if form.validate_on_submit():
        created = run(
            operations.create_tool,
            show_on=_problem_on(form),
            data=form.to_data(),
            today=clock.today(),
        )
        if created:
            flash(_("%(tool)s was added to the catalog.", tool=created.value.name), "success")
            return redirect(url_for("catalog.tool", tool_id=created.value.id))
    return render_template("catalog/edit.html", form=form, tool=None)


@bp.route("/tools/<int:tool_id>/edit", methods=["GET", "POST"])
@catalog_editors_only
def edit(tool_id: int):
    tool = tool_or_404(current_user, tool_id)
    form = ToolForm(tool=tool)
    if form.validate_on_submit():
        updated = run(
            operations.update_tool,
            show_on=_problem_on(form),
            tool=tool,
            data=form.to_data(),
            today=clock.today(),
        )
        if updated:
            notice = updated.value.notice
            if notice is not None:
                flash(
                    _(
                        "Saved. This change matters to families: %(n)s guardians will be told.",
                        n=notice.guardians_notified,
                    ),
                    "success",
                )
            else:
                flash(_("Saved."), "success")
            return redirect(url_for("catalog.history", tool_id=tool_id))
    return render_template("catalog/edit.html", form=form, tool=tool)


@bp.get("/tools/<int:tool_id>/history")
@catalog_editors_only
def history(tool_id: int):
    """Every saved edit of the tool: who, when, and each field before and after."""
    tool = tool_or_404(current_user, tool_id)
    page = db.paginate(
        tool_history(tool.id).options(selectinload(ToolRevision.changes)),
        page=request.args.get("page", 1, type=bounded_int),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    return render_template(
        "catalog/history.html", tool=tool, page=page, field_label=field_label, shown=shown
    )


def _problem_on(form: ToolForm):
    """Where a refusal is shown: under the field the catalog rule names (the name otherwise)."""
    return lambda error: form.add_problem(getattr(error, "field", "name"), str(error))


FIELD_LABELS = {
    "name": _l("Tool name"),
    "vendor": _l("Company"),
    "purpose": _l("What it is for"),
    "website": _l("Website"),
    "privacy_policy_url": _l("Privacy policy address"),
    "grade_band": _l("Grades"),
    "legal_basis": _l("Why the district may share data"),
    "vetting_status": _l("District review"),
    "agreement_status": _l("Data agreement"),
    "agreement_signed_on": _l("Agreement signed on"),
    "agreement_expires_on": _l("Agreement ends on"),
    "last_reviewed_on": _l("Last reviewed"),
}


def field_label(name: str) -> str:
    """The history's name for a field; list items read like 'Collects: Student Work'."""
    kind, _sep, item = name.partition(":")
    if not item:
        return str(FIELD_LABELS.get(name, name))
    if kind == "translation":  # translation:es:purpose
        language, _sep, what = item.partition(":")
        return _(
            "%(what)s, in %(language)s", what=field_label(what), language=language_name(language)
        )
    prefixes = {
        "category": _("Collects: %(item)s", item=item),
        "feature": _("Feature: %(item)s", item=item),
        "option": _("Opt-out option: %(item)s", item=item),
    }
    return prefixes.get(kind, name)


ENUM_FIELDS = {
    "legal_basis": LegalBasis,
    "vetting_status": VettingStatus,
    "agreement_status": AgreementStatus,
}


def shown(name: str, value: str | None) -> str:
    """A value in the history as people read it: labels for statuses, a dash for nothing."""
    if value is None or value == "":
        return "—"
    if name in ENUM_FIELDS:
        enum_cls = ENUM_FIELDS[name]
        return str(LABELS[enum_cls].get(enum_cls(value), value))
    if name.startswith("option:"):
        return _("offered")
    return value
