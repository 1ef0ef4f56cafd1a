"""Parse query strings and JSON bodies into service arguments; problems become one 422.

Every problem is collected per field and raised together as ValidationFailed, which
webapp/errors.py turns into `{"error": "invalid", "message": ..., "fields": {...}}`.
"""

from datetime import date
from decimal import Decimal
from decimal import InvalidOperation

from flask import request

from ..services.errors import ValidationFailed
from ..services.inbox import MAX_PAGE
from ..services.projects import NewProject

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 25
MAX_BUDGET = Decimal("1e12")  # project.budget is NUMERIC(14, 2)

PROJECT_FIELDS = {
    "code": "string",
    "name": "string",
    "pm": "string",
    "sponsor": "string",
    "budget": "amount",
    "start_date": "date",
    "end_date": "date",
    "description": "string",
    "lifecycle": "string",
}
REQUIRED_PROJECT_FIELDS = ("code", "name", "pm", "sponsor")


class Args:
    """Query-string reader that collects problems instead of failing on the first."""

    def __init__(self):
        self.problems: list[tuple[str, str]] = []

    def text(self, name: str) -> str | None:
        value = (request.args.get(name) or "").strip()
        return value or None

    def choice(self, name: str, allowed) -> str | None:
        value = self.text(name)
        if value is not None and value not in allowed:
            self.problems.append((name, f"use one of: {', '.join(allowed)}"))
            return None
        return value

    def integer(self, name: str, default=None, minimum=1, maximum=None) -> int | None:
        raw = (request.args.get(name) or "").strip()
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            self.problems.append((name, "must be a whole number"))
            return default
        if value < minimum or (maximum is not None and value > maximum):
            bounds = (
                f"between {minimum} and {maximum}" if maximum is not None else f"{minimum} or more"
            )
            self.problems.append((name, f"must be {bounds}"))
            return default
        return value

    def paging(self) -> tuple[int, int]:
        page = self.integer("page", 1, maximum=MAX_PAGE)
        per_page = self.integer("per_page", DEFAULT_PER_PAGE, maximum=MAX_PER_PAGE)
        return page, per_page

    def check(self) -> None:
        if self.problems:
            raise ValidationFailed(self.problems)


def json_object() -> dict:
    """The request body as a JSON object (an empty body counts as `{}`)."""
    if not request.get_data(cache=True):
        return {}
    payload = request.get_json(silent=True, force=True)
    if not isinstance(payload, dict):
        raise ValidationFailed([("body", "send a JSON object (Content-Type: application/json)")])
    return payload


def new_project(payload: dict) -> NewProject:
    """A NewProject command from a JSON object; types and unknown keys are checked here,
    the rules (unique code, known people, dates in order, lifecycle) by the service."""
    problems = [(key, "unknown field") for key in payload if key not in PROJECT_FIELDS]
    problems += [
        (key, "is required") for key in REQUIRED_PROJECT_FIELDS if payload.get(key) in (None, "")
    ]
    values = {}
    for key, kind in PROJECT_FIELDS.items():
        raw = payload.get(key)
        if raw is None or raw == "":
            continue
        try:
            values[key] = _CONVERT[kind](raw)
        except ValueError as exc:
            problems.append((key, str(exc)))
    if problems:
        raise ValidationFailed(problems)
    return NewProject(**{key: values.get(key) for key in PROJECT_FIELDS})


def _string(raw) -> str:
    if not isinstance(raw, str):
        raise ValueError("must be a string")
    return raw


def _date(raw) -> date:
    if not isinstance(raw, str):
        raise ValueError("must be an ISO date string (YYYY-MM-DD)")
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise ValueError("must be an ISO date (YYYY-MM-DD)") from None


def _amount(raw) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise ValueError("must be a number")
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValueError("must be a number") from None
    if not value.is_finite():
        raise ValueError("must be a finite number")
    if abs(value) >= MAX_BUDGET:
        raise ValueError("is too large")
    if value != value.quantize(Decimal("0.01")):
        raise ValueError("has more than two decimal places")
    return value


_CONVERT = {"string": _string, "date": _date, "amount": _amount}
