"""Keep emailed tokens out of request logs.

Invitation and password-reset links carry their secret in the path, and the development server
(werkzeug) and gunicorn's access log write every path they serve. Anyone reading the logs could
otherwise take over an account that has not been claimed yet.
"""

import logging
import re

TOKEN_PATH = re.compile(r"(/(?:invitation|password/reset)/)[^\s/?\"]+")
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access")


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = TOKEN_PATH.sub(r"\1[redacted]", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def install() -> None:
    """Idempotent: create_app runs once per app, and tests build many apps."""
    for name in REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
