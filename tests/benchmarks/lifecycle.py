"""`make bench`: what completing a task costs, next to what SpiffWorkflow alone needs.

For the standard lifecycle, every project of a pool is driven along the same path (all gates
"go"). At the measured steps the same task is completed on each project of the pool, and the
median is reported. Each completion is paired with the bare step on the same workflow state,
taken just before it, so both are timed on the same tree and in the same conditions:

- bare: SpiffWorkflow alone, no database: deserialize the workflow saved with SpiffWorkflow's
  own full-spec serializer (CAMUNDA_CONFIG), set the data on the READY user task, run it, run
  the engine steps, serialize again.
- engine: the same step with our engine layer (spec-free state, cached spec, sandboxed script
  engine, inbox view of the READY tasks), still without a database.
- service: `services.tasks.complete_task` in a fresh session: form validation, the engine,
  inbox/stage/audit rows and the commit.
- API: `POST /api/v1/tasks/<id>/complete` with a bearer token, sent through the Flask test
  client and timed at the WSGI boundary (server time: routing, token check, the service, the
  JSON answer), so the test client's own request building and response parsing are not counted.
- +N others: the service again, on projects that each have N other running instances (kind
  "change_request", each a gate_review waiting for its PM): the lifecycle must not pay for them.

Timed sections run with the garbage collector off, as `timeit` runs them, so a collection that
falls due by chance does not land on one column's median. (No `gc.collect()` first: walking
every object leaves the CPU caches cold for whatever is timed next.)

The pools advance in lockstep, interleaved project by project, so the database grows evenly
under every column. Use a scratch database: the benchmark adds projects and users.
"""

import gc
import statistics
import time
import uuid
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal

from flask import current_app
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from sqlalchemy import select

from webapp.engine import runner
from webapp.engine import state
from webapp.extensions import db
from webapp.models import HumanTask
from webapp.models import Project
from webapp.models import User
from webapp.models import UserRole
from webapp.models import WorkflowInstance
from webapp.services.demo import sample_form_data
from webapp.services.instances import new_workflow
from webapp.services.instances import save_workflow
from webapp.services.library import bundle_for
from webapp.services.library import deploy_files
from webapp.services.library import read_library
from webapp.services.projects import NewProject
from webapp.services.projects import start_project
from webapp.services.tasks import complete_task
from webapp.services.tasks import validate_task_data
from webapp.services.users import add_user
from webapp.services.users import issue_token

BENCH_USERS = {
    "bench_pm": ("Bench PM", ["pm"]),
    "bench_sponsor": ("Bench Sponsor", ["sponsor"]),
    "bench_pmo": ("Bench PMO", ["pmo"]),
    "bench_finance": ("Bench Finance", ["finance"]),
    "bench_portfolio": ("Bench Portfolio", ["portfolio"]),
}

# (task name, label when measured or None): the standard lifecycle with every gate passing.
PATH = [
    ("prepare_charter", "prepare_charter"),
    ("submit_gate_package", None),
    ("check_gate_readiness", None),
    ("decide_gate", "Gate 1 decision"),
    ("prepare_project_plan", "prepare_project_plan"),
    ("submit_gate_package", None),
    ("check_gate_readiness", None),
    ("score_gate", None),
    ("decide_gate", "Gate 2 decision"),
    ("mobilise_delivery", "mobilise_delivery"),
    ("submit_gate_package", None),
    ("check_gate_readiness", None),
    ("score_gate", None),
    ("decide_gate", "Gate 3 decision"),
    ("complete_delivery", None),
    ("submit_gate_package", None),
    ("check_gate_readiness", None),
    ("decide_gate", "Gate 4 decision"),
    ("capture_lessons_learned", "capture_lessons_learned"),
]

PAYLOADS = sample_form_data(450_000)  # the demo's valid data for every task form


@dataclass
class Row:
    label: str
    tasks: int = 0
    bare: list[float] = field(default_factory=list)
    engine: list[float] = field(default_factory=list)
    service: list[float] = field(default_factory=list)
    api: list[float] = field(default_factory=list)
    crowded: list[float] = field(default_factory=list)
    # per completion: its time / the bare step's on the same state, taken beside it
    ratios: dict[str, list[float]] = field(default_factory=dict)

    def add(self, timings: dict[str, float]) -> None:
        for column, elapsed in timings.items():
            getattr(self, column).append(elapsed)
        bare = timings.get("bare")
        for column in ("service", "api", "crowded"):
            if bare and column in timings:
                self.ratios.setdefault(column, []).append(timings[column] / bare)


