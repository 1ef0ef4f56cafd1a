"""Append audit events to the current transaction; the use case commits them with its changes."""

from ..extensions import db
from ..models import AuditEvent


def record_event(
    action: str,
    summary: str,
    *,
    actor=None,
    project=None,
    instance=None,
    human_task=None,
    details: dict | None = None,
) -> AuditEvent:
    if any(o is not None and o.id is None for o in (actor, project, instance, human_task)):
        db.session.flush()  # new rows need their ids before the event can point at them
    event = AuditEvent(
        action=action,
        summary=summary[:300],
        actor_id=actor.id if actor is not None else None,
        project_id=project.id if project is not None else None,
        instance_id=instance.id if instance is not None else None,
        human_task_id=human_task.id if human_task is not None else None,
        details=details,
    )
    db.session.add(event)
    return event
