from flask import Blueprint

bp = Blueprint("inbox", __name__)

from . import nav  # noqa: E402,F401 - navbar counts and template filters, app-wide
from . import routes  # noqa: E402,F401 - attach the views to the blueprint
from . import task_routes  # noqa: E402,F401
