"""`tollgate bench`: what completing a task costs, next to what SpiffWorkflow alone needs.

For the standard lifecycle, every project of a pool is driven along the same path (all gates
"go"). At the measured steps the same task is completed on each project of the pool, and the
median is reported:

- bare: SpiffWorkflow alone, no database: deserialize the workflow saved with SpiffWorkflow's
  own full-spec serializer (CAMUNDA_CONFIG), set the data on the READY user task, run it, run
  the engine steps, serialize again. Repeated `rounds` times on the same saved state.
- engine: the same step with our engine layer (spec-free state, cached spec, sandboxed script
  engine, inbox view of the READY tasks), still without a database.
- service: `services.tasks.complete_task` in a fresh session: form validation, the engine,
  inbox/stage/audit rows and the commit.
- API: `POST /api/v1/tasks/<id>/complete` through the Flask test client with a bearer token.
- +N others: the service again, on projects that each have N other running instances (kind
  "change_request", each a gate_review waiting for its PM): the lifecycle must not pay for them.

The pools advance in lockstep, interleaved project by project, so the database grows evenly
under every column. Use a scratch database: the benchmark adds projects and users.
"""

import statistics
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from ..engine import runner
from ..engine import state
from ..extensions import db
from ..models import HumanTask
from ..models import Project
from ..models import User
from ..models import UserRole
from ..models import WorkflowInstance
from .demo import sample_form_data
from .instances import load_workflow
from .instances import new_workflow
from .instances import save_workflow
from .library import deploy_files
from .library import read_library
from .projects import NewProject
from .projects import start_project
from .tasks import complete_task
from .tasks import validate_task_data
from .users import add_user
from .users import issue_token

BENCH_USERS = {
    "bench_pm": ("Bench PM", ["pm"]),
    "bench_sponsor": ("Bench Sponsor", ["sponsor"]),
    "bench_pmo": ("Bench PMO", ["pmo"]),
    "bench_finance": ("Bench Finance", ["finance"]),
    "bench_portfolio": ("Bench Portfolio", ["portfolio"]),
}
API_COMPLETE_RULE = "/api/v1/tasks/<int:task_id>/complete"

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
    crowded_tasks: int = 0


def run_benchmark(rounds: int = 15, others: int = 50) -> str:
    """Run in the current application context (on a scratch database) and return the table."""
    rounds = max(1, int(rounds))
    started = time.perf_counter()
    _deploy()
    users = _users()
    has_api = any(
        rule.rule == API_COMPLETE_RULE and "POST" in rule.methods
        for rule in current_app.url_map.iter_rules()
    )
    tokens = {name: issue_token(name, "bench") for name in BENCH_USERS} if has_api else {}
    client = current_app.test_client() if has_api else None
    run_id = uuid.uuid4().hex[:6].upper()
    # Index 0 of each pool is the warm-up project: advanced first, never timed.
    pools = {"service": _projects(f"B{run_id}-S", rounds + 1, users)}
    if has_api:
        pools["api"] = _projects(f"B{run_id}-A", rounds + 1, users)
    pools["crowded"] = _projects(f"B{run_id}-C", rounds + 1, users)
    for project_id in pools["crowded"]:
        _add_other_instances(project_id, others)
    pool_ids = [pid for ids in pools.values() for pid in ids]
    prepared = time.perf_counter() - started

    rows: list[Row] = []
    for task_name, label in PATH:
        row = Row(label) if label else None
        if row is not None:
            _measure_engine(pools["service"][0], task_name, row, rounds)
            row.crowded_tasks = _tree_size(pools["crowded"][0])
        for index in range(rounds + 1):
            for pool, ids in pools.items():
                elapsed = _advance(ids[index], task_name, pool, client, tokens)
                if row is not None and index > 0:
                    getattr(row, pool).append(elapsed)
        if row is not None:
            rows.append(row)
    total = time.perf_counter() - started
    return _report(rows, rounds, others, has_api, len(pool_ids), prepared, total)


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


def _advance(project_id, task_name, pool, client, tokens) -> float:
    """Complete the project's open `task_name` (every one, for parallel scoring tasks) as a
    fresh request would; return the milliseconds of the last completion."""
    db.session.remove()
    rows = _open_rows(project_id, task_name)
    if not rows:
        raise RuntimeError(f"benchmark: project {project_id} has no open {task_name}")
    elapsed = 0.0
    for row in rows:
        row_id, payload, actor_id = row.id, _payload(row), _worker(row).id
        db.session.remove()
        if pool == "api":
            actor = db.session.get(User, actor_id)
            headers = {"Authorization": f"Bearer {tokens[actor.username]}"}
            db.session.remove()
            t0 = time.perf_counter()
            response = client.post(
                f"/api/v1/tasks/{row_id}/complete", json=payload, headers=headers
            )
            elapsed = _ms(t0)
            if response.status_code != 200:
                raise RuntimeError(
                    f"benchmark: API completion of {task_name} answered "
                    f"{response.status_code}: {response.get_data(as_text=True)}"
                )
        else:
            actor = db.session.get(User, actor_id)
            t0 = time.perf_counter()
            complete_task(row_id, payload, actor)
            elapsed = _ms(t0)
        db.session.remove()
    return elapsed


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


