from flask import Blueprint

bp = Blueprint("guidelines", __name__)
