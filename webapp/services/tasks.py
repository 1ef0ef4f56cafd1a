"""Human-task use cases: claim, release, reassign, complete.

Completing loads the workflow once, validates the submitted data with the task's form, runs
the engine, and commits the workflow state, inbox rows, gate records and audit events in one
transaction. A concurrent second completion fails on the instance's version column.
"""

from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlalchemy import inspect
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.util import identity_key

from ..engine import runner
from ..engine.errors import TaskNotReady
from ..engine.errors import TreeTooDeep
from ..engine.task_view import FormFieldSpec
from ..extensions import db
from ..models import AuditEvent
from ..models import HumanTask
from ..models import Project
from ..models import User
from ..models import WorkflowInstance
from ..models.types import utcnow
from . import gates
from .audit import record_event
from .errors import ConcurrentUpdate
from .errors import InvalidTransition
from .errors import NotFound
from .errors import NotPermitted
from .errors import ValidationFailed
from .instances import load_workflow
from .instances import save_workflow

SUPERVISOR_ROLES = ("pmo", "admin")


@dataclass(frozen=True)
class Completion:
    task: HumanTask
    next_tasks: list[HumanTask]
    message: str


# Everything a completion touches, in one round trip instead of a lazy load apiece; built once,
# because building and cache-keying these options costs as much as running the query. The
# assignee is left to a lazy load: it is nearly always the caller, already in the session.
_TASK_WITH_CONTEXT = (
    select(HumanTask)
    .where(HumanTask.id == bindparam("human_task_id"))
    .options(
        joinedload(HumanTask.instance).joinedload(WorkflowInstance.version),
        joinedload(HumanTask.project).joinedload(Project.pm),
        joinedload(HumanTask.project).joinedload(Project.sponsor),
    )
)


def get_task(human_task_id: int) -> HumanTask:
    row = db.session.identity_map.get(identity_key(HumanTask, human_task_id))
    if row is None or inspect(row).expired:  # expired by a rollback: it may be gone
        row = (
            db.session.scalars(_TASK_WITH_CONTEXT, {"human_task_id": human_task_id})
            .unique()
            .one_or_none()
        )
    if row is None:
        raise NotFound(f"no task {human_task_id}")
    return row


def is_candidate(user: User, row: HumanTask) -> bool:
    """The task was offered to the user, by name or through one of their group roles."""
    return any(c.user_id == user.id or (c.role and c.role in user.roles) for c in row.candidates)


def can_work_on(user: User, row: HumanTask) -> bool:
    if not row.is_open or not user.is_active:
        return False
    if row.assignee_id is not None:
        return row.assignee_id == user.id
    return is_candidate(user, row)


def form_class_for(row: HumanTask):
    from forms import form_for

    fields = tuple(_field_spec(f) for f in row.form_fields or ())
    return form_for(row.form_key, fields)


def validate_task_data(row: HumanTask, data: dict) -> dict:
    """Validate with the task's form (registered or generated); return clean task data."""
    from forms import load_form

    form = load_form(form_class_for(row), data)
    if not form.validate():
        raise ValidationFailed(list(_flatten_errors(form.errors)))
    return form.to_data()


def complete_task(human_task_id: int, data: dict, actor: User) -> Completion:
    row = _open_task(human_task_id)
    if not can_work_on(actor, row):
        raise NotPermitted(f"task {row.id} ({row.title}) is not yours to complete")
    clean = validate_task_data(row, data)
    instance, project = row.instance, row.project
    workflow = load_workflow(instance)
    try:
        task_data = runner.task_data(workflow, row.task_id)
    except TaskNotReady as exc:
        raise InvalidTransition(f"task {row.id} is no longer waiting: {exc}") from exc
    effects = gates.prepare_completion(row, clean, task_data, project)
    runner.complete(workflow, row.task_id, effects.workflow_data)
    with _one_transaction(row, actor, f"task {row.id} ({row.title})"):
        try:
            outcome = save_workflow(instance, workflow, project, actor=actor, completed_row=row)
        except TreeTooDeep as exc:
            raise InvalidTransition(str(exc)) from exc
        gates.apply_completion(effects, row, instance, project, actor, task_data)
        record_event(
            "task_completed",
            f"{row.title} completed",
            actor=actor,
            project=project,
            instance=instance,
            human_task=row,
            details={"task": row.task_name, "form_key": row.form_key, "data": _audit_data(clean)},
        )
    return Completion(row, outcome.opened, _next_message(row, outcome.opened, outcome.completed))


