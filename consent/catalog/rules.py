"""The catalog's plain rules: what counts as a web address a family can follow. The tool form
and the vetting request form both use it, so "quizlet.com" means the same on either."""

import re
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from consent.core.errors import DomainError

HOST_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}$"
)
ADDRESS_MAX = 2048


class WebAddressError(DomainError):
    """Not a web address on a named host."""


def clean_web_address(value: str) -> str:
    """A website address as people type it ("seesaw.me") made whole ("https://seesaw.me");
    anything that is not an http(s) address on a named host is refused."""
    value = (value or "").strip()
    if not value or any(ch.isspace() for ch in value) or len(value) > ADDRESS_MAX:
        raise WebAddressError(_l("Enter a web address such as https://www.example.com."))
    if "://" not in value:
        value = "https://" + value
    try:
        parts = urlsplit(value)
        host = (parts.hostname or "").encode("idna").decode("ascii")
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except (ValueError, UnicodeError):
        host = ""
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not HOST_RE.match(host):
        raise WebAddressError(_l("Enter a web address such as https://www.example.com."))
    return value
