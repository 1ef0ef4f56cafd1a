"""Load a workflow instance, and save it with everything derived from it.

`save_workflow` is the one place that turns engine state into rows: the serialized state, the
inbox (`human_task` + candidates), the project's stage and status, timers, and the audit events.
Use cases call it once and then commit once.
"""

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy import update

from ..engine import runner
from ..engine import state
from ..engine.task_view import TaskView
from ..extensions import db
from ..models import HumanTask
from ..models import Project
from ..models import StageHistory
from ..models import TaskCandidate
from ..models import User
from ..models import WorkflowInstance
from ..models.types import utcnow
from ..roles import PROJECT_ROLES
from ..roles import resolve_role
from .audit import record_event
from .library import bundle_for
from .row_writes import core_connection
from .row_writes import insert_row
from .row_writes import insert_rows
from .row_writes import loaded_instance
from .row_writes import update_row


@dataclass
class SaveOutcome:
    opened: list[HumanTask] = field(default_factory=list)
    closed: list[HumanTask] = field(default_factory=list)
    stage_changed: tuple[str | None, str | None] | None = None
    completed: bool = False


def _script_timeout() -> float:
    return float(current_app.config["SCRIPT_TIMEOUT_SECONDS"])


def load_workflow(instance: WorkflowInstance):
    spec, subprocess_specs = bundle_for(instance.version).spec(instance.process_id)
    return state.loads(instance.state, spec, subprocess_specs, _script_timeout())


def new_workflow(version, process_id: str, data: dict):
    spec, subprocess_specs = bundle_for(version).spec(process_id)
    return runner.start(spec, subprocess_specs, data, _script_timeout())


def save_workflow(
    instance: WorkflowInstance,
    workflow,
    project: Project,
    *,
    actor: User | None,
    completed_row: HumanTask | None = None,
) -> SaveOutcome:
    """Serialize and sync rows; the caller commits. Refuses a tree near the depth limit.

    `completed_row` is the inbox row of the task this save completes (by `actor`). Rows are
    written as single statements (row_writes); a concurrent save of the same instance raises
    StaleDataError on the version column.
    """
    runner.ensure_bounded(workflow)
    now = utcnow()
    values = {
        "state": state.dumps(workflow),
        "state_version": state.STATE_VERSION,
        "next_timer_at": runner.next_timer_at(workflow),
        "updated_at": now,
    }
    outcome = SaveOutcome()
    if runner.is_completed(workflow):
        values["status"] = "completed"
        values["completed_at"] = instance.completed_at or now
        outcome.completed = True
    if instance.id is None:
        for name, value in values.items():
            setattr(instance, name, value)
        db.session.add(instance)
        db.session.flush()
    else:
        update_row(instance, **values)
    stage = runner.current_stage(workflow)
    _sync_inbox(instance, project, workflow, stage, actor, completed_row, outcome, now)
    if instance.kind == "lifecycle":
        _sync_stage(project, stage, actor, instance, outcome, now)
        if outcome.completed and project.status not in ("killed", "closed"):
            update_row(project, status="closed", updated_at=now)
            record_event(
                "project_closed",
                f"{project.code} closed",
                actor=actor,
                project=project,
                instance=instance,
            )
    return outcome


_tasks = HumanTask.__table__
_OPEN_ROWS = select(_tasks.c.task_id, _tasks.c.id).where(
    _tasks.c.instance_id == bindparam("instance_id"), _tasks.c.status == "open"
)


def _sync_inbox(instance, project, workflow, stage, actor, completed_row, outcome, now):
    open_ids = dict(  # task id -> row id: what the inbox shows now
        core_connection().execute(_OPEN_ROWS, {"instance_id": instance.id}).all()
    )
    ready_ids = runner.ready_task_ids(workflow)
    vanished = [task_id for task_id in open_ids if task_id not in ready_ids]
    if completed_row is not None and completed_row.task_id in vanished:
        values = {"status": "completed", "completed_at": now}
        values["completed_by_id"] = actor.id if actor else None
        if completed_row.claimed_by_id is None:  # completing an unclaimed task claims it
            values["claimed_by_id"], values["claimed_at"] = values["completed_by_id"], now
        update_row(completed_row, **values)
        outcome.closed.append(completed_row)
        vanished.remove(completed_row.task_id)
    # Withdrawn by the process (a boundary timer, ...): rare, so load them as objects.
    for row in _rows([open_ids[task_id] for task_id in vanished]):
        update_row(row, status="cancelled", completed_at=now)
        outcome.closed.append(row)
        record_event(
            "task_cancelled",
            f"{row.title} withdrawn by the process",
            actor=actor,
            project=project,
            instance=instance,
            human_task=row,
        )
    for task_id in ready_ids:
        if task_id not in open_ids:
            row = _new_row(instance, project, runner.view_task(workflow, task_id, stage), now)
            outcome.opened.append(row)
            who = row.holder_name if row.assignee else f"the {row.holder_label}"
            record_event(
                "task_created",
                f"{row.title} assigned to {who}",
                actor=actor,
                project=project,
                instance=instance,
                human_task=row,
                details={
                    "task": row.task_name,
                    "form_key": row.form_key,
                    "due_at": _iso(row.due_at),
                },
            )


