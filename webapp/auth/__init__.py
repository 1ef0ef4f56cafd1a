from flask import Blueprint

from .limits import init_limiter

bp = Blueprint("auth", __name__)
bp.record_once(lambda state: init_limiter(state.app))

from . import routes  # noqa: E402,F401 - attach the views to the blueprint