def claim_task(human_task_id: int, actor: User) -> HumanTask:
    row = _open_task(human_task_id)
    if row.assignee_id == actor.id:
        return row
    if not is_candidate(actor, row):  # permission first: others learn nothing of the holder
        raise NotPermitted(f"task {row.id} is not in your queues")
    if row.assignee_id is not None:
        raise InvalidTransition(f"task {row.id} is already claimed by {row.assignee.display_name}")
    with _one_transaction(row, actor, f"task {row.id} ({row.title})"):
        _assign(row, actor)
        row.claimed_by_id, row.claimed_at = actor.id, utcnow()
        record_event(
            "task_claimed",
            f"{row.title} claimed by {actor.display_name}",
            actor=actor,
            project=row.project,
            instance=row.instance,
            human_task=row,
        )
    return row


def release_task(human_task_id: int, actor: User) -> HumanTask:
    row = _open_task(human_task_id)
    if row.assignee_id is None:
        return row
    if row.assignee_id != actor.id and not actor.has_role(*SUPERVISOR_ROLES):
        raise NotPermitted("only the PMO or an administrator can release someone else's task")
    if not row.candidates:
        raise InvalidTransition(f"task {row.id} has no queue to return to; reassign it instead")
    previous = row.assignee.display_name
    with _one_transaction(row, actor, f"task {row.id} ({row.title})"):
        _assign(row, None)
        record_event(
            "task_released",
            f"{row.title} released by {actor.display_name} (was {previous})",
            actor=actor,
            project=row.project,
            instance=row.instance,
            human_task=row,
        )
    return row


def reassign_task(human_task_id: int, username: str, actor: User) -> HumanTask:
    if not actor.has_role(*SUPERVISOR_ROLES):
        raise NotPermitted("only the PMO or an administrator can reassign tasks")
    row = _open_task(human_task_id)
    target = db.session.scalar(db.select(User).filter_by(username=username, active=True))
    if target is None:
        raise ValidationFailed([("assignee", f"unknown user {username!r}")])
    with _one_transaction(row, actor, f"task {row.id} ({row.title})"):
        _assign(row, target)
        record_event(
            "task_reassigned",
            f"{row.title} reassigned to {target.display_name}",
            actor=actor,
            project=row.project,
            instance=row.instance,
            human_task=row,
            details={"to": target.username},
        )
    return row


def _assign(row: HumanTask, user: User | None) -> None:
    # Set the key, not the relationship: callers may pass Flask-Login's current_user proxy,
    # which must never end up stored in the identity map. Expire the relationship so it
    # reloads from the new key (sessions keep objects across commits).
    row.assignee_id = user.id if user is not None else None
    db.session.expire(row, ["assignee"])


def _open_task(human_task_id: int) -> HumanTask:
    row = get_task(human_task_id)
    if not row.is_open:
        who = row.completed_by.display_name if row.completed_by else "the process"
        raise InvalidTransition(f"task {row.id} ({row.title}) was already {row.status} by {who}")
    return row


@contextmanager
def _one_transaction(row: HumanTask, actor: User, what: str):
    """Commit the block's changes together; a concurrent change to the same rows (version
    column mismatch, seen at any flush) rolls everything back and raises ConcurrentUpdate."""
    row_id, project_id, actor_id = row.id, row.project_id, actor.id
    try:
        yield
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        db.session.add(
            AuditEvent(
                action="conflict_rejected",
                summary=f"Concurrent change to {what} rejected"[:300],
                actor_id=actor_id,
                project_id=project_id,
                human_task_id=row_id,
            )
        )
        db.session.commit()
        raise ConcurrentUpdate(
            f"{what} was changed by someone else while you were working on it; "
            "nothing of yours was saved. Reload to see its current state."
        ) from exc
    except BaseException:
        db.session.rollback()
        raise


def _next_message(row: HumanTask, opened: list[HumanTask], completed: bool) -> str:
    if completed:
        return f"{row.title} done: the workflow is complete."
    if not opened:
        return f"{row.title} done."
    parts = []
    for task in opened:
        who = task.holder_name
        label = f"{task.gate}: {task.title}" if task.gate else task.title
        parts.append(f"{label} sent to {who}")
    return f"{row.title} done. " + "; ".join(parts) + "."


def _field_spec(raw: dict) -> FormFieldSpec:
    values = dict(raw)
    values["options"] = tuple(tuple(o) for o in values.get("options") or ())
    return FormFieldSpec(**values)


def _flatten_errors(errors, prefix=""):
    for name, messages in errors.items():
        key = f"{prefix}{name}"
        for index, message in enumerate(messages):
            if isinstance(message, dict):  # FieldList of FormFields
                yield from _flatten_errors(message, f"{key}-{index}-")
            elif isinstance(message, list):
                for inner in message:
                    yield key, str(inner)
            else:
                yield key, str(message)


def _audit_data(data: dict) -> dict:
    return {k: v for k, v in data.items() if not k.startswith("_")}
