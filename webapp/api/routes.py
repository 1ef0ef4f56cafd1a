"""JSON API views: parse the request, call one service, serialize the result.

Who is calling: a bearer token (auth.py). What they may see: the pages' rules (a task or a
project on a project they cannot view is a 404: services.task_page, services.projects). What
they may do: the same services as the web pages (403 not yours, 409 already done, claimed by
someone else or changed meanwhile, 422 invalid). webapp/errors.py answers errors as JSON. The
contract is published by openapi.py.
"""

from flask import jsonify
from flask import url_for

from ..models.project import PROJECT_STATUSES
from ..roles import ROLES
from ..services import api_views
from ..services import gates
from ..services import inbox
from ..services import projects
from ..services import task_page
from ..services import tasks
from ..services.errors import ValidationFailed
from . import bp
from . import params
from . import schemas
from .auth import caller
from .auth import require_token
from .openapi import openapi_document

bp.before_request(require_token)


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.get("/tasks")
def list_tasks():
    args = params.Args()
    which = args.choice("which", api_views.TASK_LISTS) or "all"
    filters = inbox.InboxFilter(
        project_id=args.integer("project_id"),
        stage=args.text("stage"),
        form_key=args.text("form_key"),
    )
    page, per_page = args.paging()
    args.check()
    result = api_views.list_my_tasks(caller(), which, filters, page, per_page)
    return jsonify(schemas.page_body(result, schemas.task_item))


@bp.get("/tasks/<int:task_id>")
def get_task(task_id: int):
    row = task_page.visible_task(task_id, caller())
    task_page.ensure_can_see(row, caller())
    return jsonify(schemas.task_detail(row, caller()))


@bp.post("/tasks/<int:task_id>/claim")
def claim_task(task_id: int):
    task_page.visible_task(task_id, caller())
    row = tasks.claim_task(task_id, caller())
    return jsonify(task=schemas.task_item(row), message=f"{row.title} is assigned to you.")


@bp.post("/tasks/<int:task_id>/release")
def release_task(task_id: int):
    task_page.visible_task(task_id, caller())
    row = tasks.release_task(task_id, caller())
    queue = f"the {ROLES.get(row.role, row.role)} queue" if row.role else "its queue"
    return jsonify(task=schemas.task_item(row), message=f"{row.title} is back in {queue}.")


@bp.post("/tasks/<int:task_id>/reassign")
def reassign_task(task_id: int):
    task_page.visible_task(task_id, caller())
    payload = params.json_object()
    username = payload.get("assignee")
    if not isinstance(username, str) or not username.strip():
        raise ValidationFailed([("assignee", "give the username to assign the task to")])
    row = tasks.reassign_task(task_id, username.strip(), caller())
    return jsonify(task=schemas.task_item(row), message=f"{row.title} reassigned.")


@bp.post("/tasks/<int:task_id>/complete")
def complete_task(task_id: int):
    row = task_page.visible_task(task_id, caller())
    task_page.ensure_can_complete(row, caller())  # claimed away meanwhile: 409, not 403
    completion = tasks.complete_task(task_id, params.json_object(), caller())
    return jsonify(schemas.completion_body(completion))


@bp.get("/projects")
def list_projects():
    args = params.Args()
    pm, sponsor = args.text("pm"), args.text("sponsor")
    filters = inbox.ProjectFilter(
        search=args.text("search"),
        stage=args.text("stage"),
        status=args.choice("status", PROJECT_STATUSES),
        pm_id=api_views.user_id_for(pm, "pm") if pm else None,
        sponsor_id=api_views.user_id_for(sponsor, "sponsor") if sponsor else None,
    )
    page, per_page = args.paging()
    args.check()
    result = inbox.list_projects(caller(), filters, page, per_page)
    return jsonify(schemas.page_body(result, schemas.project_item))


@bp.post("/projects")
def create_project():
    command = params.new_project(params.json_object())
    project = projects.start_project(command, caller())
    location = url_for("api.get_project", project_id=project.id)
    return jsonify(schemas.project_detail(project)), 201, {"Location": location}


@bp.get("/projects/<int:project_id>")
def get_project(project_id: int):
    project = projects.get_project(project_id, caller())
    return jsonify(schemas.project_detail(project))


@bp.post("/projects/<int:project_id>/conditions/<int:condition_id>/close")
def close_condition(project_id: int, condition_id: int):
    project = projects.get_project(project_id, caller())
    condition = gates.project_condition(project.id, condition_id)
    note = params.json_object().get("note")
    if note is not None and (not isinstance(note, str) or len(note) > 500):
        raise ValidationFailed([("note", "a text of at most 500 characters")])
    closed = gates.close_condition(condition.id, caller(), note or None)
    return jsonify(schemas.condition(closed))


@bp.get("/projects/<int:project_id>/documents")
def project_documents(project_id: int):
    projects.get_project(project_id, caller())
    return jsonify(documents=[])  # generated documents arrive with the documents issue
