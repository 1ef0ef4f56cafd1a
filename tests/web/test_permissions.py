"""The permission matrix (issue 3, "Permissions"): every page and API route × every person of
the factories and an anonymous visitor, with the exact answer each must get.

The rules, as the issue states them:
- a user sees and completes only tasks assigned to them or in their roles' queues (pm and
  sponsor are project-scoped: they resolve to the person named on the project);
- claiming a queue task assigns it; only pmo/admin release someone else's task;
- portfolio, pmo and admin see every project; others see the projects they have a role on
  (its PM or sponsor, or a task, candidacy or condition on it);
- what a user may not know exists is 404; what they know but may not do is 403;
- admin pages are for admins (403 for others); anonymous pages redirect to the login page,
  anonymous API calls are 401.

The world (below) is built once per module; each case gets a fresh copy of it (one app serves
them all, so SQL is compiled once), so every case starts from the same state: allowed mutating
requests must make their change, refused ones must change nothing (no task moved, no audit
event added).

Where the app deviates from the spec the expectation stays as specified and the case is a strict
xfail whose reason starts with "BUG:" and says what the app answers instead.
"""

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text

from tests.conftest import _config
from tests.factories import FORM_DATA
from tests.factories import PASSWORD
from tests.factories import PEOPLE
from tests.factories import complete
from tests.factories import deploy_library
from tests.factories import make_people
from tests.factories import open_task
from tests.factories import pass_gate
from tests.factories import start_project
from tests.web.helpers import rows_text
from webapp import create_app
from webapp.extensions import db
from webapp.models import ApiToken
from webapp.models import AuditEvent
from webapp.models import GateCondition
from webapp.models import HumanTask
from webapp.models import Project
from webapp.models import User
from webapp.models import UserRole
from webapp.services import tasks
from webapp.services.users import issue_token

# --- who -------------------------------------------------------------------------------------

ANON = "anonymous"
USERS = frozenset(PEOPLE)  # pat sam gwen fin pia cora dee ada max sue
ACTORS = sorted(USERS) + [ANON]
OTHERS = "everyone else"  # the logged-in users a row does not name otherwise

PORTFOLIO = frozenset({"gwen", "pia", "ada"})  # pmo, portfolio, admin: every project
SUPERVISORS = frozenset({"gwen", "ada"})  # pmo, admin: release someone else's task
STARTERS = frozenset({"pat", "max", "gwen", "pia", "ada"})  # pm, pmo, portfolio, admin
# Who knows each project exists. PRJ-1…PRJ-5 are Pat's (PM) and Sam's (sponsor); on PRJ-4 a
# finance queue task waits (fin) and Cora owns a gate condition; OTH-1 is Max's and Sue's.
SEES_OURS = frozenset({"pat", "sam"}) | PORTFOLIO
SEES_SCORING = SEES_OURS | {"fin", "cora"}
SEES_OTHER = frozenset({"max", "sue"}) | PORTFOLIO

# --- what they get ---------------------------------------------------------------------------

OK, CREATED, UNAUTHORIZED, FORBIDDEN, NOT_FOUND = 200, 201, 401, 403, 404
LOGIN = "302 to the login page"


def to(path: str) -> tuple[int, str]:
    """A redirect to `path` (a template over the world's ids, as the row's path)."""
    return (302, path)


# --- the world -------------------------------------------------------------------------------

# The open task of each project, and the project it is on.
TASKS = {
    "charter": "PRJ-1",  # Prepare project charter, assigned to pat
    "queue": "PRJ-2",  # Gate 1 readiness check, unclaimed in the PMO queue
    "decision": "PRJ-3",  # Gate 1 decision, assigned to sam (the project's sponsor)
    "scoring": "PRJ-4",  # Gate 2 scoring, unclaimed in the finance queue
    "claimed": "PRJ-5",  # Gate 1 readiness check, claimed by gwen
    "other": "OTH-1",  # Prepare project charter of Max's project, assigned to max
}
MISSING = 999_999