# -- engine-only measurements -----------------------------------------------------------------


def _measure_engine(project_id: int, task_name: str, row: Row, rounds: int) -> None:
    """Bare SpiffWorkflow and our engine layer on the warm-up project's current state."""
    from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
    from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG

    db.session.remove()
    task_row = _open_rows(project_id, task_name)[0]
    instance = task_row.instance
    data = validate_task_data(task_row, _payload(task_row))
    data.pop("conditions", None)  # gate rows, not workflow data (see services.gates)
    task_id, spiff_text = task_row.task_id, instance.state
    spec, subprocess_specs = _spec_of(instance)
    workflow = state.loads(spiff_text, spec, subprocess_specs)
    row.tasks = _count_tasks(workflow)
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(CAMUNDA_CONFIG))
    full_json = serializer.serialize_json(workflow)
    db.session.remove()

    for _ in range(rounds + 1):  # the first run warms caches and is dropped
        t0 = time.perf_counter()
        bare = serializer.deserialize_json(full_json)
        task = bare.get_task_from_id(uuid.UUID(task_id))
        task.set_data(**data)
        task.run()
        bare.do_engine_steps()
        serializer.serialize_json(bare)
        row.bare.append(_ms(t0))

        t0 = time.perf_counter()
        ours = state.loads(spiff_text, spec, subprocess_specs)
        runner.complete(ours, task_id, data)
        runner.ready_tasks(ours)
        state.dumps(ours)
        row.engine.append(_ms(t0))
    del row.bare[0], row.engine[0]


def _spec_of(instance: WorkflowInstance):
    from .library import bundle_for

    return bundle_for(instance.version).spec(instance.process_id)


def _tree_size(project_id: int) -> int:
    instance = db.session.scalar(
        select(WorkflowInstance).filter_by(project_id=project_id, kind="lifecycle")
    )
    return _count_tasks(load_workflow(instance))


def _count_tasks(workflow) -> int:
    return len(workflow.tasks) + sum(len(sub.tasks) for sub in workflow.subprocesses.values())


# -- report -----------------------------------------------------------------------------------


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _report(rows, rounds, others, has_api, projects, prepared, total) -> str:
    header = ["step", "tasks", "bare", "engine", "service", "svc/bare"]
    if has_api:
        header += ["API", "API/bare"]
    header += [f"+{others} inst", "ratio"]
    table = [header]
    worst: dict[str, float] = {}

    def ratio(key, value, base):
        if value is None or not base:
            return "-"
        worst[key] = max(worst.get(key, 0.0), value / base)
        return f"{value / base:.2f}x"

    for row in rows:
        bare, engine = _median(row.bare), _median(row.engine)
        service, api, crowded = _median(row.service), _median(row.api), _median(row.crowded)
        line = [
            row.label,
            str(row.tasks),
            _fmt(bare),
            _fmt(engine),
            _fmt(service),
            ratio("service", service, bare),
        ]
        if has_api:
            line += [_fmt(api), ratio("api", api, bare)]
        line += [_fmt(crowded), ratio("crowded", crowded, service)]
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
        "alone (full-spec deserialize_json, set_data + run, do_engine_steps, serialize_json).",
        "engine: our engine layer without a database. service: complete_task incl. validation and",
        "commit. API: POST /api/v1/tasks/<id>/complete via the test client with a bearer token.",
        f"+{others} inst: the service on projects with {others} other running instances each;",
        "ratio = that / service.",
        "",
        _verdict("service / bare", worst.get("service"), 1.5),
    ]
    if has_api:
        out.append(_verdict("API / bare", worst.get("api"), 1.5))
    else:
        out.append("API / bare: no POST /api/v1/tasks/<id>/complete in this app; not measured")
    out.append(_verdict(f"{others} other instances / none", worst.get("crowded"), 1.2))
    return "\n".join(out)


def _verdict(what: str, worst: float | None, target: float) -> str:
    if worst is None:
        return f"{what}: not measured"
    status = "OK" if worst <= target else "ABOVE TARGET"
    return f"{what}: worst {worst:.2f}x (target <= {target}x) {status}"


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def scratch_database(run: Callable[[], str], workflows_dir: str | None = None) -> str:
    """Run `run()` in a new app on a temporary SQLite file, migrated; return what it returns."""
    import tempfile
    from pathlib import Path

    from flask_migrate import upgrade

    from .. import create_app

    with tempfile.TemporaryDirectory(prefix="tollgate-bench-") as folder:
        config = {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'bench.sqlite'}",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "SECRET_KEY": "bench",
        }
        if workflows_dir:
            config["WORKFLOWS_DIR"] = workflows_dir
        app = create_app(config)
        with app.app_context():
            try:
                upgrade()
                return run()
            finally:
                db.session.remove()
                db.engine.dispose()
