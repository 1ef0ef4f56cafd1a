"""Append audit events to the current transaction; the use case commits them with its changes.

Events are buffered on the session and written at commit, in one batched INSERT, after the
rows they point at have their ids. A rollback drops them with everything else.
"""

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import AuditEvent
from ..models.types import utcnow

_PENDING = "tollgate_audit_pending"


def record_event(
    action: str,
    summary: str,
    *,
    actor=None,
    project=None,
    instance=None,
    human_task=None,
    details: dict | None = None,
) -> None:
    event = {"action": action, "summary": summary[:300], "details": details, "at": utcnow()}
    db.session.info.setdefault(_PENDING, []).append((event, (actor, project, instance, human_task)))


@sa_event.listens_for(Session, "before_commit")
def _write_pending_events(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    refs = [ref for _, row_refs in pending for ref in row_refs if ref is not None]
    if any(ref.id is None for ref in refs):
        session.flush()  # new rows get their ids before the events point at them
    rows = [
        {
            **event,
            "actor_id": actor.id if actor is not None else None,
            "project_id": project.id if project is not None else None,
            "instance_id": instance.id if instance is not None else None,
            "human_task_id": human_task.id if human_task is not None else None,
        }
        for event, (actor, project, instance, human_task) in pending
    ]
    # Core executemany: one statement for all (the ORM bulk path splits rows by which are NULL).
    session.execute(AuditEvent.__table__.insert(), rows)


@sa_event.listens_for(Session, "after_rollback")
def _drop_pending_events(session: Session) -> None:
    session.info.pop(_PENDING, None)