def build_world() -> dict:
    """People, the workflow library, six projects at known tasks; ids for the path templates."""
    people = make_people()
    deploy_library()
    start_project(code="PRJ-1", name="Charter stage")

    queue = start_project(code="PRJ-2", name="Readiness queue")
    complete(queue, "prepare_charter")
    complete(queue, "submit_gate_package")

    decision = start_project(code="PRJ-3", name="Sponsor decides")
    complete(decision, "prepare_charter")
    complete(decision, "submit_gate_package")
    complete(decision, "check_gate_readiness")

    scoring = start_project(code="PRJ-4", name="Finance scores")
    complete(scoring, "prepare_charter")
    pass_gate(
        scoring,
        "conditional_go",
        conditions=[
            {"description": "Name a risk owner", "owner": "cora", "due_date": "2027-01-31"}
        ],
    )
    complete(scoring, "prepare_project_plan")
    complete(scoring, "submit_gate_package")
    complete(scoring, "check_gate_readiness")

    claimed = start_project(code="PRJ-5", name="Claimed readiness")
    complete(claimed, "prepare_charter")
    complete(claimed, "submit_gate_package")
    tasks.claim_task(open_task(claimed, "check_gate_readiness").id, people["gwen"])

    start_project(pm="max", sponsor="sue", code="OTH-1", name="Not Pat's", actor=people["max"])

    projects = {p.code: p for p in db.session.scalars(select(Project))}
    by_name = {
        "charter": "prepare_charter",
        "queue": "check_gate_readiness",
        "decision": "decide_gate",
        "scoring": "score_gate",
        "claimed": "check_gate_readiness",
        "other": "prepare_charter",
    }
    rows = {key: open_task(projects[code], by_name[key]) for key, code in TASKS.items()}
    world = {
        "task": {key: row.id for key, row in rows.items()},
        "project": {code: p.id for code, p in projects.items()},
        "user": {name: user.id for name, user in people.items()},
        "condition": db.session.scalar(select(GateCondition.id)),
        "token": {name: issue_token(name, "matrix") for name in sorted(people)},
    }
    world["token_id"] = {
        name: db.session.scalar(select(ApiToken.id).filter_by(user_id=user.id))
        for name, user in people.items()
    }
    for ids in (world["task"], world["project"], world["user"]):
        ids["missing"] = MISSING
    _check_world(world)
    return world


def _check_world(world):
    """The world is what the table below assumes (a change in the BPMN shows here first)."""
    ids = world["user"]
    expected = {
        "charter": (ids["pat"], set()),
        "queue": (None, {"pmo"}),
        "decision": (ids["sam"], set()),
        "scoring": (None, {"finance"}),
        "claimed": (ids["gwen"], {"pmo"}),
        "other": (ids["max"], set()),
    }
    for key, (assignee, roles) in expected.items():
        row = db.session.get(HumanTask, world["task"][key])
        assert (row.status, row.assignee_id) == ("open", assignee), key
        assert {c.role for c in row.candidates if c.role} == roles, key
    condition = db.session.get(GateCondition, world["condition"])
    assert condition.project_id == world["project"]["PRJ-4"] and condition.owner_id == ids["cora"]


