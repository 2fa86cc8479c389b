from flask import Blueprint, abort, render_template
from flask_login import login_required

from consent.catalog.models import Tool
from consent.extensions import db

bp = Blueprint("catalog", __name__)


@bp.get("/tools/<int:tool_id>")
@login_required
def tool(tool_id: int):
    """The full catalog entry; it holds no student data, so any signed-in person may read it."""
    tool = db.session.get(Tool, tool_id)
    if tool is None:
        abort(404)
    return render_template("catalog/tool.html", tool=tool)