def run_benchmark(rounds: int = 40, others: int = 50) -> str:
    """Run in the current application context (on a scratch database) and return the table."""
    rounds = max(1, int(rounds))
    started = time.perf_counter()
    _deploy()
    users = _users()
    tokens = {name: issue_token(name, "bench") for name in BENCH_USERS}
    api = ServerTimedClient(current_app)
    run_id = uuid.uuid4().hex[:6].upper()
    # Index 0 of each pool is the warm-up project: advanced first, never timed.
    pools = {
        "service": _projects(f"B{run_id}-S", rounds + 1, users),
        "api": _projects(f"B{run_id}-A", rounds + 1, users),
        "crowded": _projects(f"B{run_id}-C", rounds + 1, users),
    }
    for project_id in pools["crowded"]:
        _add_other_instances(project_id, others)
    pool_ids = [pid for ids in pools.values() for pid in ids]
    prepared = time.perf_counter() - started

    rows: list[Row] = []
    for task_name, label in PATH:
        row = Row(label) if label else None
        for index in range(rounds + 1):
            for pool, ids in pools.items():
                timings, tasks = _advance(
                    ids[index], task_name, pool, api, tokens, row is not None, index % 2 == 0
                )
                if row is not None and index > 0:
                    row.tasks = tasks or row.tasks
                    row.add(timings)
        if row is not None:
            rows.append(row)
    total = time.perf_counter() - started
    return _report(rows, rounds, others, len(pool_ids), prepared, total)


class ServerTimedClient:
    """The Flask test client, with the server's share of each request timed at the WSGI
    boundary: from the environ arriving to the response body fully produced."""

    def __init__(self, app):
        self.client = app.test_client()
        self.app = app
        self.last_ms = 0.0

    def post(self, url: str, **kwargs):
        inner = self.app.wsgi_app

        def timed(environ, start_response):
            t0 = time.perf_counter()
            body = b"".join(inner(environ, start_response))
            self.last_ms = _ms(t0)
            return [body]

        self.app.wsgi_app = timed
        try:
            return self.client.post(url, **kwargs)
        finally:
            self.app.wsgi_app = inner


# -- preparation ------------------------------------------------------------------------------


def _deploy() -> None:
    deploy_files(read_library([current_app.config["WORKFLOWS_DIR"]]), note="benchmark")


def _users() -> dict[str, User]:
    for username, (display, roles) in BENCH_USERS.items():
        if db.session.scalar(select(User.id).filter_by(username=username)) is None:
            add_user(username, roles, display_name=display, password=None)
    return {name: db.session.scalar(select(User).filter_by(username=name)) for name in BENCH_USERS}


def _projects(prefix: str, count: int, users: dict[str, User]) -> list[int]:
    ids = []
    for index in range(count):
        project = start_project(
            NewProject(
                code=f"{prefix}{index:02d}",
                name=f"Benchmark project {prefix}{index:02d}",
                pm="bench_pm",
                sponsor="bench_sponsor",
                budget=Decimal(450000),
            ),
            users["bench_pm"],
        )
        ids.append(project.id)
    return ids


def _add_other_instances(project_id: int, count: int) -> None:
    """Real running instances linked to the project: gate reviews waiting for the PM."""
    project = db.session.get(Project, project_id)
    lifecycle = db.session.scalar(
        select(WorkflowInstance).filter_by(project_id=project_id, kind="lifecycle")
    )
    for index in range(count):
        data = {
            "gate_key": f"cr_{index}",
            "gate_title": f"Change request {index + 1}",
            "gatekeepers": [],
            "recycle_counts": {},
        }
        workflow = new_workflow(lifecycle.version, "gate_review", data)
        instance = WorkflowInstance(
            project_id=project_id,
            kind="change_request",
            process_id="gate_review",
            version_id=lifecycle.version_id,
        )
        save_workflow(instance, workflow, project, actor=None)
    db.session.commit()


