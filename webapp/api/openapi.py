"""The OpenAPI 3.1 description of /api/v1, written by hand next to the views it describes.

tests/web/test_api.py checks that every registered /api/v1 rule and method appears here.
"""

from ..models.project import PROJECT_STATUSES
from ..services.api_views import TASK_LISTS
from .params import DEFAULT_PER_PAGE
from .params import MAX_PER_PAGE


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(kind: str, **extra) -> dict:
    return {"type": [kind, "null"], **extra}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERROR_RESPONSES = {
    401: "Missing, unknown or revoked bearer token.",
    403: "Not permitted for this user (e.g. someone else's task).",
    404: "No such object, or one the caller may not see.",
    409: "Already completed, claimed by someone else, or changed concurrently.",
    422: "Invalid input; `fields` maps each field to its messages.",
}


def _errors(*statuses: int) -> dict:
    return {str(s): {"$ref": f"#/components/responses/{s}"} for s in statuses}


def _path_id(name: str, what: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": f"Id of the {what}.",
        "schema": {"type": "integer"},
    }


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


PAGING = [
    _query("page", "Page number, from 1.", {"type": "integer", "minimum": 1, "default": 1}),
    _query(
        "per_page",
        "Items per page.",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
    ),
]


def _page(item: str) -> dict:
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total", "pages"],
        "properties": {
            "items": {"type": "array", "items": _ref(item)},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer", "description": "Items across all pages."},
            "pages": {"type": "integer"},
        },
    }


def _object(properties: dict, required=None) -> dict:
    return {"type": "object", "required": list(required or properties), "properties": properties}


DATETIME = _nullable("string", format="date-time")
DATE = _nullable("string", format="date")
USERNAME = _nullable("string", description="Username.")

