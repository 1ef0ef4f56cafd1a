"""The JSON API through the test client: token auth, tasks, projects, errors, OpenAPI."""

import json
import re

import pytest
from flask_login import current_user
from sqlalchemy import select

from tests.factories import FORM_DATA
from tests.factories import complete
from tests.factories import make_user
from tests.factories import open_task
from tests.factories import pass_gate
from tests.factories import start_project
from webapp.extensions import db
from webapp.models import ApiToken
from webapp.services.users import issue_token
from webapp.services.users import revoke_token
from webapp.services.users import set_active

TASK_ITEM_KEYS = {
    "id",
    "title",
    "task_name",
    "gate",
    "project_id",
    "project_code",
    "stage",
    "form_key",
    "status",
    "assignee",
    "role",
    "due_at",
    "overdue",
    "created_at",
    "url",
}
PROTECTED = [
    ("get", "/api/v1/tasks"),
    ("get", "/api/v1/tasks/1"),
    ("post", "/api/v1/tasks/1/claim"),
    ("post", "/api/v1/tasks/1/release"),
    ("post", "/api/v1/tasks/1/complete"),
    ("get", "/api/v1/projects"),
    ("post", "/api/v1/projects"),
    ("get", "/api/v1/projects/1"),
    ("get", "/api/v1/projects/1/documents"),
]


@pytest.fixture
def project(people, library):
    return start_project()


@pytest.fixture
def api(client, people):
    """api(username) → a caller whose .get/.post send that user's bearer token."""
    tokens = {}

    class Caller:
        def __init__(self, username):
            if username not in tokens:
                tokens[username] = issue_token(username, name="test")
            self.headers = {"Authorization": f"Bearer {tokens[username]}"}

        def get(self, path, **kwargs):
            return client.get(path, headers=self.headers, **kwargs)

        def post(self, path, body=None, **kwargs):
            return client.post(path, headers=self.headers, json=body, **kwargs)

    return Caller


def _ids(response):
    return [item["id"] for item in response.get_json()["items"]]


# --- authentication --------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), PROTECTED)
@pytest.mark.parametrize("header", [None, "Bearer tg_not-a-token", "Bearer ", "Basic cGF0OnB3"])
def test_api_refuses_missing_or_invalid_tokens(client, people, method, path, header):
    headers = {"Authorization": header} if header else {}
    response = getattr(client, method)(path, headers=headers, json={})
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_and_inactive_user_are_refused(client, people):
    token = issue_token("pat")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    row = db.session.scalar(select(ApiToken).filter_by(user_id=people["pat"].id))
    revoke_token(row.id, people["pat"])
    assert client.get("/api/v1/tasks", headers=headers).status_code == 401
    other = {"Authorization": f"Bearer {issue_token('sam')}"}
    set_active(people["sam"].id, False, people["ada"])
    assert client.get("/api/v1/tasks", headers=other).status_code == 401


def test_a_token_is_stamped_when_used_even_by_reads_and_refused_changes(client, people):
    token = issue_token("pat")
    headers = {"Authorization": f"Bearer {token}"}

    def last_used():
        with db.engine.connect() as other:  # past the session: what was committed
            return other.execute(
                select(ApiToken.last_used_at).filter_by(user_id=people["pat"].id)
            ).scalar_one()

    assert last_used() is None
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200  # never commits
    first = last_used()
    assert first is not None
    # A refused change rolls back, but the token was used: the stamp stays.
    refused = client.post("/api/v1/projects", json={"code": ""}, headers=headers)
    assert refused.status_code == 422
    assert last_used() == first  # and within the minute it is not written again


def test_session_cookie_alone_is_not_enough(app, client, people):
    app.config["SESSION_PROTECTION"] = None  # let a hand-made session cookie log in
    app.add_url_rule(
        "/_whoami",
        "whoami",
        lambda: current_user.username if current_user.is_authenticated else "-",
    )
    with client.session_transaction() as session:
        session["_user_id"] = str(people["pat"].id)
        session["_fresh"] = True
    assert client.get("/_whoami").text == "pat"  # the session is valid for pages...
    response = client.get("/api/v1/tasks")  # ...but not for the API
    assert response.status_code == 401


