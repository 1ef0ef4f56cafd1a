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

from ..form_errors import populate_errors
from ..security import role_required
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
from . import bp
from .helpers import fill_filter_choices
from .helpers import fill_new_project_choices
from .helpers import new_project_command
from .helpers import page_links
from .helpers import project_filter
from .helpers import started_message
from .helpers import task_holder


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
            project = start_project(new_project_command(form), current_user)
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
        holder=task_holder,
    )


@bp.get("/<int:project_id>/diagram")
@login_required
def diagram(project_id: int):
    project = get_project(project_id, current_user)
    return jsonify(asdict(project_diagram(project)))
