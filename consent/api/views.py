"""API v1: JSON for district systems, authenticated by an integration token only (no session,
no CSRF). Views are thin: the gate (consent.access) checks the token, its scopes and its
school; reads are in consent.api.queries; every call writes an audit row naming the
integration. Errors are RFC 9457 problem details."""

import json
from collections.abc import Iterator
from functools import wraps
from typing import TypeVar

import orjson
from flask import Blueprint, Response, g, jsonify, request
from pydantic import BaseModel, ValidationError
from spectree.utils import get_multidict_items
from werkzeug.exceptions import HTTPException

from consent.access import (
    integration_school_or_404,
    integration_student_or_404,
    integration_students,
    integration_tool_or_404,
    scope_or_404,
    token_or_401,
)
from consent.api import queries
from consent.api.schemas import (
    ExclusionList,
    ExclusionQuery,
    RosterCheckForm,
    RosterCheckOut,
    SchoolCount,
    StudentChoices,
    StudentsPage,
    StudentsQuery,
    ToolOut,
    ToolsPage,
    ToolsQuery,
)
from consent.api.spec import api, document, responses
from consent.audit.operations import record_integration
from consent.core import clock
from consent.core.downloads import stream_download
from consent.core.problems import problem
from consent.core.transaction import settle
from consent.enforcement.exclusions import for_tool as exclusions_for_tool
from consent.enforcement.exclusions import stream_exclusions
from consent.enforcement.exports import saved_upload
from consent.enforcement.operations import check_roster
from consent.enforcement.queries import still_present_by_school
from consent.integrations.models import Scope

bp = Blueprint("api", __name__, url_prefix="/api/v1")
Query = TypeVar("Query", bound=BaseModel)
OPEN = frozenset({"api.openapi"})


@bp.before_request
def authenticate():
    """Every call but the document's carries a live token; nothing else signs a system in."""
    if request.endpoint in OPEN:
        return
    g.integration = token_or_401(request.headers.get("Authorization"), clock.today())


@bp.errorhandler(HTTPException)
def as_problem(error: HTTPException):
    return problem(error.code or 500)


@bp.errorhandler(queries.BadCursor)
def bad_cursor(_error):
    return problem(400, detail="The cursor is not one this API gave out.")


class InvalidParameters(Exception):
    """The query string does not fit the view's model (`parameters`)."""

    def __init__(self, error: ValidationError):
        super().__init__(str(error))
        self.errors = [
            {"loc": [str(part) for part in e["loc"]], "msg": e["msg"]} for e in error.errors()
        ]


@bp.errorhandler(InvalidParameters)
def invalid_parameters(error: InvalidParameters):
    return problem(400, detail="The request's parameters are not valid.", errors=error.errors)