@pytest.fixture(scope="module")
def matrix_app(tmp_path_factory, _migrated_template):
    """One app for the whole matrix: a new app per case would recompile every SQL statement
    (SQLAlchemy caches them per engine), which is most of the cost. SQLite: the world is built
    once into a template file. PostgreSQL (no template): `world` rebuilds it for each case."""
    if _migrated_template is None:
        app = create_app(_config(os.environ["TOLLGATE_TEST_DATABASE_URL"]))
        app.config["WORLD_TEMPLATE"] = None
    else:
        folder = tmp_path_factory.mktemp("permissions")
        template, live = folder / "world.sqlite", folder / "live.sqlite"
        shutil.copy(_migrated_template, template)
        builder = create_app(_config(f"sqlite:///{template}"))
        with builder.app_context():
            world = build_world()
            db.session.remove()
            db.engine.dispose()  # checkpoints the WAL into the file
        app = create_app(_config(f"sqlite:///{live}"))
        app.config["WORLD_TEMPLATE"] = (template, live, world)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def world(matrix_app) -> dict:
    """Every case starts from the same world: a fresh copy of it (SQLite) or a rebuilt one."""
    with matrix_app.app_context():
        db.session.remove()
        db.engine.dispose()  # no connection may keep the previous case's file open
        if matrix_app.config["WORLD_TEMPLATE"] is None:
            pristine = matrix_app.config.get("PRISTINE_WORLD")
            if pristine and snapshot(matrix_app) == pristine[0]:
                return pristine[1]  # the last case changed nothing: no rebuild (PostgreSQL)
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            built = build_world()
            db.session.remove()
            matrix_app.config["PRISTINE_WORLD"] = (snapshot(matrix_app), built)
            return built
    template, live, built = matrix_app.config["WORLD_TEMPLATE"]
    for leftover in (Path(f"{live}-wal"), Path(f"{live}-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copy(template, live)
    return built


# --- request bodies --------------------------------------------------------------------------

SCORES = {"strategic_fit": "4", "business_value": "4", "risk": "3", "feasibility": "4"}
PAGE_FORMS = {  # valid form posts of each task's form, as a browser sends them
    "project_charter": {
        "objectives": "Replace billing",
        "scope": "Billing only",
        "business_case": "Saves money",
        "estimated_cost": "450000",
    },
    "gate_readiness": {
        name: "y"
        for name in (
            "package_complete",
            "strategic_alignment",
            "risks_assessed",
            "funding_available",
            "readiness_passed",
        )
    },
    "gate_decision": {**SCORES, "decision": "go"},
    "gate_score": {**SCORES, "recommendation": "go", "comment": "Fine by finance"},
}
NEW_PROJECT = {
    "name": "New one",
    "code": "NEW-1",
    "pm": "pat",
    "sponsor": "sam",
    "budget": "1000",
    "start_date": "2027-01-04",
    "end_date": "2027-12-17",
    "lifecycle": "project_lifecycle",
}
NEW_USER = {
    "username": "nina",
    "display_name": "Nina Newcomer",
    "password": "long enough pw",
    "roles": ["pm"],
}


# --- the table -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One route (with its object) × every actor. `expect` maps an answer to the actors who get
    it (OTHERS: the remaining logged-in users); anonymous gets LOGIN on pages and 401 on the
    API unless `anon` says otherwise. Allowed requests make `effect` (None: nothing changes);
    `listed` is what a list shows each actor; `bugs` are (actors, reason) of known deviations."""

    method: str
    path: str
    expect: dict
    anon: object = None
    body: dict | None = None
    task: str | None = None  # the world task the row acts on (for effects)
    effect: str | None = None
    listed: dict | None = None
    bugs: tuple = ()
    skip_unless: str | None = None

    @property
    def api(self) -> bool:
        return self.path.startswith("/api/")

    def outcomes(self) -> dict:
        answers = {}
        named = set().union(*(actors for actors in self.expect.values() if actors != OTHERS))
        for answer, actors in self.expect.items():
            for actor in USERS - named if actors == OTHERS else actors:
                assert actor not in answers, f"{self.path}: {actor} twice"
                answers[actor] = answer
        answers[ANON] = self.anon or (UNAUTHORIZED if self.api else LOGIN)
        assert set(answers) == set(ACTORS), f"{self.path}: {set(ACTORS) - set(answers)} missing"
        return answers

    def bug_for(self, actor: str) -> str | None:
        for actors, reason in self.bugs:
            if actor in actors:
                return reason
        return None


def page_and_api(
    method,
    page_path,
    api_path,
    expect,
    ok_page,
    ok_api,
    *,
    page_body=None,
    api_body=None,
    page_bugs=(),
    api_bugs=(),
    **common,
):
    """The same rule through a page and the API; `ok_page`/`ok_api` stand for OK in `expect`."""

    def swap(ok):
        return {ok if answer == OK else answer: actors for answer, actors in expect.items()}

    return [
        Row(method, page_path, swap(ok_page), body=page_body, bugs=page_bugs, **common),
        Row(method, api_path, swap(ok_api), body=api_body, bugs=api_bugs, **common),
    ]


# The six open tasks: who works on it (its assignee, or the members of its queue), who knows
# it exists (everyone who sees its project), and who may release it (its holder, pmo, admin;
# releasing a task nobody holds is an idempotent no-op for anyone who knows it).
#                form key           worker    knows it      may release it
TASK_RULES = {
    "charter": ("project_charter", {"pat"}, SEES_OURS, {"pat", "gwen", "ada"}),
    "queue": ("gate_readiness", {"gwen"}, SEES_OURS, SEES_OURS),
    "decision": ("gate_decision", {"sam"}, SEES_OURS, {"sam", "gwen", "ada"}),
    "scoring": ("gate_score", {"fin"}, SEES_SCORING, SEES_SCORING),
    "claimed": ("gate_readiness", {"gwen"}, SEES_OURS, {"gwen", "ada"}),
    "other": ("project_charter", {"max"}, SEES_OTHER, {"max", "gwen", "ada"}),
}
HELD = {"charter", "decision", "claimed", "other"}  # assigned to someone; the others are queued


def task_rows() -> list[Row]:
    """Per task, page and API alike:

    route                      worker                knows it, not worker   everyone else
    GET  task                  200                   403                    404
    POST complete (valid)      302 / (API 200)       403                    404
    POST claim                 302 task (API 200)    403                    404
    POST release               302 / (API 200) for "may release it", else 403; 404
    """
    rows = []
    for key, (form_key, worker, knows, releasers) in TASK_RULES.items():
        task = f"{{task[{key}]}}"
        page, api = f"/tasks/{task}", f"/api/v1/tasks/{task}"
        onlookers = knows - worker
        rows += [
            Row("GET", page, {OK: worker, FORBIDDEN: onlookers, NOT_FOUND: OTHERS}),
            Row("GET", api, {OK: worker, FORBIDDEN: onlookers, NOT_FOUND: OTHERS}),
        ]
        rows += page_and_api(
            "POST",
            page,
            f"{api}/complete",
            {OK: worker, FORBIDDEN: onlookers, NOT_FOUND: OTHERS},
            to("/"),
            OK,
            page_body=PAGE_FORMS[form_key],
            api_body=FORM_DATA[form_key],
            task=key,
            effect="completed",
        )
        rows += page_and_api(
            "POST",
            f"{page}/claim",
            f"{api}/claim",
            {OK: worker, FORBIDDEN: onlookers, NOT_FOUND: OTHERS},
            to(f"/tasks/{task}"),
            OK,
            task=key,
            effect="claimed",
        )
        rows += page_and_api(
            "POST",
            f"{page}/release",
            f"{api}/release",
            {OK: releasers, FORBIDDEN: knows - releasers, NOT_FOUND: OTHERS},
            to("/"),
            OK,
            task=key,
            effect="released",
        )
    rows.append(Row("GET", "/tasks/{task[missing]}", {NOT_FOUND: OTHERS}))
    rows.append(Row("GET", "/api/v1/tasks/{task[missing]}", {NOT_FOUND: OTHERS}))
    return rows


def project_rows() -> list[Row]:
    rows = []
    for code, knows in [
        ("PRJ-1", SEES_OURS),
        ("PRJ-2", SEES_OURS),
        ("PRJ-3", SEES_OURS),
        ("PRJ-4", SEES_SCORING),
        ("PRJ-5", SEES_OURS),
        ("OTH-1", SEES_OTHER),
        ("missing", frozenset()),
    ]:
        project = f"{{project[{code}]}}"
        rows.append(Row("GET", f"/projects/{project}", {OK: knows, NOT_FOUND: OTHERS}))
        rows.append(Row("GET", f"/api/v1/projects/{project}", {OK: knows, NOT_FOUND: OTHERS}))
        if code in ("PRJ-1", "PRJ-4", "OTH-1"):
            rows.append(Row("GET", f"/projects/{project}/diagram", {OK: knows, NOT_FOUND: OTHERS}))
            rows.append(
                Row("GET", f"/api/v1/projects/{project}/documents", {OK: knows, NOT_FOUND: OTHERS})
            )
    return rows


# Which projects each user's lists show, and which open tasks their inbox holds.
OURS = {"PRJ-1", "PRJ-2", "PRJ-3", "PRJ-4", "PRJ-5"}
PROJECT_LIST = {
    "pat": OURS,
    "sam": OURS,
    "gwen": OURS | {"OTH-1"},
    "pia": OURS | {"OTH-1"},
    "ada": OURS | {"OTH-1"},
    "fin": {"PRJ-4"},
    "cora": {"PRJ-4"},
    "dee": set(),
    "max": {"OTH-1"},
    "sue": {"OTH-1"},
}
ASSIGNED_TO = {"pat": {"charter"}, "sam": {"decision"}, "gwen": {"claimed"}, "max": {"other"}}
QUEUED_FOR = {"gwen": {"queue"}, "fin": {"scoring"}}


def _codes(keys_by_user):
    return {u: {TASKS[k] for k in keys_by_user.get(u, ())} for u in USERS}


def _tasks(*tables):
    return {u: set().union(*(t.get(u, set()) for t in tables)) for u in USERS}


CONDITION = "/tasks/{task[scoring]}/conditions/{condition}/close"
CLOSERS = frozenset({"cora", "pat", "gwen", "ada"})  # owner, PM, PMO, admin
SUPERVISORS = frozenset({"gwen", "ada"})

ROWS: list[Row] = [
    # Signing in and out; API tokens (someone else's token is not theirs to know).
    Row("GET", "/login", {to("/"): OTHERS}, anon=OK),
    Row("POST", "/logout", {to("/login"): OTHERS}, anon=to("/login")),
    Row("GET", "/tokens", {OK: OTHERS}),
    Row("POST", "/tokens", {CREATED: OTHERS}, body={"name": "laptop"}, effect="token_created"),
    Row(
        "POST",
        "/tokens/{token_id[pat]}/revoke",
        {to("/tokens"): {"pat"}, NOT_FOUND: OTHERS},
        effect="token_revoked",
    ),
    # The inbox: everyone has one, holding only their own tasks and queues.
    Row("GET", "/", {OK: OTHERS}, listed=_codes(ASSIGNED_TO)),
    Row("GET", "/?tab=queues", {OK: OTHERS}, listed=_codes(QUEUED_FOR)),
    Row("GET", "/api/v1/tasks", {OK: OTHERS}, listed=_tasks(ASSIGNED_TO, QUEUED_FOR)),
    *task_rows(),
    # Closing a gate condition: its owner, the PM, the PMO and admins.
    Row(
        "POST",
        CONDITION,
        {
            to("/tasks/{task[scoring]}"): {"cora", "pat", "gwen", "ada"},
            FORBIDDEN: SEES_SCORING - {"cora", "pat", "gwen", "ada"},
            NOT_FOUND: OTHERS,
        },
        body={"note": "Risk owner named"},
        effect="condition_closed",
    ),
    Row(
        "POST",
        "/tasks/{task[charter]}/conditions/{condition}/close",
        {NOT_FOUND: OTHERS},
        body={"note": "Through another project's task"},
    ),
    Row(
        "POST",
        "/projects/{project[PRJ-4]}/conditions/{condition}/close",
        {
            to("/projects/{project[PRJ-4]}"): CLOSERS,
            FORBIDDEN: SEES_SCORING - CLOSERS,
            NOT_FOUND: OTHERS,
        },
        body={"note": "Risk owner named"},
        effect="condition_closed",
    ),
    Row(
        "POST",
        "/api/v1/projects/{project[PRJ-4]}/conditions/{condition}/close",
        {OK: CLOSERS, FORBIDDEN: SEES_SCORING - CLOSERS, NOT_FOUND: OTHERS},
        body={"note": "Risk owner named"},
        effect="condition_closed",
    ),
    Row(
        "POST",
        "/projects/{project[PRJ-1]}/conditions/{condition}/close",
        {NOT_FOUND: OTHERS},
        body={"note": "Through another project"},
    ),
    # Reassigning: the PMO and administrators only.
    Row(
        "POST",
        "/projects/{project[PRJ-1]}/tasks/{task[charter]}/reassign",
        {to("/projects/{project[PRJ-1]}"): SUPERVISORS, FORBIDDEN: OTHERS},
        body={"assignee": "max"},
        task="charter",
        effect="reassigned",
    ),
    Row(
        "POST",
        "/api/v1/tasks/{task[charter]}/reassign",
        {OK: SUPERVISORS, FORBIDDEN: SEES_OURS - SUPERVISORS, NOT_FOUND: OTHERS},
        body={"assignee": "max"},
        task="charter",
        effect="reassigned",
    ),
    # Projects: lists for everyone (filtered), starting one for starters, pages for who knows.
    Row("GET", "/projects/", {OK: OTHERS}, listed=PROJECT_LIST),
    Row("GET", "/api/v1/projects", {OK: OTHERS}, listed=PROJECT_LIST),
    Row("GET", "/projects/new", {OK: STARTERS, FORBIDDEN: OTHERS}),
    Row(
        "POST",
        "/projects/new",
        {to("/projects/{project[NEW-1]}"): STARTERS, FORBIDDEN: OTHERS},
        body=NEW_PROJECT,
        effect="project_created",
    ),
    Row(
        "POST",
        "/api/v1/projects",
        {CREATED: STARTERS, FORBIDDEN: OTHERS},
        body={k: v for k, v in NEW_PROJECT.items() if k != "budget"},
        effect="project_created",
    ),
    *project_rows(),
    # User administration: admins only.
    Row("GET", "/admin/", {OK: {"ada"}, FORBIDDEN: OTHERS}),
    Row("GET", "/admin/users", {OK: {"ada"}, FORBIDDEN: OTHERS}),
    Row(
        "POST",
        "/admin/users",
        {to("/admin/users"): {"ada"}, FORBIDDEN: OTHERS},
        body=NEW_USER,
        effect="user_added",
    ),
    Row("GET", "/admin/users/{user[dee]}", {OK: {"ada"}, FORBIDDEN: OTHERS}),
    Row("GET", "/admin/users/{user[missing]}", {NOT_FOUND: {"ada"}, FORBIDDEN: OTHERS}),
    Row(
        "POST",
        "/admin/users/{user[dee]}",
        {to("/admin/users"): {"ada"}, FORBIDDEN: OTHERS},
        body={"roles": ["designer", "ccb"]},
        effect="roles_changed",
    ),
    Row(
        "POST",
        "/admin/users/{user[dee]}/active",
        {to("/admin/users"): {"ada"}, FORBIDDEN: OTHERS},
        body={"active": "0"},
        effect="deactivated",
    ),
    # Public: the OpenAPI description and static files.
    Row("GET", "/api/v1/openapi.json", {OK: OTHERS}, anon=OK),
    Row("GET", "/static/css/projects.css", {OK: OTHERS}, anon=OK),
    Row(
        "GET",
        "/assets/bootstrap/dist/css/bootstrap.min.css",
        {OK: OTHERS},
        anon=OK,
        skip_unless="bootstrap/dist/css/bootstrap.min.css",
    ),
]


def _label(row: Row) -> str:
    return f"{row.method} " + re.sub(
        r"\{(\w+)(?:\[([^\]]+)\])?\}", lambda m: f"<{m.group(2) or m.group(1)}>", row.path
    )


def _cases():
    for row in ROWS:
        answers = row.outcomes()
        for actor in ACTORS:
            marks = []
            reason = row.bug_for(actor)
            if reason:
                marks.append(pytest.mark.xfail(strict=True, reason=reason))
            yield pytest.param(
                row, actor, answers[actor], marks=marks, id=f"{_label(row)} [{actor}]"
            )


# --- the test --------------------------------------------------------------------------------


@pytest.mark.parametrize(("row", "actor", "expected"), list(_cases()))
def test_route_permissions(matrix_app, world, row, actor, expected):
    app = matrix_app
    if row.skip_unless and not (Path(app.config["NODE_MODULES_DIR"]) / row.skip_unless).exists():
        pytest.skip("front-end packages not installed (npm)")
    client = app.test_client()
    headers = {}
    if actor != ANON and row.api:
        headers["Authorization"] = f"Bearer {world['token'][actor]}"
    elif actor != ANON:
        response = client.post("/login", data={"username": actor, "password": PASSWORD})
        assert response.status_code == 302, f"{actor} could not log in"
    path = row.path.format(**world)
    before = snapshot(app)

    body = {"json": row.body} if row.api and row.method == "POST" else {"data": row.body}
    response = client.open(path, method=row.method, headers=headers, **body)

    response.get_data()
    response.close()  # file responses hold their file open until closed
    after = snapshot(app)
    status, location = expected if isinstance(expected, tuple) else (expected, None)
    if expected == LOGIN:
        status, location = 302, "/login?next=" + quote(path, safe="")
    got = response.headers.get("Location") if response.status_code == 302 else None
    assert (response.status_code, got) == (status, _fill(location, world, after)), (
        response.get_data(as_text=True)[:300]
    )
    if row.api and status >= 400:
        assert response.get_json()["error"]  # JSON errors, never an HTML page
    allowed = expected != LOGIN and status < 400
    if allowed and row.effect:
        EFFECTS[row.effect](before, after, world, actor, row)
    else:
        assert after == before, "a refused or read-only request changed something"
    if allowed and row.listed is not None:
        assert listed(response, row, world) == row.listed[actor]


def _fill(location, world, after):
    if location is None:
        return None
    return location.format(
        **{**world, "project": {code: pid for pid, code, _s in after["projects"]}}
    )


def listed(response, row, world) -> set:
    """Which of the world's projects (codes) or tasks (keys) the list shows."""
    if row.path == "/api/v1/tasks":
        ids = {item["id"] for item in response.get_json()["items"]}
        return {key for key, task_id in world["task"].items() if task_id in ids}
    if row.api:
        return {item["code"] for item in response.get_json()["items"]}
    shown = rows_text(response)
    return {code for code in set(TASKS.values()) if re.search(rf"\b{code}\b", shown)}


# --- what changed ----------------------------------------------------------------------------


def snapshot(app) -> dict:
    """The state a request may change (tokens' last use aside: reading marks it)."""
    with app.app_context():

        def rows(*columns):
            return frozenset(tuple(r) for r in db.session.execute(select(*columns)))

        state = {
            "audit_events": db.session.scalar(select(func.count(AuditEvent.id))),
            "tasks": rows(
                HumanTask.id, HumanTask.status, HumanTask.assignee_id, HumanTask.completed_by_id
            ),
            "projects": rows(Project.id, Project.code, Project.status),
            "users": rows(User.id, User.username, User.active),
            "roles": rows(UserRole.user_id, UserRole.role),
            "tokens": rows(ApiToken.id, ApiToken.user_id, ApiToken.revoked_at),
            "conditions": rows(GateCondition.id, GateCondition.status),
        }
        db.session.remove()
    return state


def _task(state, world, row):
    task_id = world["task"][row.task]
    (found,) = [t for t in state["tasks"] if t[0] == task_id]
    return found


def _completed(before, after, world, actor, row):
    _id, status, _assignee, completed_by = _task(after, world, row)
    assert (status, completed_by) == ("completed", world["user"][actor])
    assert after["audit_events"] > before["audit_events"]


def _claimed(before, after, world, actor, row):
    assert _task(after, world, row)[1:3] == ("open", world["user"][actor])
    if _task(before, world, row)[2] == world["user"][actor]:
        assert after == before  # claiming your own task again changes nothing


def _released(before, after, world, actor, row):
    assert _task(after, world, row)[1:3] == ("open", None)
    if _task(before, world, row)[2] is None:
        assert after == before  # releasing a queued task changes nothing


def _condition_closed(before, after, world, actor, row):
    assert (world["condition"], "closed") in after["conditions"]


def _reassigned(before, after, world, actor, row):
    assert _task(after, world, row)[1:3] == ("open", world["user"]["max"])


def _project_created(before, after, world, actor, row):
    assert {p[1] for p in after["projects"] - before["projects"]} == {"NEW-1"}


def _user_added(before, after, world, actor, row):
    assert {u[1] for u in after["users"] - before["users"]} == {"nina"}


def _roles_changed(before, after, world, actor, row):
    dee = world["user"]["dee"]
    assert {r for u, r in after["roles"] if u == dee} == {"designer", "ccb"}


def _deactivated(before, after, world, actor, row):
    assert (world["user"]["dee"], "dee", False) in after["users"]


def _token_created(before, after, world, actor, row):
    (new,) = after["tokens"] - before["tokens"]
    assert new[1:] == (world["user"][actor], None)


def _token_revoked(before, after, world, actor, row):
    (revoked,) = [t for t in after["tokens"] if t[0] == world["token_id"]["pat"]]
    assert revoked[2] is not None


EFFECTS = {
    "completed": _completed,
    "claimed": _claimed,
    "released": _released,
    "condition_closed": _condition_closed,
    "project_created": _project_created,
    "reassigned": _reassigned,
    "user_added": _user_added,
    "roles_changed": _roles_changed,
    "deactivated": _deactivated,
    "token_created": _token_created,
    "token_revoked": _token_revoked,
}
