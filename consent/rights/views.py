from flask import Blueprint, render_template

bp = Blueprint("rights", __name__)


@bp.get("/rights")
def rights():
    """Public: the annual notice of rights (34 CFR 99.7) must reach every family."""
    return render_template("rights/rights.html")
