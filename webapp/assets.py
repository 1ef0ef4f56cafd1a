"""Serve front-end packages installed by npm (never vendored into git) from NODE_MODULES_DIR.

Only the distribution folders listed below are reachable; anything else in node_modules (build
scripts, package.json files, sources) is 404. If npm has not run yet, every asset is 404 and
pages still render, just unstyled.
"""

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import send_from_directory

ALLOWED_PREFIXES = (
    "bootstrap/dist/",
    "bootstrap-icons/font/",
    "camunda-bpmn-js/dist/",
)
MAX_AGE_SECONDS = 3600

bp = Blueprint("assets", __name__)


@bp.get("/assets/<path:filename>")
def static(filename: str):
    if not filename.startswith(ALLOWED_PREFIXES) or ".." in filename.split("/"):
        abort(404)
    # send_from_directory refuses paths escaping the folder and answers 404 for missing files.
    return send_from_directory(
        current_app.config["NODE_MODULES_DIR"], filename, max_age=MAX_AGE_SECONDS
    )
