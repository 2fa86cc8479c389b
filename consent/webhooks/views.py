"""The privacy office's webhooks: list, register (the secret shown once), rotate the secret,
deactivate after a confirmation, each endpoint's deliveries with their attempts, retry one."""

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from consent.access import (
    allowed_or_404,
    may_manage_webhooks,
    webhook_delivery_or_404,
    webhook_endpoint_or_404,
)
from consent.accounts.models import Role
from consent.core import transaction
from consent.core.gates import roles_required
from consent.core.urls import bounded_int
from consent.extensions import db
from consent.integrations.queries import school_choices
from consent.webhooks import signing
from consent.webhooks.forms import (
    EVENT_LABELS,
    STATUS_LABELS,
    DeactivateForm,
    NewEndpointForm,
    RetryForm,
    RotateForm,
)
from consent.webhooks.models import WebhookEvent
from consent.webhooks.operations import (
    deactivate_endpoint,
    register_endpoint,
    retry_now,
    rotate_secret,
    secret_still_shown,
)
from consent.webhooks.queries import attempts_of, delivery_list, endpoint_list

bp = Blueprint("webhooks", __name__)

PAGE_SIZE = 25
DISTRICT = "district"


def _gate() -> None:
    allowed_or_404(current_user, may_manage_webhooks, target="webhooks")


def _page_size() -> int:
    return current_app.config.get("WEBHOOKS_PAGE_SIZE", PAGE_SIZE)


def _shown_once(endpoint, secret: str, *, rotated: bool):
    """The secret's page; kept by no cache or browser history."""
    response = make_response(
        render_template(
            "webhooks/shown_once.html",
            endpoint=endpoint,
            secret=secret,
            rotated=rotated,
            event_labels=EVENT_LABELS,
            headers=(signing.ID_HEADER, signing.TIMESTAMP_HEADER, signing.SIGNATURE_HEADER),
        )
    )
    # The secret exists only in this answer: never kept by a cache or the browser.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/integrations/webhooks")
@roles_required(Role.PRIVACY_OFFICER)
def endpoints():
    _gate()
    page = db.paginate(
        endpoint_list(),
        page=request.args.get("page", 1, type=bounded_int),
        per_page=_page_size(),
        error_out=False,
    )
    return render_template("webhooks/list.html", page=page)


@bp.route("/integrations/webhooks/new", methods=["GET", "POST"])
@roles_required(Role.PRIVACY_OFFICER)
def new():
    _gate()
    form = NewEndpointForm()
    form.school.choices = [SelectChoice(DISTRICT, _("The whole district"))] + [
        SelectChoice(str(school_id), name) for school_id, name in school_choices()
    ]
    if form.validate_on_submit():
        school = form.school.data
        outcome = transaction.run(
            register_endpoint,
            show_on=form,
            name=form.name.data,
            url=form.url.data,
            events=form.events.data,
            school_id=None if school in (DISTRICT, None, "") else int(school),
        )
        if outcome:
            return redirect(url_for("webhooks.secret", endpoint_id=outcome.value.endpoint.id))
    return render_template("webhooks/new.html", form=form)


@bp.get("/integrations/webhooks/<int:endpoint_id>")
@roles_required(Role.PRIVACY_OFFICER)
def detail(endpoint_id: int):
    endpoint = webhook_endpoint_or_404(current_user, endpoint_id)
    page = db.paginate(
        delivery_list(endpoint.id),
        page=request.args.get("page", 1, type=bounded_int),
        per_page=_page_size(),
        error_out=False,
    )
    return render_template(
        "webhooks/detail.html",
        endpoint=endpoint,
        events=[EVENT_LABELS[kind] for kind in WebhookEvent if kind in endpoint.event_set],
        page=page,
        attempts=attempts_of([delivery.id for delivery in page.items]),
        status_labels=STATUS_LABELS,
    )


@bp.route("/integrations/webhooks/<int:endpoint_id>/secret", methods=["GET", "POST"])
@roles_required(Role.PRIVACY_OFFICER)
def rotate(endpoint_id: int):
    """A confirmation step, then a new secret, shown once; the old one stops signing at once."""
    endpoint = webhook_endpoint_or_404(current_user, endpoint_id)
    form = RotateForm()
    if form.validate_on_submit():
        outcome = transaction.run(rotate_secret, endpoint=endpoint)
        if outcome:
            return redirect(url_for("webhooks.secret", endpoint_id=endpoint_id))
        return redirect(url_for("webhooks.detail", endpoint_id=endpoint_id))
    return render_template("webhooks/rotate.html", endpoint=endpoint, form=form)


@bp.get("/integrations/webhooks/<int:endpoint_id>/secret/new")
@roles_required(Role.PRIVACY_OFFICER)
def secret(endpoint_id: int):
    """Where registering and rotating lead (Post/Redirect/Get): the new secret, for a while."""
    endpoint = webhook_endpoint_or_404(current_user, endpoint_id)
    if not secret_still_shown(endpoint):
        flash(_("The secret is no longer shown. If it is lost, make a new one."))
        return redirect(url_for("webhooks.detail", endpoint_id=endpoint.id))
    return _shown_once(endpoint, endpoint.secret, rotated=endpoint.secret_rotated_at is not None)


@bp.route("/integrations/webhooks/<int:endpoint_id>/deactivate", methods=["GET", "POST"])
@roles_required(Role.PRIVACY_OFFICER)
def deactivate(endpoint_id: int):
    """A confirmation step, then nothing more is sent to it."""
    endpoint = webhook_endpoint_or_404(current_user, endpoint_id)
    form = DeactivateForm()
    if form.validate_on_submit():
        if transaction.run(deactivate_endpoint, endpoint=endpoint):
            flash(_("The webhook is deactivated: nothing more is sent to it."))
        return redirect(url_for("webhooks.detail", endpoint_id=endpoint_id))
    return render_template("webhooks/deactivate.html", endpoint=endpoint, form=form)


@bp.post("/integrations/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/retry")
@roles_required(Role.PRIVACY_OFFICER)
def retry(endpoint_id: int, delivery_id: int):
    endpoint = webhook_endpoint_or_404(current_user, endpoint_id)
    delivery = webhook_delivery_or_404(current_user, endpoint, delivery_id)
    form = RetryForm()
    if form.validate_on_submit() and transaction.run(retry_now, delivery=delivery):
        flash(_("The delivery will be sent again in a moment."))
    return redirect(url_for("webhooks.detail", endpoint_id=endpoint_id))