def _rows(ids: list[int]) -> list[HumanTask]:
    if not ids:
        return []
    return list(db.session.scalars(select(HumanTask).where(HumanTask.id.in_(ids))))


def _new_row(instance, project, view: TaskView, now) -> HumanTask:
    users, roles = resolve_candidates(project, view)
    assignee = users[0] if len(users) == 1 and not roles else None  # straight to "assigned to me"
    values = {
        "instance_id": instance.id,
        "project_id": project.id,
        "task_id": view.id,
        "task_name": view.name,
        "title": view.title,
        "process_id": view.process_id,
        "stage": view.stage,
        "gate": view.gate,
        "role": roles[0] if roles else None,
        "form_key": view.form_key,
        "form_fields": [_field_dict(f) for f in view.form_fields] or None,
        "due_at": datetime.fromisoformat(view.due) if view.due else None,
        "status": "open",
        "assignee_id": assignee.id if assignee else None,
        "created_at": now,
        "claimed_by_id": None,
        "claimed_at": None,
        "completed_by_id": None,
        "completed_at": None,
        "lock_version": 1,
    }
    row_id = insert_row(HumanTask, **values)
    insert_rows(
        TaskCandidate,
        [{"human_task_id": row_id, "user_id": u.id, "role": None} for u in users]
        + [{"human_task_id": row_id, "user_id": None, "role": r} for r in roles],
    )
    return loaded_instance(
        HumanTask, id=row_id, **values, assignee=assignee, project=project, instance=instance
    )


def resolve_candidates(project: Project, view: TaskView) -> tuple[list[User], list[str]]:
    """People and group roles who may work on a task. Precedence: assignee > candidates > lane.

    Project roles (pm, sponsor) resolve to the person on the project; other roles stay queues.
    Anything that resolves to nobody falls back to the PMO queue, so no task is orphaned.
    """
    a = view.assignment
    if a.assignee:
        names = [a.assignee]
        groups: tuple[str, ...] = ()
    elif a.candidate_groups or a.candidate_users:
        names, groups = list(a.candidate_users), a.candidate_groups
    else:
        names, groups = [], (view.lane,) if view.lane else ()
    users, roles = [], []
    for name in names:
        role = resolve_role(name)
        user = project.person_for(role) if role in PROJECT_ROLES else _user_named(name)
        if user is not None and user not in users:
            users.append(user)
    for group in groups:
        role = resolve_role(group)
        if role in PROJECT_ROLES:
            person = project.person_for(role)
            if person is not None and person not in users:
                users.append(person)
        elif role and role not in roles:
            roles.append(role)
    if not users and not roles:
        roles.append("pmo")
    return users, roles


def _user_named(username: str) -> User | None:
    return db.session.scalar(select(User).filter_by(username=username, active=True))


_history = StageHistory.__table__
_CLOSE_STAGE = (
    update(_history)
    .where(_history.c.project_id == bindparam("for_project"), _history.c.left_at.is_(None))
    .values(left_at=bindparam("now"))
)


def _sync_stage(project, stage, actor, instance, outcome, now):
    if stage == project.stage or stage is None:
        return
    previous = project.stage
    core_connection().execute(_CLOSE_STAGE, {"for_project": project.id, "now": now})
    insert_rows(StageHistory, [{"project_id": project.id, "stage": stage, "entered_at": now}])
    update_row(project, stage=stage, updated_at=now)
    outcome.stage_changed = (previous, stage)
    record_event(
        "stage_changed",
        f"{project.code} entered {stage}",
        actor=actor,
        project=project,
        instance=instance,
        details={"from": previous, "to": stage},
    )


def _field_dict(spec) -> dict:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in spec.__dict__.items()}


def _iso(value):
    return value.isoformat() if value else None
