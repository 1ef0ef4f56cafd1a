"""Project pages: the list, starting a project, one project's page and its diagram."""

from dataclasses import asdict

from flask import flash
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import current_user
from flask_login import login_required

from forms.projects import NewProjectForm
from forms.projects import ProjectFilterForm
from forms.projects import ReassignTaskForm

from ..form_errors import populate_errors
from ..security import role_required
from ..services import gates
from ..services import tasks as task_service
from ..services.errors import InvalidTransition
from ..services.errors import ValidationFailed
from ..services.inbox import list_projects
from ..services.inbox import project_decisions
from ..services.inbox import project_open_tasks
from ..services.inbox import project_timeline
from ..services.projects import STARTER_ROLES
from ..services.projects import get_project
from ..services.projects import open_task_counts
from ..services.projects import project_diagram
from ..services.projects import stage_tracker
from ..services.projects import start_project
from ..services.tasks import SUPERVISOR_ROLES
from ..services.users import list_users
from ..view_helpers import actor
from ..view_helpers import close_condition_from_form
from . import bp
from .helpers import fill_filter_choices
from .helpers import fill_new_project_choices
from .helpers import new_project_command
from .helpers import page_links
from .helpers import project_filter
from .helpers import started_message


@bp.get("/")
@login_required
def index():
    form = ProjectFilterForm(request.args)
    fill_filter_choices(form)
    page = list_projects(current_user, project_filter(form), request.args.get("page", 1, type=int))
    counts = open_task_counts([p.id for p in page.items])
    return render_template(
        "projects/index.html",
        form=form,
        page=page,
        counts=counts,
        links=page_links(page),
        can_start=current_user.has_role(*STARTER_ROLES),
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(*STARTER_ROLES)
def new():
    form = NewProjectForm()
    fill_new_project_choices(form)
    if form.validate_on_submit():
        try:
            project = start_project(new_project_command(form), actor())
        except ValidationFailed as exc:
            populate_errors(form, exc.reasons)
        else:
            flash(started_message(project, project_open_tasks(project.id)), "success")
            return redirect(url_for("projects.show", project_id=project.id))
    return render_template("projects/new.html", form=form), 422 if form.is_submitted() else 200


@bp.get("/<int:project_id>")
@login_required
def show(project_id: int):
    project = get_project(project_id, current_user)
    return render_template(
        "projects/show.html",
        project=project,
        stages=stage_tracker(project),
        tasks=project_open_tasks(project.id),
        decisions=project_decisions(project.id),
        timeline=project_timeline(project.id),
        can_close=lambda condition: gates.can_close(current_user, condition, project),
        reassign_form=_reassign_form() if current_user.has_role(*SUPERVISOR_ROLES) else None,
    )


@bp.post("/<int:project_id>/conditions/<int:condition_id>/close")
@login_required
def close_condition(project_id: int, condition_id: int):
    project = get_project(project_id, current_user)
    close_condition_from_form(gates.project_condition(project.id, condition_id))
    return redirect(url_for("projects.show", project_id=project.id))


@bp.post("/<int:project_id>/tasks/<int:task_id>/reassign")
@role_required(*SUPERVISOR_ROLES)
def reassign(project_id: int, task_id: int):
    project = get_project(project_id, current_user)
    row = task_service.get_task(task_id)
    form = _reassign_form()
    if row.project_id != project.id:
        return redirect(url_for("projects.show", project_id=project.id))
    if form.validate_on_submit():
        try:
            row = task_service.reassign_task(row.id, form.assignee.data, actor())
            flash(f"{row.title} reassigned to {row.assignee.display_name}.", "success")
        except (InvalidTransition, ValidationFailed) as exc:
            flash(exc.message, "warning")
    return redirect(url_for("projects.show", project_id=project.id))


def _reassign_form() -> ReassignTaskForm:
    form = ReassignTaskForm()
    form.assignee.choices = [(u.username, u.display_name) for u in list_users() if u.active]
    return form


@bp.get("/<int:project_id>/diagram")
@login_required
def diagram(project_id: int):
    project = get_project(project_id, current_user)
    return jsonify(asdict(project_diagram(project)))
