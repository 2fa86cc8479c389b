"""RFC 9457 problem details: how the API (consent.api) answers an error, in JSON."""

import json

from flask import Response, g, request
from werkzeug.http import HTTP_STATUS_CODES

API_PREFIX = "/api/"
PROBLEM_JSON = "application/problem+json"


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def problem(status: int, *, detail: str | None = None, **extra) -> Response:
    """`{"type": "about:blank", "title", "status", ["detail"], "instance"}`; the title is the
    status's own phrase (RFC 9457 4.2.1), the instance the request's id to quote."""
    body = {
        "type": "about:blank",
        "title": HTTP_STATUS_CODES.get(status, "Error"),
        "status": status,
        **({"detail": detail} if detail else {}),
        "instance": f"urn:request:{getattr(g, 'request_id', '')}",
        **extra,
    }
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response