def parameters(model: type[Query]) -> Query:
    """The query string as `model`, read as spectree reads it (a repeated parameter is a list,
    which a field of one value refuses), for the views spectree does not validate."""
    try:
        return model.model_validate(get_multidict_items(request.args, model))
    except ValidationError as error:
        raise InvalidParameters(error) from error


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document of this API, generated from the code."""
    return jsonify(document())


def _choices(student, optouts, answers) -> dict:
    """One student's choices, as the fields of `StudentChoices`: its opt-outs and answers come
    as JSON already written (`orjson.Fragment`), null when the token cannot read them."""
    return {
        "id": student.id,
        "district_identifier": student.district_identifier,
        "sourced_id": student.sourced_id,
        "school_id": student.school_id,
        "active": student.active,
        "optouts": optouts.get(student.id) if optouts is not None else None,
        "consent_answers": answers.get(student.id) if answers is not None else None,
    }


def _read(held, tool_id, ids):
    optouts = queries.optouts_by_student(ids, tool_id) if Scope.OPTOUTS in held else None
    answers = queries.answers_by_student(ids, tool_id) if Scope.ANSWERS in held else None
    return optouts, answers


def documented(**validate):
    """Puts a view in the document without letting spectree validate it: the view is served as
    is, and its `__wrapped__` carries the metadata spectree's document reads. The view reads
    its query with `parameters`, and writes an answer the document describes.

    For a streamed answer (spectree would load the whole body into memory) and for students'
    choices (validating a page's ~2,000 opt-outs and answers in pydantic again, after the view
    wrote them from the rows, cost a third of the page's CPU; tests/api reads them back
    through the models)."""

    def decorator(view):
        @wraps(view)
        def stub(*args, **kwargs):  # pragma: no cover - never called, only described
            raise RuntimeError("a documentation stub: the view itself answers this route")

        view.__wrapped__ = api.validate(**validate)(stub)
        return view

    return decorator


@bp.get("/students")
@documented(query=StudentsQuery, resp=responses(StudentsPage, 400, 404), tags=["students"])
def students():
    """Students' current choices, a page at a time.

    Each student who has an opt-out in effect or an answer in force (or, with `updated_since`,
    whose opt-outs or answers changed since) comes with every opt-out in effect and every
    answer in force the token may read: replace what you hold for the student."""
    token = g.integration
    args = parameters(StudentsQuery)
    held = scope_or_404(token, Scope.OPTOUTS, Scope.ANSWERS, target="students")
    school_id = integration_school_or_404(token, args.school)
    if args.tool is not None:
        integration_tool_or_404(token, args.tool)
    after = queries.decode_cursor("students", args.cursor)
    # Audited before reading: on SQLite the audit row's write lock ends the read transaction,
    # and rows read before it would reload one by one.
    record_integration(token, "api.students")
    page = queries.changed_students(
        students=integration_students(token),
        school_id=school_id,
        tool_id=args.tool,
        updated_since=args.updated_since,
        with_optouts=Scope.OPTOUTS in held,
        with_answers=Scope.ANSWERS in held,
        after=after,
        limit=args.limit + 1,
    )
    more = len(page) > args.limit
    page = page[: args.limit]
    optouts, answers = _read(held, args.tool, [s.id for s in page])
    # Written from the rows, not validated again: `StudentsPage` describes it in the document,
    # and tests/api checks every answer against the document.
    body = {
        "next_cursor": queries.encode_cursor("students", page[-1].id) if more else None,
        "students": [_choices(s, optouts, answers) for s in page],
    }
    return Response(orjson.dumps(body), mimetype="application/json")


@bp.get("/students/<int:student_id>")
@documented(resp=responses(StudentChoices, 404), tags=["students"])
def student(student_id: int):
    """One student's opt-outs in effect and answers in force."""
    token = g.integration
    held = scope_or_404(token, Scope.OPTOUTS, Scope.ANSWERS, target=f"student:{student_id}")
    found = integration_student_or_404(token, student_id)
    record_integration(token, "api.student", student_id=found.id)
    optouts, answers = _read(held, None, [found.id])
    return Response(orjson.dumps(_choices(found, optouts, answers)), mimetype="application/json")


def _json_chunks(head: dict, key: str, items: Iterator[dict]) -> Iterator[str]:
    """`{...head, key: [item, item, ...]}` written a batch of items at a time."""
    opening = json.dumps(head)[:-1]
    yield f'{opening}{", " if head else ""}"{key}": ['
    buffer, first = [], True
    for item in items:
        buffer.append(("" if first else ",") + json.dumps(item, separators=(",", ":")))
        first = False
        if len(buffer) >= 500:
            yield "".join(buffer)
            buffer = []
    yield "".join(buffer) + "]}"


