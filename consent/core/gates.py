"""Coarse gates: signed in, and the right role for this URL. The fine gate is consent.access."""

from functools import wraps

from flask import abort, request
from flask_login import current_user, login_required

from consent.accounts.models import Role
from consent.audit.operations import record_denied


def roles_required(*roles: Role):
    """Signed in with one of `roles`; other roles get a 404, like a page that is not there.

    The refusal is audited like a refused record: a role probing another role's pages is worth
    knowing about.
    """

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                record_denied(current_user, target=f"route:{request.endpoint}")
                abort(404)
            return view(*args, **kwargs)

        return wrapped

    return decorator


STAFF = (Role.TEACHER, Role.PRINCIPAL, Role.PRIVACY_OFFICER)
SCHOOL_LEADS = (Role.PRINCIPAL, Role.PRIVACY_OFFICER)
