"""Redirect targets that cannot leave the site."""

from urllib.parse import urlsplit


def safe_next(target: str | None, default: str) -> str:
    """Only a local absolute path is accepted: no scheme, no host, no backslash tricks."""
    if not target:
        return default
    target = target.strip()
    if (
        not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(ch) < 32 for ch in target)
    ):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
