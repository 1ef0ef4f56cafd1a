"""Rows to JSON-ready dicts, one function per shape in the OpenAPI description (openapi.py).

People appear as usernames (what the API accepts as input), datetimes as ISO 8601 with offset,
dates as ISO dates, money as numbers.
"""

from flask import url_for

from forms import field_schema
from forms.common import is_data_field

from ..models.types import utcnow
from ..services import api_views
from ..services.inbox import is_overdue
from ..services.inbox import project_decisions
from ..services.inbox import project_open_tasks
from ..services.inbox import project_timeline
from ..services.tasks import form_class_for


def _iso(value):
    return value.isoformat() if value is not None else None


def _username(user):
    return user.username if user is not None else None


def page_body(page, serialize) -> dict:
    return {
        "items": [serialize(item) for item in page.items],
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "pages": page.pages,
    }


def task_item(row, now=None) -> dict:
    now = now or utcnow()
    return {
        "id": row.id,
        "title": row.title,
        "task_name": row.task_name,
        "gate": row.gate,
        "project_id": row.project_id,
        "project_code": row.project.code,
        "stage": row.stage,
        "form_key": row.form_key,
        "status": row.status,
        "assignee": _username(row.assignee),
        "role": row.role,
        "due_at": _iso(row.due_at),
        "overdue": row.is_open and is_overdue(row, now),
        "created_at": _iso(row.created_at),
        "url": url_for("api.get_task", task_id=row.id),
    }


def task_detail(row, user) -> dict:
    access = api_views.task_access(row, user)
    return {
        **task_item(row),
        "project_name": row.project.name,
        "completed_at": _iso(row.completed_at),
        "completed_by": _username(row.completed_by),
        "can_complete": access.can_complete,
        "can_claim": access.can_claim,
        "can_release": access.can_release,
        "fields": task_fields(row),
    }


def task_fields(row) -> list[dict]:
    """The task form's field schema, with values from this task's workflow data."""
    form_cls = form_class_for(row)
    blank = form_cls(formdata=None, meta={"csrf": False})
    names = [field.name for field in blank if is_data_field(field)]
    prefill = api_views.task_prefill(row, names)
    if not prefill:
        return field_schema(blank)
    # `data=`, not formdata: values the workflow lacks keep the form's defaults.
    return field_schema(form_cls(formdata=None, data=prefill, meta={"csrf": False}))


def completion_body(completion) -> dict:
    now = utcnow()
    return {
        "task": task_item(completion.task, now),
        "next_tasks": [task_item(row, now) for row in completion.next_tasks],
        "message": completion.message,
    }


def project_item(project) -> dict:
    return {
        "id": project.id,
        "code": project.code,
        "name": project.name,
        "stage": project.stage,
        "status": project.status,
        "lifecycle": project.lifecycle,
        "pm": _username(project.pm),
        "sponsor": _username(project.sponsor),
        "budget": float(project.budget) if project.budget is not None else None,
        "start_date": _iso(project.start_date),
        "end_date": _iso(project.end_date),
        "created_at": _iso(project.created_at),
        "url": url_for("api.get_project", project_id=project.id),
    }


def project_detail(project) -> dict:
    now = utcnow()
    return {
        **project_item(project),
        "description": project.description,
        "decisions": [decision(d) for d in project_decisions(project.id)],
        "open_tasks": [task_item(row, now) for row in project_open_tasks(project.id)],
        "audit": [audit_event(e) for e in project_timeline(project.id)],
    }


def decision(row) -> dict:
    return {
        "id": row.id,
        "gate_key": row.gate_key,
        "gate_title": row.gate_title,
        "decision": row.decision,
        "rationale": row.rationale,
        "score_total": row.score_total,
        "escalated": row.escalated,
        "decided_by": _username(row.decided_by),
        "decided_at": _iso(row.decided_at),
        "conditions": [condition(c) for c in row.conditions],
    }


def condition(row) -> dict:
    return {
        "id": row.id,
        "description": row.description,
        "owner": _username(row.owner),
        "due_date": _iso(row.due_date),
        "status": row.status,
    }


def audit_event(row) -> dict:
    return {
        "at": _iso(row.at),
        "actor": _username(row.actor),
        "action": row.action,
        "summary": row.summary,
    }