# -- one step ---------------------------------------------------------------------------------


def _open_rows(project_id: int, task_name: str) -> list[HumanTask]:
    return list(
        db.session.scalars(
            select(HumanTask)
            .join(WorkflowInstance, WorkflowInstance.id == HumanTask.instance_id)
            .where(
                HumanTask.project_id == project_id,
                HumanTask.task_name == task_name,
                HumanTask.status == "open",
                WorkflowInstance.kind == "lifecycle",
            )
            .order_by(HumanTask.id)
        )
    )


def _payload(row: HumanTask) -> dict:
    return dict(PAYLOADS.get(row.form_key) or PAYLOADS.get(row.task_name) or {})


def _advance(project_id, task_name, pool, api, tokens, paired, bare_first=True):
    """Complete the project's open `task_name` (every one, for parallel scoring tasks) as a
    fresh request would. Return the milliseconds of the last completion by column, with the
    bare (and, for the service pool, engine) step on the same state when `paired`, and the
    size of that state's task tree (0 when not paired). `bare_first` says whether the bare
    step runs before the completion or after it, so that neither always warms the other."""
    db.session.remove()
    rows = _open_rows(project_id, task_name)
    if not rows:
        raise RuntimeError(f"benchmark: project {project_id} has no open {task_name}")
    timings: dict[str, float] = {}
    tasks = 0
    for row in rows:
        row_id, payload, actor_id = row.id, _payload(row), _worker(row).id
        step = None
        if paired and row is rows[-1]:
            step = EngineStep(row, payload)
            tasks = step.tasks
        db.session.remove()
        if step is not None and bare_first:
            timings.update(step.time(ours=pool == "service"))
        timings[pool] = _complete(pool, row_id, payload, actor_id, api, tokens)
        if step is not None and not bare_first:
            timings.update(step.time(ours=pool == "service"))
        db.session.remove()
    return timings, tasks


def _complete(pool, row_id, payload, actor_id, api, tokens) -> float:
    actor = db.session.get(User, actor_id)
    if pool == "api":
        headers = {"Authorization": f"Bearer {tokens[actor.username]}"}
        db.session.remove()
        with _collector_off():
            response = api.post(f"/api/v1/tasks/{row_id}/complete", json=payload, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(
                f"benchmark: API completion of task {row_id} answered "
                f"{response.status_code}: {response.get_data(as_text=True)}"
            )
        return api.last_ms
    with _collector_off():
        t0 = time.perf_counter()
        complete_task(row_id, payload, actor)
        return _ms(t0)


def _worker(row: HumanTask) -> User:
    if row.assignee is not None:
        return row.assignee
    for candidate in row.candidates:
        if candidate.user_id:
            return db.session.get(User, candidate.user_id)
        user = db.session.scalar(
            select(User)
            .join(UserRole)
            .where(UserRole.role == candidate.role, User.username.in_(BENCH_USERS))
        )
        if user is not None:
            return user
    raise RuntimeError(f"benchmark: nobody can work on {row.task_name}")


class _collector_off:
    """What timeit does around timed code: the garbage collector is off meanwhile."""

    def __enter__(self):
        self.was_enabled = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc):
        if self.was_enabled:
            gc.enable()
        return False


# -- engine-only measurements -----------------------------------------------------------------

_STOCK = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(CAMUNDA_CONFIG))


class EngineStep:
    """One task completion on a project's current state, without a database: as SpiffWorkflow
    alone does it (bare), and through our engine layer (ours). Neither touches the project."""

    def __init__(self, row: HumanTask, payload: dict):
        instance = row.instance
        data = validate_task_data(row, payload)
        data.pop("conditions", None)  # gate rows, not workflow data (see services.gates)
        self.data, self.task_id, self.text = data, row.task_id, instance.state
        bundle = bundle_for(instance.version)
        self.spec, self.subprocess_specs = bundle.spec(instance.process_id)
        workflow = state.loads(self.text, self.spec, self.subprocess_specs)
        self.tasks = runner.task_count(workflow)
        self.full_json = _STOCK.serialize_json(workflow)

    def time(self, ours: bool) -> dict[str, float]:
        timings = {"bare": self.time_bare()}
        if ours:
            timings["engine"] = self.time_ours()
        return timings

    def time_bare(self) -> float:
        with _collector_off():
            t0 = time.perf_counter()
            workflow = _STOCK.deserialize_json(self.full_json)
            task = workflow.get_task_from_id(uuid.UUID(self.task_id))
            task.set_data(**self.data)
            task.run()
            workflow.do_engine_steps()
            _STOCK.serialize_json(workflow)
            return _ms(t0)

    def time_ours(self) -> float:
        with _collector_off():
            t0 = time.perf_counter()
            workflow = state.loads(self.text, self.spec, self.subprocess_specs)
            runner.complete(workflow, self.task_id, self.data)
            runner.ready_tasks(workflow)
            state.dumps(workflow)
            return _ms(t0)


