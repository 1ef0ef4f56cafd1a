"""The inbox: my tasks and my queues, with filters and pages; claim and release buttons."""

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from flask_login import login_required

from forms import EmptyForm

from ..services import inbox
from ..services import tasks
from ..services.errors import InvalidTransition
from ..services.inbox_filters import filter_options
from ..services.task_page import visible_task
from ..view_helpers import actor
from . import bp
from .forms import InboxFilterForm

TABS = {"assigned": "Assigned to me", "queues": "My queues"}


@bp.get("/")
@login_required
def index():
    tab = request.args.get("tab") if request.args.get("tab") in TABS else "assigned"
    filters = InboxFilterForm(request.args)
    filters.set_choices(filter_options(current_user, tab))
    page = inbox.list_inbox(
        current_user, tab, filters.to_filter(), page=request.args.get("page", 1, type=int)
    )
    return render_template("inbox/index.html", tab=tab, tabs=TABS, page=page, filters=filters)


@bp.post("/tasks/<int:task_id>/claim")
@login_required
def claim(task_id: int):
    row = visible_task(task_id, current_user)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        tasks.claim_task(row.id, actor())
    except InvalidTransition as exc:
        flash(f"Could not claim it: {exc.message}", "warning")
        return redirect(url_for("inbox.index", tab="queues"))
    flash(f"You claimed “{row.title}”: it is in your tasks now.", "success")
    return redirect(url_for("inbox.task", task_id=row.id))


@bp.post("/tasks/<int:task_id>/release")
@login_required
def release(task_id: int):
    row = visible_task(task_id, current_user)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        tasks.release_task(row.id, actor())
    except InvalidTransition as exc:
        flash(f"Could not release it: {exc.message}", "warning")
    else:
        flash(f"“{row.title}” is back in the {row.holder_label}.", "success")
    return redirect(url_for("inbox.index"))