def test_token_decides_over_session(app, client, people, project, api):
    app.config["SESSION_PROTECTION"] = None
    with client.session_transaction() as session:
        session["_user_id"] = str(people["pat"].id)
    response = api("gwen").get("/api/v1/tasks?which=assigned")
    assert response.status_code == 200 and response.get_json()["items"] == []


# --- OpenAPI ---------------------------------------------------------------------------------


def test_openapi_is_public_json_with_the_required_keys(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = json.loads(response.data)
    assert spec["openapi"].startswith("3.1")
    assert {"info", "paths", "components", "security", "servers"} <= set(spec)
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert {"error", "message"} <= set(spec["components"]["schemas"]["Error"]["properties"])


def test_openapi_describes_every_api_rule_and_method(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    base = spec["servers"][0]["url"]
    described = {(base + path, method) for path, ops in spec["paths"].items() for method in ops}
    registered = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            registered |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert registered and registered == described


def test_openapi_references_resolve(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    refs = set(re.findall(r'"\$ref": "#/components/(\w+)/(\w+)"', json.dumps(spec)))
    assert refs
    for section, name in refs:
        assert name in spec["components"][section], f"{section}/{name}"


def _documented(spec, schema):
    """(required, all) property names of an object schema, following $ref and allOf."""
    if "$ref" in schema:
        return _documented(spec, spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]])
    required, names = set(schema.get("required", ())), set(schema.get("properties", {}))
    for part in schema.get("allOf", ()):
        more_required, more_names = _documented(spec, part)
        required, names = required | more_required, names | more_names
    return required, names


def _assert_documented(spec, schema_name, body):
    required, names = _documented(spec, {"$ref": f"#/components/schemas/{schema_name}"})
    assert required <= set(body) <= names, (schema_name, set(body) ^ names)


def test_responses_have_exactly_the_documented_keys(client, project, people, api):
    spec = client.get("/api/v1/openapi.json").get_json()
    complete(project, "prepare_charter")
    pass_gate(
        project,
        "conditional_go",
        rationale="Almost",
        conditions=[{"description": "Name a risk owner", "owner": "pat", "due_date": "2027-01-31"}],
    )
    row = open_task(project, "prepare_project_plan")
    tasks_page = api("pat").get("/api/v1/tasks").get_json()
    _assert_documented(spec, "TaskPage", tasks_page)
    _assert_documented(spec, "Task", tasks_page["items"][0])
    detail = api("pat").get(f"/api/v1/tasks/{row.id}").get_json()
    _assert_documented(spec, "TaskDetail", detail)
    for field in detail["fields"]:
        _assert_documented(spec, "FormField", field)
    project_body = api("pat").get(f"/api/v1/projects/{project.id}").get_json()
    _assert_documented(spec, "ProjectDetail", project_body)
    _assert_documented(spec, "Decision", project_body["decisions"][0])
    _assert_documented(spec, "Condition", project_body["decisions"][0]["conditions"][0])
    _assert_documented(spec, "AuditEvent", project_body["audit"][0])
    _assert_documented(spec, "ProjectPage", api("pat").get("/api/v1/projects").get_json())
    done = api("pat").post(f"/api/v1/tasks/{row.id}/complete", FORM_DATA["project_plan"])
    _assert_documented(spec, "Completion", done.get_json())
    claim = api("pat").post(f"/api/v1/tasks/{done.get_json()['next_tasks'][0]['id']}/claim")
    _assert_documented(spec, "TaskAction", claim.get_json())
    _assert_documented(spec, "Error", api("max").get(f"/api/v1/tasks/{row.id}").get_json())


# --- tasks -----------------------------------------------------------------------------------


def test_list_my_assigned_and_queue_tasks(project, people, api):
    body = api("pat").get("/api/v1/tasks").get_json()
    assert [item["task_name"] for item in body["items"]] == ["prepare_charter"]
    item = body["items"][0]
    assert set(item) == TASK_ITEM_KEYS
    assert item["assignee"] == "pat" and item["project_code"] == "PRJ-1"
    assert item["stage"] == "Stage 1 – Initiation" and item["form_key"] == "project_charter"
    assert item["due_at"] and item["overdue"] is False
    assert body["total"] == 1 and body["page"] == 1 and body["pages"] == 1
    assert api("pat").get("/api/v1/tasks?which=queues").get_json()["items"] == []
    complete(project, "prepare_charter")
    complete(project, "submit_gate_package")
    queued = api("gwen").get("/api/v1/tasks?which=queues").get_json()["items"]
    assert [(i["task_name"], i["assignee"], i["role"]) for i in queued] == [
        ("check_gate_readiness", None, "pmo")
    ]
    assert api("gwen").get("/api/v1/tasks?which=assigned").get_json()["items"] == []
    assert _ids(api("gwen").get("/api/v1/tasks")) == [queued[0]["id"]]


def test_filter_and_paginate_tasks(project, people, api):
    other = start_project(code="PRJ-2")
    pat = api("pat")
    first = pat.get("/api/v1/tasks?per_page=1").get_json()
    assert (first["total"], first["pages"], first["per_page"]) == (2, 2, 1)
    second = pat.get("/api/v1/tasks?per_page=1&page=2").get_json()
    assert len(second["items"]) == 1 and second["items"][0]["id"] != first["items"][0]["id"]
    by_project = pat.get(f"/api/v1/tasks?project_id={other.id}").get_json()["items"]
    assert [i["project_code"] for i in by_project] == ["PRJ-2"]
    assert pat.get("/api/v1/tasks?form_key=gate_decision").get_json()["total"] == 0
    assert pat.get("/api/v1/tasks?form_key=project_charter").get_json()["total"] == 2
    assert pat.get("/api/v1/tasks?stage=Stage 2 – Planning").get_json()["total"] == 0


@pytest.mark.parametrize(
    "query", ["per_page=101", "per_page=0", "page=abc", "which=everyone", "project_id=x"]
)
def test_bad_task_query_is_422_with_the_field(people, api, query):
    response = api("pat").get(f"/api/v1/tasks?{query}")
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "invalid" and query.split("=")[0] in body["fields"]


def test_task_detail_has_the_gate_decision_schema(project, api):
    complete(project, "prepare_charter")
    complete(project, "submit_gate_package")
    complete(project, "check_gate_readiness")
    row = open_task(project, "decide_gate")
    response = api("sam").get(f"/api/v1/tasks/{row.id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["form_key"] == "gate_decision" and body["can_complete"] is True
    fields = {f["name"]: f for f in body["fields"]}
    assert fields["decision"]["type"] == "select" and fields["decision"]["required"] is True
    assert [c["value"] for c in fields["decision"]["choices"]] == [
        "go",
        "conditional_go",
        "hold",
        "recycle",
        "kill",
    ]
    assert {f["name"] for f in fields["conditions"]["fields"]} == {
        "description",
        "owner",
        "due_date",
    }
    assert {"name", "label", "type", "required", "choices", "value"} <= set(fields["rationale"])


def test_task_detail_of_a_generated_form(project, api):
    complete(project, "prepare_charter")
    pass_gate(project)
    complete(project, "prepare_project_plan")
    pass_gate(project)
    row = open_task(project, "mobilise_delivery")
    body = api("pat").get(f"/api/v1/tasks/{row.id}").get_json()
    assert body["form_key"] is None
    fields = {f["name"]: f for f in body["fields"]}
    assert list(fields) == [
        "team_onboarded",
        "baseline_confirmed",
        "kickoff_date",
        "mobilisation_notes",
    ]
    assert fields["team_onboarded"]["type"] == "boolean" and fields["team_onboarded"]["required"]
    assert fields["kickoff_date"]["type"] == "date"
    assert fields["mobilisation_notes"]["required"] is False


def test_task_detail_is_prefilled_from_this_tasks_workflow_data(project, api):
    complete(project, "prepare_charter")
    pass_gate(project, "recycle")
    row = open_task(project, "prepare_charter")
    fields = {f["name"]: f for f in api("pat").get(f"/api/v1/tasks/{row.id}").get_json()["fields"]}
    assert fields["objectives"]["value"] == FORM_DATA["project_charter"]["objectives"]
    assert fields["estimated_cost"]["value"] == 450000


def test_judgements_of_an_earlier_round_are_not_prefilled(project, api):
    complete(project, "prepare_charter")
    pass_gate(project, "recycle")
    complete(project, "prepare_charter")
    complete(project, "submit_gate_package")
    complete(project, "check_gate_readiness")
    row = open_task(project, "decide_gate")
    fields = {f["name"]: f for f in api("sam").get(f"/api/v1/tasks/{row.id}").get_json()["fields"]}
    assert fields["decision"]["value"] is None and fields["rationale"]["value"] is None


def test_claim_release_and_complete_a_queue_task(project, people, api):
    complete(project, "prepare_charter")
    complete(project, "submit_gate_package")
    row = open_task(project, "check_gate_readiness")
    gwen = api("gwen")
    claimed = gwen.post(f"/api/v1/tasks/{row.id}/claim")
    assert claimed.status_code == 200
    assert claimed.get_json()["task"]["assignee"] == "gwen"
    assert _ids(gwen.get("/api/v1/tasks?which=assigned")) == [row.id]
    released = gwen.post(f"/api/v1/tasks/{row.id}/release")
    assert released.status_code == 200 and released.get_json()["task"]["assignee"] is None
    assert "PMO queue" in released.get_json()["message"]
    assert gwen.post(f"/api/v1/tasks/{row.id}/claim").status_code == 200
    done = gwen.post(f"/api/v1/tasks/{row.id}/complete", FORM_DATA["gate_readiness"])
    assert done.status_code == 200
    body = done.get_json()
    assert body["task"]["status"] == "completed"
    assert [t["task_name"] for t in body["next_tasks"]] == ["decide_gate"]
    assert "sent to Sam Sponsor" in body["message"]


def test_complete_a_conditional_go_with_nested_conditions(project, people, api):
    complete(project, "prepare_charter")
    complete(project, "submit_gate_package")
    complete(project, "check_gate_readiness")
    row = open_task(project, "decide_gate")
    payload = {
        **FORM_DATA["gate_decision"],
        "decision": "conditional_go",
        "rationale": "Almost",
        "conditions": [
            {"description": "Name a risk owner", "owner": "pat", "due_date": "2027-01-31"}
        ],
    }
    response = api("sam").post(f"/api/v1/tasks/{row.id}/complete", payload)
    assert response.status_code == 200, response.get_json()
    detail = api("sam").get(f"/api/v1/projects/{project.id}").get_json()
    assert detail["stage"] == "Stage 2 – Planning"
    [decision] = detail["decisions"]
    assert decision["decision"] == "conditional_go" and decision["decided_by"] == "sam"
    assert decision["conditions"][0]["owner"] == "pat"
    assert set(decision["conditions"][0]) == {"id", "description", "owner", "due_date", "status"}


def test_invalid_completion_is_422_per_field(project, api):
    row = open_task(project, "prepare_charter")
    response = api("pat").post(f"/api/v1/tasks/{row.id}/complete", {"estimated_cost": "lots"})
    assert response.status_code == 422
    fields = response.get_json()["fields"]
    assert {"objectives", "scope", "business_case", "estimated_cost"} <= set(fields)
    not_an_object = api("pat").post(f"/api/v1/tasks/{row.id}/complete", ["objectives"])
    assert not_an_object.status_code == 422 and "body" in not_an_object.get_json()["fields"]
    assert open_task(project, "prepare_charter").status == "open"


def test_conditional_go_without_conditions_is_422(project, api):
    complete(project, "prepare_charter")
    complete(project, "submit_gate_package")
    complete(project, "check_gate_readiness")
    row = open_task(project, "decide_gate")
    payload = {**FORM_DATA["gate_decision"], "decision": "conditional_go", "rationale": "Why"}
    response = api("sam").post(f"/api/v1/tasks/{row.id}/complete", payload)
    assert response.status_code == 422 and "conditions" in response.get_json()["fields"]


def test_completing_twice_is_a_conflict(project, api):
    row = open_task(project, "prepare_charter")
    path = f"/api/v1/tasks/{row.id}/complete"
    assert api("pat").post(path, FORM_DATA["project_charter"]).status_code == 200
    again = api("pat").post(path, FORM_DATA["project_charter"])
    assert again.status_code == 409 and again.get_json()["error"] == "invalid_transition"
    assert api("pat").post(f"/api/v1/tasks/{row.id}/claim").status_code == 409


def test_someone_elses_task_is_forbidden(project, people, api):
    row = open_task(project, "prepare_charter")  # assigned to pat; sam may view the project
    sam = api("sam")
    assert sam.get(f"/api/v1/tasks/{row.id}").status_code == 403  # not offered to him
    response = sam.post(f"/api/v1/tasks/{row.id}/complete", FORM_DATA["project_charter"])
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden"
    assert sam.post(f"/api/v1/tasks/{row.id}/release").status_code == 403
    assert sam.post(f"/api/v1/tasks/{row.id}/claim").status_code == 403  # never his to claim


def test_completing_a_task_claimed_away_is_a_conflict(project, people, api):
    make_user("gil", "pmo")
    complete(project, "prepare_charter")
    complete(project, "submit_gate_package")
    row = open_task(project, "check_gate_readiness")
    assert api("gwen").post(f"/api/v1/tasks/{row.id}/claim").status_code == 200
    late = api("gil").post(f"/api/v1/tasks/{row.id}/complete", FORM_DATA["gate_readiness"])
    assert late.status_code == 409 and "claimed by Gwen Governance" in late.get_json()["message"]
    assert api("gil").post(f"/api/v1/tasks/{row.id}/claim").status_code == 409


def test_queue_task_of_another_role_cannot_be_claimed(project, people, api):
    complete(project, "prepare_charter")
    complete(project, "submit_gate_package")
    row = open_task(project, "check_gate_readiness")  # PMO queue; Pia (portfolio) sees it
    assert api("pia").post(f"/api/v1/tasks/{row.id}/claim").status_code == 403


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("get", ""), ("post", "/claim"), ("post", "/release"), ("post", "/complete")],
)
def test_invisible_and_unknown_tasks_are_404(project, api, method, suffix):
    row = open_task(project, "prepare_charter")
    max_ = api("max")  # a PM with no role on PRJ-1
    hidden = getattr(max_, method)(f"/api/v1/tasks/{row.id}{suffix}")
    assert hidden.status_code == 404 and hidden.get_json()["error"] == "not_found"
    assert getattr(max_, method)(f"/api/v1/tasks/999999{suffix}").status_code == 404