@bp.get("/tools/<int:tool_id>/exclusions")
@documented(query=ExclusionQuery, resp=responses(ExclusionList, 400, 404), tags=["exclusions"])
def exclusions(tool_id: int):
    """The tool's exclusion list on a day: every student the tool reaches who must not be
    rostered to it (an opt-out of the whole tool; consent refused or, on an opt-in form, not
    given; or, for a tool that needs each parent's consent, no form asked their school) or must
    have a feature off (an opt-out of that feature). Streamed, by student id."""
    token = g.integration
    args = parameters(ExclusionQuery)
    scope_or_404(token, Scope.EXCLUSIONS, target=f"exclusions:{tool_id}")
    record_integration(token, "api.exclusions")
    tool = integration_tool_or_404(token, tool_id)
    school_id = integration_school_or_404(token, args.school)
    as_of = args.as_of or clock.today()
    statement = exclusions_for_tool(
        tool, as_of, students=integration_students(token), school_id=school_id
    )
    head = {"tool_id": tool.id, "as_of": as_of.isoformat()}
    return Response(
        stream_download(_json_chunks(head, "students", stream_exclusions(statement))),
        mimetype="application/json",
    )


def _tool(tool) -> ToolOut:
    return ToolOut(
        id=tool.id,
        name=tool.name,
        vendor=tool.vendor,
        purpose=tool.purpose,
        website=tool.website,
        privacy_policy_url=tool.privacy_policy_url,
        grade_band=tool.grade_band,
        legal_basis=tool.legal_basis.value,
        vetting_status=tool.vetting_status.value,
        data_categories=[c.category for c in tool.data_categories],
        features=[{"key": f.key, "label": f.label} for f in tool.features],
    )


@bp.get("/tools")
@api.validate(query=ToolsQuery, resp=responses(ToolsPage, 400, 404), tags=["catalog"])
def tools():
    """The district's tool catalog, a page at a time."""
    token = g.integration
    scope_or_404(token, Scope.CATALOG, target="catalog")
    args: ToolsQuery = request.context.query
    after = queries.decode_cursor("tools", args.cursor)
    record_integration(token, "api.catalog")
    page = queries.tools_page(after, args.limit + 1)
    more = len(page) > args.limit
    page = page[: args.limit]
    return ToolsPage(
        tools=[_tool(t) for t in page],
        next_cursor=queries.encode_cursor("tools", page[-1].id) if more else None,
    )


@bp.get("/tools/<int:tool_id>")
@api.validate(resp=responses(ToolOut, 404), tags=["catalog"])
def tool(tool_id: int):
    """One tool of the catalog."""
    token = g.integration
    scope_or_404(token, Scope.CATALOG, target=f"tool:{tool_id}")
    record_integration(token, "api.catalog")
    found = integration_tool_or_404(token, tool_id)
    return _tool(found)


@bp.post("/tools/<int:tool_id>/roster-checks")
@api.validate(form=RosterCheckForm, resp=responses(RosterCheckOut, 400, 404), tags=["enforcement"])
def roster_check(tool_id: int):
    """Check a vendor's roster export for the tool against its exclusion list today.

    Send the export as `multipart/form-data` (`file`, and optionally `vendor`). The token's
    school's students are checked, or the whole district's. A file that cannot be read is
    answered 400 with the reason, and nothing is kept."""
    token = g.integration
    scope_or_404(token, Scope.ROSTER_CHECKS, target=f"roster_checks:{tool_id}")
    tool = integration_tool_or_404(token, tool_id)
    args: RosterCheckForm | None = request.context.form
    upload = request.files.get("file")
    if args is None or upload is None:
        return problem(400, detail="Send the export as multipart/form-data, in a part named file.")
    path = saved_upload(upload)
    try:
        checked = settle(
            check_roster,
            actor=None,
            token=token,
            tool=tool,
            path=path,
            source_name=upload.filename or "api",
            vendor=args.vendor or "",
        )
    finally:
        path.unlink(missing_ok=True)
    if not checked:
        return problem(400, detail=str(checked.error))
    check = checked.value
    return RosterCheckOut(
        id=check.id,
        tool_id=check.tool_id,
        vendor=check.vendor,
        as_of=check.as_of,
        school_id=check.school_id,
        format=check.source_format,
        listed=check.listed,
        excluded=check.excluded,
        still_present=check.still_present,
        not_present=check.not_present,
        requests_told=check.requests_told,
        still_present_by_school=[
            SchoolCount(school_id=school_id, still_present=count)
            for school_id, _name, count in still_present_by_school(check.id)
        ],
    )
