"""What every page's navigation needs (inbox counts), and small display filters. App-wide."""

from datetime import datetime

from flask import current_app
from flask import has_request_context
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from ..models.types import utcnow
from ..roles import ROLES
from ..services import inbox
from . import bp


@bp.app_context_processor
def navigation() -> dict:
    return {
        "nav_counts": _counts(),
        "endpoint_exists": lambda endpoint: endpoint in current_app.view_functions,
        "role_names": ROLES,
    }


def _counts() -> dict | None:
    if not has_request_context() or not current_user.is_authenticated:
        return None
    try:
        return inbox.inbox_counts(current_user)
    except SQLAlchemyError:  # an error page must still render when the database is the error
        return None


@bp.app_template_filter("age")
def age(moment: datetime | None, now: datetime | None = None) -> str:
    """How long ago, coarsely: '5 min', '3 h', '2 d'."""
    if moment is None:
        return ""
    seconds = max(0, int(((now or utcnow()) - moment).total_seconds()))
    if seconds < 60:
        return "just now"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return "just now"


@bp.app_template_filter("day")
def day(moment) -> str:
    """A date (or datetime) as '5 Mar 2026'."""
    if moment is None:
        return ""
    return f"{moment.day} {moment:%b %Y}"


@bp.app_template_filter("overdue")
def overdue(task) -> bool:
    return inbox.is_overdue(task, utcnow())


@bp.app_template_filter("money")
def money(amount) -> str:
    return "" if amount is None else f"{amount:,.2f}"