# --- projects --------------------------------------------------------------------------------


NEW_PROJECT = {
    "code": "API-1",
    "name": "Via the API",
    "pm": "pat",
    "sponsor": "sam",
    "budget": 125000.5,
    "start_date": "2027-01-01",
    "end_date": "2027-12-31",
    "description": "Created by an integration",
}


def test_create_project_returns_201_and_location(people, library, api):
    response = api("pat").post("/api/v1/projects", NEW_PROJECT)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/projects/{body['id']}")
    assert (body["code"], body["pm"], body["sponsor"]) == ("API-1", "pat", "sam")
    assert body["budget"] == 125000.5 and body["end_date"] == "2027-12-31"
    assert body["lifecycle"] == "project_lifecycle" and body["stage"] == "Stage 1 – Initiation"
    assert [t["task_name"] for t in body["open_tasks"]] == ["prepare_charter"]
    assert api("pat").get(response.headers["Location"]).status_code == 200


def test_create_project_on_the_light_lifecycle(people, library, api):
    body = (
        api("gwen")
        .post("/api/v1/projects", {**NEW_PROJECT, "lifecycle": "light_lifecycle"})
        .get_json()
    )
    assert body["lifecycle"] == "light_lifecycle"


def test_duplicate_code_is_422(people, library, api):
    assert api("pat").post("/api/v1/projects", NEW_PROJECT).status_code == 201
    again = api("pat").post("/api/v1/projects", {**NEW_PROJECT, "code": "api-1"})
    assert again.status_code == 422 and "code" in again.get_json()["fields"]


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"budget": "lots"}, {"budget"}),
        ({"budget": 10.005}, {"budget"}),
        ({"start_date": "31/12/2027", "pm": 7}, {"start_date", "pm"}),
        ({"name": None, "sponsor": ""}, {"name", "sponsor"}),
        ({"colour": "red"}, {"colour"}),
        ({"lifecycle": "gate_review"}, {"lifecycle"}),
        ({"pm": "sam", "sponsor": "nobody"}, {"pm", "sponsor"}),
        ({"end_date": "2026-01-01"}, {"end_date"}),
    ],
)
def test_bad_project_json_is_422_with_fields(people, library, api, change, fields):
    response = api("pat").post("/api/v1/projects", {**NEW_PROJECT, **change})
    assert response.status_code == 422
    assert set(response.get_json()["fields"]) == fields


