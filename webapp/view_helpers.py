"""Small helpers shared by the HTML blueprints."""

from flask import flash
from flask_login import current_user

from forms.projects import CloseConditionForm

from .services import gates
from .services.errors import InvalidTransition


def actor():
    """The logged-in User itself, not the `current_user` proxy: services may keep a reference
    (e.g. `row.assignee = actor`), and a proxy would later resolve to whoever is logged in."""
    return current_user._get_current_object()


def close_condition_from_form(condition) -> None:
    """The close-condition POST of the task and project pages: validate, close, flash."""
    form = CloseConditionForm()
    if not form.validate_on_submit():
        return
    try:
        gates.close_condition(condition.id, actor(), form.note.data or None)
        flash(f"Condition closed: {condition.description}", "success")
    except InvalidTransition as exc:
        flash(exc.message, "warning")
