"""The task page: project context, the task's form, and completing it (STYLE §7)."""

import logging

from flask import flash
from flask import redirect
from flask import render_template
from flask import url_for
from flask_login import current_user
from flask_login import login_required

from ..engine.errors import EngineError
from ..extensions import db
from ..form_errors import populate_errors
from ..models.types import utcnow
from ..services import gates
from ..services import task_page
from ..services import tasks
from ..services.errors import InvalidTransition
from ..services.errors import ValidationFailed
from ..view_helpers import actor
from ..view_helpers import close_condition_from_form
from . import bp
from .prefill import pad_entries
from .prefill import prefill_form

log = logging.getLogger(__name__)

CONFLICT = (
    "Someone else completed or claimed this task while you were working on it, so "
    "nothing was saved. Your input is kept below: copy what you need."
)


@bp.get("/tasks/<int:task_id>")
@login_required
def task(task_id: int):
    row = task_page.visible_task(task_id, current_user)
    task_page.ensure_can_complete(row, current_user)
    context = task_page.task_context(row, current_user)
    form = prefill_form(tasks.form_class_for(row)(), context.prefill)
    return _page(context, form)


@bp.post("/tasks/<int:task_id>")
@login_required
def complete(task_id: int):
    row = task_page.visible_task(task_id, current_user)
    form = tasks.form_class_for(row)()
    try:
        task_page.ensure_can_complete(row, current_user)
        if not form.validate_on_submit():
            return _page(_context_for_resubmit(row), form, 422)
        completion = tasks.complete_task(row.id, form.to_data(), actor())
    except ValidationFailed as exc:
        populate_errors(form, exc.reasons)
        return _page(_context_for_resubmit(row), form, 422)
    except InvalidTransition as exc:  # ConcurrentUpdate included: done or claimed meanwhile
        return _page(_context_for_resubmit(row), form, 409, conflict=exc.message)
    except EngineError as exc:  # the BPMN failed after this step: nothing saved, input kept
        db.session.rollback()
        log.error("task %s: workflow failed at %s: %s", row.id, exc.task_name, exc)
        message = (
            f"The workflow could not continue after this step ({exc}). Nothing was "
            "saved and your input is kept below; please tell the PMO."
        )
        return _page(_context_for_resubmit(row), form, 500, failure=message)
    flash(completion.message, "success")
    return redirect(url_for("inbox.index"))


@bp.post("/tasks/<int:task_id>/conditions/<int:condition_id>/close")
@login_required
def close_condition(task_id: int, condition_id: int):
    row = task_page.visible_task(task_id, current_user)
    close_condition_from_form(task_page.condition_on_task(row, condition_id))
    return redirect(url_for("inbox.task", task_id=row.id))


def _context_for_resubmit(row):
    """Around a re-rendered submission: the form keeps what was typed; no workflow prefill."""
    return task_page.task_context(row, current_user, prefill=False)


def _page(
    context, form, status: int = 200, conflict: str | None = None, failure: str | None = None
):
    scorecard = None
    if context.task.form_key == "gate_decision":
        pad_entries(form, "conditions")
        scorecard = task_page.scorecard(form.data)
    return render_template(
        "inbox/task.html",
        ctx=context,
        form=form,
        scorecard=scorecard,
        conflict=conflict and f"{CONFLICT} ({conflict})",
        failure=failure,
        decision_labels=gates.DECISION_LABELS,
        today=utcnow().date(),
    ), status
