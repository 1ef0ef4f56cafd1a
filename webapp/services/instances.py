"""Load a workflow instance, and save it with everything derived from it.

`save_workflow` is the one place that turns engine state into rows: the serialized state, the
inbox (`human_task` + candidates), the project's stage and status, timers, and the audit events.
Use cases call it once and then commit once.
"""

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

from flask import current_app
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
    completed_task_id: str | None = None,
) -> SaveOutcome:
    """Serialize and sync rows; the caller commits. Refuses a tree near the depth limit."""
    runner.ensure_bounded(workflow)
    instance.state = state.dumps(workflow)
    instance.state_version = state.STATE_VERSION
    instance.next_timer_at = runner.next_timer_at(workflow)
    instance.updated_at = utcnow()
    outcome = SaveOutcome()
    if runner.is_completed(workflow):
        instance.status = "completed"
        instance.completed_at = instance.completed_at or utcnow()
        outcome.completed = True
    if instance.id is None:
        db.session.add(instance)
        db.session.flush()
    stage = runner.current_stage(workflow)
    _sync_inbox(instance, project, workflow, stage, actor, completed_task_id, outcome)
    if instance.kind == "lifecycle":
        _sync_stage(project, stage, actor, instance, outcome)
        if outcome.completed and project.status not in ("killed", "closed"):
            project.status = "closed"
            record_event(
                "project_closed",
                f"{project.code} closed",
                actor=actor,
                project=project,
                instance=instance,
            )
    return outcome


def _sync_inbox(instance, project, workflow, stage, actor, completed_task_id, outcome):
    with db.session.no_autoflush:  # one flush at commit for every change of this request
        open_rows = {
            row.task_id: row
            for row in db.session.scalars(
                select(HumanTask).filter_by(instance_id=instance.id, status="open")
            )
        }
    ready_ids = runner.ready_task_ids(workflow)
    now = utcnow()
    for task_id, row in open_rows.items():
        if task_id in ready_ids:
            continue
        # Vanished: completed by this request, or cancelled by the process (boundary timer, ...)
        if task_id == completed_task_id:
            row.status, row.completed_by_id = "completed", actor.id if actor else None
            db.session.expire(row, ["completed_by"])
        else:
            row.status = "cancelled"
        row.completed_at = now
        outcome.closed.append(row)
    for task_id in ready_ids:
        if task_id not in open_rows:
            row = _new_row(instance, project, runner.view_task(workflow, task_id, stage))
            db.session.add(row)
            outcome.opened.append(row)
    db.session.flush()
    for row in outcome.opened:
        who = row.holder_name if row.assignee else f"the {row.holder_label}"
        record_event(
            "task_created",
            f"{row.title} assigned to {who}",
            actor=actor,
            project=project,
            instance=instance,
            human_task=row,
            details={"task": row.task_name, "form_key": row.form_key, "due_at": _iso(row.due_at)},
        )
    for row in outcome.closed:
        if row.status == "cancelled":
            record_event(
                "task_cancelled",
                f"{row.title} withdrawn by the process",
                actor=actor,
                project=project,
                instance=instance,
                human_task=row,
            )


def _new_row(instance, project, view: TaskView) -> HumanTask:
    users, roles = resolve_candidates(project, view)
    row = HumanTask(
        instance_id=instance.id,
        project_id=project.id,
        task_id=view.id,
        task_name=view.name,
        title=view.title,
        process_id=view.process_id,
        stage=view.stage,
        gate=view.gate,
        form_key=view.form_key,
        form_fields=[_field_dict(f) for f in view.form_fields] or None,
        due_at=datetime.fromisoformat(view.due) if view.due else None,
        role=roles[0] if roles else None,
    )
    row.candidates = [TaskCandidate(user_id=u.id) for u in users] + [
        TaskCandidate(role=r) for r in roles
    ]
    if len(users) == 1 and not roles:
        row.assignee = users[0]  # one person only: straight into their "assigned to me"
    return row


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


def _sync_stage(project, stage, actor, instance, outcome):
    if stage == project.stage or stage is None:
        return
    previous = project.stage
    now = utcnow()
    db.session.execute(  # close the open stage row without loading it
        update(StageHistory)
        .where(StageHistory.project_id == project.id, StageHistory.left_at.is_(None))
        .values(left_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.add(StageHistory(project_id=project.id, stage=stage, entered_at=now))
    project.stage = stage
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