# -- report -----------------------------------------------------------------------------------


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _report(rows, rounds, others, projects, prepared, total) -> str:
    header = ["step", "tasks", "bare", "engine", "service", "svc/bare", "API", "API/bare"]
    header += [f"+{others} inst", "ratio"]
    table = [header]
    worst: dict[str, float] = {}
    worst_gate: dict[str, float] = {}

    def ratio(key, value, row):
        if value is None:
            return "-"
        worst[key] = max(worst.get(key, 0.0), value)
        if row.label.startswith("Gate "):
            worst_gate[key] = max(worst_gate.get(key, 0.0), value)
        return f"{value:.2f}x"

    for row in rows:
        bare, engine = _median(row.bare), _median(row.engine)
        service, api, crowded = _median(row.service), _median(row.api), _median(row.crowded)
        line = [
            row.label,
            str(row.tasks),
            _fmt(bare),
            _fmt(engine),
            _fmt(service),
            ratio("service", _median(row.ratios.get("service", [])), row),
            _fmt(api),
            ratio("api", _median(row.ratios.get("api", [])), row),
        ]
        # Both sides paired with their own bare steps: how much more the crowded projects'
        # completions cost, relative to the same work, than the plain projects' ones.
        plain, crowd = (
            _median(row.ratios.get("service", [])),
            _median(row.ratios.get("crowded", [])),
        )
        crowding = crowd / plain if crowd is not None and plain else None
        line += [_fmt(crowded), ratio("crowded", crowding, row)]
        table.append(line)
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    out = [
        f"Tollgate benchmark: standard lifecycle, median ms of {rounds} completion(s) per cell; "
        f"{projects} projects, prepared in {prepared:.1f} s, total {total:.1f} s.",
        "",
    ]
    for index, line in enumerate(table):
        out.append(
            "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(line, widths, strict=True))
            )
        )
        if index == 0:
            out.append("  ".join("-" * w for w in widths))
    out += [
        "",
        "tasks: task-tree size (lifecycle + gate subprocess) before the step. bare: SpiffWorkflow",
        "alone (full-spec deserialize_json, set_data + run, do_engine_steps, serialize_json) on",
        "the same state, timed beside each completion. engine: our engine layer, no database.",
        "service: complete_task incl. validation and commit. API: server time of POST",
        "/api/v1/tasks/<id>/complete with a bearer token, timed at the WSGI boundary.",
        "svc/bare, API/bare: median of each completion's time over its own bare step's.",
        f"+{others} inst: the service on projects with {others} other running instances each;",
        "ratio = its paired ratio over the service's. The collector is off, as in timeit.",
        "",
        "At the gates (the target's scope):",
        _verdict("  service / bare", worst_gate.get("service"), 1.5),
        _verdict("  API / bare", worst_gate.get("api"), 1.5),
        _verdict(f"  {others} other instances / none", worst_gate.get("crowded"), 1.2),
        "Every step above:",
        _verdict("  service / bare", worst.get("service"), 1.5),
        _verdict("  API / bare", worst.get("api"), 1.5),
        _verdict(f"  {others} other instances / none", worst.get("crowded"), 1.2),
    ]
    return "\n".join(out)


def _verdict(what: str, worst: float | None, target: float) -> str:
    if worst is None:
        return f"{what}: not measured"
    status = "OK" if worst <= target else "ABOVE TARGET"
    return f"{what}: worst {worst:.2f}x (target <= {target}x) {status}"


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"