def test_project_body_must_be_a_json_object(people, library, api):
    response = api("pat").post(
        "/api/v1/projects", data="{not json", content_type="application/json"
    )
    assert response.status_code == 422 and "body" in response.get_json()["fields"]


def test_only_starters_may_create_projects(people, library, api):
    response = api("sam").post("/api/v1/projects", NEW_PROJECT)
    assert response.status_code == 403 and response.get_json()["error"] == "forbidden"


def test_list_projects_shows_what_the_caller_may_view(project, people, api):
    start_project(pm="max", code="OTHER-1", sponsor="sue")
    assert [i["code"] for i in api("pat").get("/api/v1/projects").get_json()["items"]] == ["PRJ-1"]
    everyone = api("pia").get("/api/v1/projects").get_json()
    assert [i["code"] for i in everyone["items"]] == ["OTHER-1", "PRJ-1"]
    assert api("pia").get("/api/v1/projects?search=other").get_json()["total"] == 1
    assert api("pia").get("/api/v1/projects?pm=max").get_json()["total"] == 1
    assert api("pia").get("/api/v1/projects?status=killed").get_json()["total"] == 0
    assert (
        api("pia").get("/api/v1/projects?per_page=1&page=2").get_json()["items"][0]["code"]
        == "PRJ-1"
    )
    assert api("pia").get("/api/v1/projects?status=sleeping").status_code == 422
    assert api("pia").get("/api/v1/projects?pm=nobody").status_code == 422