SCHEMAS = {
    "Error": _object(
        {
            "error": {
                "type": "string",
                "description": "Machine-readable code, e.g. unauthorized, "
                "forbidden, not_found, conflict, invalid_transition, invalid.",
            },
            "message": {"type": "string"},
            "fields": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
                "description": "Per-field messages (422 only). Nested list fields are named "
                "like `conditions-0-owner`; `body` is the request body as a whole.",
            },
        },
        required=["error", "message"],
    ),
    "Task": _object(
        {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "task_name": {"type": "string", "description": "BPMN element id."},
            "gate": _nullable("string"),
            "project_id": {"type": "integer"},
            "project_code": {"type": "string"},
            "stage": _nullable("string"),
            "form_key": _nullable("string"),
            "status": {"type": "string", "enum": ["open", "completed", "cancelled"]},
            "assignee": USERNAME,
            "role": _nullable("string", description="Queue role the task was offered to."),
            "due_at": DATETIME,
            "overdue": {"type": "boolean"},
            "created_at": {"type": "string", "format": "date-time"},
            "url": {"type": "string"},
        }
    ),
    "FormField": _object(
        {
            "name": {"type": "string"},
            "label": {"type": "string"},
            "type": {
                "type": "string",
                "enum": [
                    "string",
                    "text",
                    "url",
                    "integer",
                    "decimal",
                    "number",
                    "boolean",
                    "date",
                    "datetime",
                    "select",
                    "multiselect",
                    "list",
                    "group",
                ],
            },
            "required": {"type": "boolean"},
            "readonly": {"type": "boolean"},
            "description": {"type": "string"},
            "choices": {
                "type": ["array", "null"],
                "items": _object({"value": {"type": "string"}, "label": {"type": "string"}}),
            },
            "value": {
                "description": "Current value: workflow data of this task, else the default."
            },
            "min": {"type": "number"},
            "max": {"type": "number"},
            "minlength": {"type": "integer"},
            "maxlength": {"type": "integer"},
            "fields": {
                "type": "array",
                "items": _ref("FormField"),
                "description": "For list and group: the fields of one entry.",
            },
        },
        required=[
            "name",
            "label",
            "type",
            "required",
            "readonly",
            "description",
            "choices",
            "value",
        ],
    ),
    "TaskDetail": {
        "allOf": [
            _ref("Task"),
            _object(
                {
                    "project_name": {"type": "string"},
                    "completed_at": DATETIME,
                    "completed_by": USERNAME,
                    "can_complete": {"type": "boolean"},
                    "can_claim": {"type": "boolean"},
                    "can_release": {"type": "boolean"},
                    "fields": {"type": "array", "items": _ref("FormField")},
                }
            ),
        ]
    },
    "TaskPage": _page("Task"),
    "TaskAction": _object({"task": _ref("Task"), "message": {"type": "string"}}),
    "Completion": _object(
        {
            "task": _ref("Task"),
            "next_tasks": {
                "type": "array",
                "items": _ref("Task"),
                "description": "Human tasks the completion opened.",
            },
            "message": {"type": "string", "description": "What happens next, for people."},
        }
    ),
    "Project": _object(
        {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "name": {"type": "string"},
            "stage": _nullable("string"),
            "status": {"type": "string", "enum": list(PROJECT_STATUSES)},
            "lifecycle": {"type": "string", "description": "Process id of its lifecycle."},
            "pm": {"type": "string"},
            "sponsor": {"type": "string"},
            "budget": _nullable("number"),
            "start_date": DATE,
            "end_date": DATE,
            "created_at": {"type": "string", "format": "date-time"},
            "url": {"type": "string"},
        }
    ),
    "Condition": _object(
        {
            "id": {"type": "integer"},
            "description": {"type": "string"},
            "owner": {"type": "string"},
            "due_date": {"type": "string", "format": "date"},
            "status": {"type": "string", "enum": ["open", "closed"]},
        }
    ),
    "Decision": _object(
        {
            "id": {"type": "integer"},
            "gate_key": {"type": "string"},
            "gate_title": {"type": "string"},
            "decision": {
                "type": "string",
                "enum": ["go", "conditional_go", "hold", "recycle", "kill"],
            },
            "rationale": _nullable("string"),
            "score_total": _nullable("number"),
            "escalated": {"type": "boolean"},
            "decided_by": {"type": "string"},
            "decided_at": {"type": "string", "format": "date-time"},
            "conditions": {"type": "array", "items": _ref("Condition")},
        }
    ),
    "AuditEvent": _object(
        {
            "at": {"type": "string", "format": "date-time"},
            "actor": USERNAME,
            "action": {"type": "string"},
            "summary": {"type": "string"},
        }
    ),
    "ProjectDetail": {
        "allOf": [
            _ref("Project"),
            _object(
                {
                    "description": _nullable("string"),
                    "decisions": {"type": "array", "items": _ref("Decision")},
                    "open_tasks": {"type": "array", "items": _ref("Task")},
                    "audit": {
                        "type": "array",
                        "items": _ref("AuditEvent"),
                        "description": "Newest first, at most 200 events.",
                    },
                }
            ),
        ]
    },
    "ProjectPage": _page("Project"),
    "NewProject": {
        "type": "object",
        "additionalProperties": False,
        "required": ["code", "name", "pm", "sponsor"],
        "properties": {
            "code": {
                "type": "string",
                "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{1,31}$",
                "description": "Unique; stored upper-case.",
            },
            "name": {"type": "string"},
            "pm": {"type": "string", "description": "Username of a user with the pm role."},
            "sponsor": {
                "type": "string",
                "description": "Username of a user with the sponsor role.",
            },
            "budget": {
                "type": ["number", "string", "null"],
                "minimum": 0,
                "description": "At most two decimal places.",
            },
            "start_date": DATE,
            "end_date": DATE,
            "description": _nullable("string"),
            "lifecycle": _nullable(
                "string",
                description="Process id of a deployed lifecycle; default project_lifecycle.",
            ),
        },
    },
    "Documents": _object(
        {
            "documents": {
                "type": "array",
                "items": {"type": "object"},
                "description": "Empty until documents are generated.",
            }
        }
    ),
}

TASK_ID = _path_id("task_id", "task")
PROJECT_ID = _path_id("project_id", "project")
COMPLETE_BODY = {
    "required": False,
    "description": "Field values by name, as described by the task's `fields`. List fields "
    "take arrays of objects (e.g. gate `conditions`).",
    "content": {"application/json": {"schema": {"type": "object"}}},
}


def _operation(summary: str, ok: dict, errors=(), parameters=(), **extra) -> dict:
    return {
        "summary": summary,
        "parameters": list(parameters),
        "responses": {**ok, **_errors(401, *errors)},
        **extra,
    }


