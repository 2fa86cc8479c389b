"""The privacy office's rollover page: the year-end rule (for all tools and per tool), a
preview of what rolling the year over would do, and the confirm button. Nothing changes on the
preview; the confirm posts with its CSRF token."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from consent.access import allowed_or_404, may_roll_over, tool_or_404
from consent.catalog.models import Tool
from consent.core import clock
from consent.core.transaction import run
from consent.extensions import db
from consent.rollover.forms import (
    ACTION_LABELS,
    DISTRICT,
    DistrictRuleForm,
    RolloverForm,
    ToolRuleForm,
)
from consent.rollover.models import DEFAULT_ACTION, ToolYearEndRule, YearEndAction
from consent.rollover.operations import (
    current_rules,
    plan_rollover,
    roll_over,
    set_district_rule,
    set_tool_rule,
)
from consent.rollover.rules import closable_years

bp = Blueprint("rollover", __name__)


def _gate() -> None:
    allowed_or_404(current_user, may_roll_over, target="rollover")


def _chosen_year(value: str | None) -> str:
    """This school year unless the office chose the last one (after 1 August)."""
    years = closable_years(clock.today())
    return value if value in years else years[0]


def _tool_choices():
    """Every tool's id and name, in one read: the select names them, nothing more."""
    return db.session.execute(select(Tool.id, Tool.name).order_by(Tool.name, Tool.id)).all()


def _page(*, year: str, district_form=None, tool_form=None, rollover_form=None, status=200):
    district, _per_tool = current_rules()
    district_form = district_form or DistrictRuleForm(
        formdata=None, action=(district or DEFAULT_ACTION).value
    )
    tools = _tool_choices()
    tool_form = (tool_form or ToolRuleForm(formdata=None)).for_tools(tools)
    rules = db.session.execute(
        select(Tool.name, ToolYearEndRule.action)
        .join(Tool, Tool.id == ToolYearEndRule.tool_id)
        .order_by(Tool.name, Tool.id)
    ).all()
    rollover_form = rollover_form or RolloverForm(formdata=None, year=year)
    return (
        render_template(
            "rollover/index.html",
            plan=plan_rollover(year),
            years=closable_years(clock.today()),
            district=district or DEFAULT_ACTION,
            district_is_default=district is None,
            rules=rules,
            labels=ACTION_LABELS,
            district_form=district_form,
            tool_form=tool_form,
            rollover_form=rollover_form,
        ),
        status,
    )


@bp.get("/rollover")
@login_required
def index():
    """The preview: counts of what the rollover would do. Reading it changes nothing."""
    _gate()
    return _page(year=_chosen_year(request.args.get("year")))


@bp.post("/rollover")
@login_required
def confirm():
    """The review step's confirm button: roll the chosen year over, once."""
    _gate()
    form = RolloverForm()
    year = _chosen_year(form.year.data)
    if form.validate_on_submit():
        done = run(roll_over, school_year=year)
        if done:
            flash(
                _(
                    "The %(year)s school year is rolled over. Opt-outs carried over: "
                    "%(carried)s; ended: %(ended)s. Forms copied as drafts: %(forms)s. "
                    "Guardians told: %(told)s.",
                    year=year,
                    carried=done.value.carried,
                    ended=done.value.ended,
                    forms=done.value.forms_copied,
                    told=done.value.guardians_told,
                ),
                "success",
            )
        return redirect(url_for("rollover.index", year=year))
    return _page(year=year, rollover_form=form, status=400)


@bp.post("/rollover/rule")
@login_required
def district_rule():
    """The rule for every tool without one of its own."""
    _gate()
    form = DistrictRuleForm()
    if form.validate_on_submit():
        saved = run(set_district_rule, show_on=form.action, action=YearEndAction(form.action.data))
        if saved:
            flash(_("The rule for all tools is saved."), "success")
            return redirect(url_for("rollover.index"))
    return _page(year=_chosen_year(None), district_form=form, status=400)


@bp.post("/rollover/tools")
@login_required
def tool_rule():
    """One tool's own rule, or back to the rule for all tools."""
    _gate()
    form = ToolRuleForm().for_tools(_tool_choices())
    if form.validate_on_submit():
        tool = tool_or_404(current_user, form.tool.data)
        action = None if form.action.data == DISTRICT else YearEndAction(form.action.data)
        saved = run(set_tool_rule, show_on=form.tool, tool=tool, action=action)
        if saved:
            flash(_("The rule for %(tool)s is saved.", tool=tool.name), "success")
            return redirect(url_for("rollover.index"))
    return _page(year=_chosen_year(None), tool_form=form, status=400)