def test_project_detail_with_decisions_open_tasks_and_audit(project, people, api):
    complete(project, "prepare_charter")
    pass_gate(project, "go")
    body = api("sam").get(f"/api/v1/projects/{project.id}").get_json()
    assert body["code"] == "PRJ-1" and body["status"] == "active"
    assert body["stage"] == "Stage 2 – Planning" and body["lifecycle"] == "project_lifecycle"
    assert [(d["gate_key"], d["decision"], d["conditions"]) for d in body["decisions"]] == [
        ("gate_1", "go", [])
    ]
    assert [t["task_name"] for t in body["open_tasks"]] == ["prepare_project_plan"]
    actions = [event["action"] for event in body["audit"]]
    assert {"project_started", "gate_decision", "stage_changed"} <= set(actions)
    assert set(body["audit"][0]) == {"at", "actor", "action", "summary"}


def test_documents_are_an_empty_list_for_now(project, api):
    response = api("pat").get(f"/api/v1/projects/{project.id}/documents")
    assert response.status_code == 200 and response.get_json() == {"documents": []}


@pytest.mark.parametrize("suffix", ["", "/documents"])
def test_invisible_and_unknown_projects_are_404(project, api, suffix):
    assert api("max").get(f"/api/v1/projects/{project.id}{suffix}").status_code == 404
    assert api("pat").get(f"/api/v1/projects/999999{suffix}").status_code == 404