PATHS = {
    "/tasks": {
        "get": _operation(
            "My open tasks: assigned to me and/or in my queues, soonest due first.",
            {"200": _json(_ref("TaskPage"), "One page of tasks.")},
            (422,),
            [
                _query(
                    "which",
                    "Which list.",
                    {"type": "string", "enum": list(TASK_LISTS), "default": "all"},
                ),
                _query("project_id", "Only this project.", {"type": "integer"}),
                _query("stage", "Only tasks in this stage (exact name)."),
                _query("form_key", "Only this task type."),
                *PAGING,
            ],
        )
    },
    "/tasks/{task_id}": {
        "get": _operation(
            "A task with its form's field schema: for the people it is or was offered to.",
            {"200": _json(_ref("TaskDetail"), "The task.")},
            (403, 404),
            [TASK_ID],
        )
    },
    "/tasks/{task_id}/claim": {
        "post": _operation(
            "Take a queue task: it becomes assigned to the caller.",
            {"200": _json(_ref("TaskAction"), "Claimed (or already the caller's).")},
            (403, 404, 409),
            [TASK_ID],
        )
    },
    "/tasks/{task_id}/release": {
        "post": _operation(
            "Return a claimed task to its queue (own tasks; PMO/admin: anyone's).",
            {"200": _json(_ref("TaskAction"), "Released (or already unassigned).")},
            (403, 404, 409),
            [TASK_ID],
        )
    },
    "/tasks/{task_id}/reassign": {
        "post": _operation(
            "Give an open task to a named user (PMO and administrators only).",
            {"200": _json(_ref("TaskAction"), "Reassigned.")},
            (403, 404, 409, 422),
            [TASK_ID],
            requestBody={
                "required": True,
                "content": {
                    "application/json": {
                        "schema": _object(
                            {
                                "assignee": {
                                    "type": "string",
                                    "description": "Username of an active user.",
                                }
                            },
                            ["assignee"],
                        )
                    }
                },
            },
        )
    },
    "/tasks/{task_id}/complete": {
        "post": _operation(
            "Submit the task's form and run the workflow on.",
            {"200": _json(_ref("Completion"), "Completed.")},
            (403, 404, 409, 422),
            [TASK_ID],
            requestBody=COMPLETE_BODY,
        )
    },
    "/projects": {
        "get": _operation(
            "Projects the caller can view.",
            {"200": _json(_ref("ProjectPage"), "One page of projects, by code.")},
            (422,),
            [
                _query("search", "Part of the code or name."),
                _query("stage", "Exact stage name."),
                _query(
                    "status", "Project status.", {"type": "string", "enum": list(PROJECT_STATUSES)}
                ),
                _query("pm", "Username of the project manager."),
                _query("sponsor", "Username of the sponsor."),
                *PAGING,
            ],
        ),
        "post": _operation(
            "Create a project and start its lifecycle (pm, pmo, portfolio, admin).",
            {
                "201": {
                    **_json(_ref("ProjectDetail"), "Created."),
                    "headers": {
                        "Location": {
                            "description": "URL of the new project.",
                            "schema": {"type": "string"},
                        }
                    },
                }
            },
            (403, 422),
            requestBody={
                "required": True,
                "content": {"application/json": {"schema": _ref("NewProject")}},
            },
        ),
    },
    "/projects/{project_id}": {
        "get": _operation(
            "A project with its gate decisions, open tasks and audit trail.",
            {"200": _json(_ref("ProjectDetail"), "The project.")},
            (404,),
            [PROJECT_ID],
        )
    },
    "/projects/{project_id}/conditions/{condition_id}/close": {
        "post": _operation(
            "Close an open gate condition (its owner, the project's PM, the PMO).",
            {"200": _json(_ref("Condition"), "Closed.")},
            (403, 404, 409, 422),
            [PROJECT_ID, _path_id("condition_id", "condition")],
            requestBody={
                "required": False,
                "content": {
                    "application/json": {
                        "schema": _object(
                            {
                                "note": {
                                    "type": "string",
                                    "maxLength": 500,
                                    "description": "How it was met.",
                                }
                            }
                        )
                    }
                },
            },
        )
    },
    "/projects/{project_id}/documents": {
        "get": _operation(
            "Documents generated for a project.",
            {"200": _json(_ref("Documents"), "The documents.")},
            (404,),
            [PROJECT_ID],
        )
    },
    "/openapi.json": {
        "get": {
            "summary": "This description.",
            "security": [],
            "responses": {
                "200": {
                    "description": "OpenAPI 3.1 document.",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            },
        }
    },
}


def openapi_document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Tollgate API",
            "version": "1.0.0",
            "description": "Stage-gate tasks and projects. Authenticate every call (except this "
            "description) with `Authorization: Bearer <token>`; a browser session "
            "is not accepted. Permissions are those of the web pages. Errors are "
            "JSON objects (`Error`).",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": PATHS,
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token (`tollgate token NAME`).",
                }
            },
            "schemas": SCHEMAS,
            "responses": {
                str(status): _json(_ref("Error"), text) for status, text in ERROR_RESPONSES.items()
            },
        },
    }
