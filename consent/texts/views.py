"""The privacy office's translation pages: a tool's texts, a form's texts, and what is
still missing per language."""

from functools import partial

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from consent.access import allowed_or_404, may_translate_texts, staff_form_or_404, tool_or_404
from consent.accounts.models import Role
from consent.catalog import operations as catalog
from consent.consentforms import operations as consentforms
from consent.core.gates import roles_required
from consent.core.i18n import language_name
from consent.core.pagination import ListPage
from consent.core.transaction import run
from consent.core.urls import bounded_int
from consent.texts.forms import translation_form
from consent.texts.operations import translatable_languages
from consent.texts.queries import form_entries, missing_page, owner_names, tool_entries

bp = Blueprint("texts", __name__)


def _offered_or_404(language: str) -> str:
    """A language the district offers other than its default; any other answers 404."""
    if language not in translatable_languages():
        abort(404)
    return language


def _translation_page(entries, language: str, save, *, heading: str, back: tuple, switch):
    """One owner's texts in one language, all saved at once by `save(values)` (an operation run
    through the one transaction path), or the page again with the form's errors."""
    form = translation_form(entries)
    values = {entry.key: form[entry.key].data or "" for entry in entries}
    if form.validate_on_submit() and run(save, show_on=form, language=language, values=values):
        flash(_("Saved the %(language)s texts.", language=language_name(language)), "success")
        return redirect(switch(language))
    return render_template(
        "texts/translate.html",
        form=form,
        entries=entries,
        language=language,
        heading=heading,
        back=back,
        switch=switch,
    )


@bp.route("/tools/<int:tool_id>/translations/<language>", methods=["GET", "POST"])
@roles_required(Role.PRIVACY_OFFICER)
def tool(tool_id: int, language: str):
    """The tool's purpose, notes, features and choices in one language, all saved at once."""
    allowed_or_404(current_user, may_translate_texts, target=f"tool:{tool_id}:translations")
    tool = tool_or_404(current_user, tool_id)
    language = _offered_or_404(language)
    return _translation_page(
        tool_entries(tool, language),
        language,
        partial(catalog.translate_tool, tool=tool),
        heading=_("%(tool)s in %(language)s", tool=tool.name, language=language_name(language)),
        back=(url_for("catalog.tool", tool_id=tool.id), _("Back to %(tool)s", tool=tool.name)),
        switch=lambda code: url_for("texts.tool", tool_id=tool.id, language=code),
    )


@bp.route("/consent-forms/<int:form_id>/translations/<language>", methods=["GET", "POST"])
@roles_required(Role.PRIVACY_OFFICER)
def form(form_id: int, language: str):
    """A consent form's title and latest text in one language."""
    allowed_or_404(current_user, may_translate_texts, target=f"consentform:{form_id}:translations")
    consent_form = staff_form_or_404(current_user, form_id)
    language = _offered_or_404(language)
    return _translation_page(
        form_entries(consent_form, language),
        language,
        partial(consentforms.translate_form, form=consent_form),
        heading=_(
            "%(title)s in %(language)s", title=consent_form.title, language=language_name(language)
        ),
        back=(
            url_for("consentforms.detail", form_id=consent_form.id),
            _("Back to %(title)s", title=consent_form.title),
        ),
        switch=lambda code: url_for("texts.form", form_id=consent_form.id, language=code),
    )


@bp.get("/translations")
@roles_required(Role.PRIVACY_OFFICER)
def missing():
    """Per language, every tool and form text families would read in English, with a link to
    the page where it is translated."""
    allowed_or_404(current_user, may_translate_texts, target="translations")
    languages = translatable_languages()
    if not languages:
        return render_template("texts/missing.html", languages=[], language=None, page=None)
    language = request.args.get("language") or languages[0]
    if language not in languages:
        abort(404)
    number = request.args.get("page", 1, type=bounded_int)
    per_page = current_app.config["PAGE_SIZE"]
    total, rows = missing_page(language, page=number, per_page=per_page)
    return render_template(
        "texts/missing.html",
        languages=languages,
        language=language,
        page=ListPage(page=number, per_page=per_page, total=total, items=rows),
        names=owner_names(rows),
        part_label=part_label,
    )


PART_LABELS = {
    "purpose": _l("What it is for"),
    "category": _l("What it collects"),
    "feature": _l("Feature"),
    "option": _l("Opt-out choice"),
    "title": _l("Form title"),
    "text": _l("Text families read"),
}


def part_label(part: str) -> str:
    return str(PART_LABELS.get(part, part))
