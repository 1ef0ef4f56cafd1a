"""Fire due BPMN timers. Due times live in an indexed column, so no instance is scanned idly.

Each instance is handled in its own transaction under a row lock (SKIP LOCKED on PostgreSQL),
re-checking that it is still due, so several workers never fire the same timer twice.
"""

import logging
from datetime import datetime
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from ..engine import runner
from ..extensions import db
from ..models import Project
from ..models import WorkflowInstance
from ..models.types import utcnow
from .audit import record_event
from .instances import load_workflow
from .instances import save_workflow

log = logging.getLogger(__name__)

RETRY_AFTER = timedelta(minutes=15)


def due_instance_ids(now: datetime, limit: int) -> list[int]:
    return list(
        db.session.scalars(
            select(WorkflowInstance.id)
            .where(WorkflowInstance.next_timer_at <= now, WorkflowInstance.status == "running")
            .order_by(WorkflowInstance.next_timer_at)
            .limit(limit)
        )
    )


def run_due_timers(now: datetime | None = None, limit: int = 50) -> int:
    """Fire every timer due at `now`; returns how many instances advanced."""
    now = now or utcnow()
    fired = 0
    for instance_id in due_instance_ids(now, limit):
        try:
            fired += _fire_instance(instance_id, now)
        except StaleDataError:  # a request or another worker saved it first: its turn is over
            db.session.rollback()
        except Exception as exc:  # noqa: BLE001 - one broken instance must not stop the worker
            db.session.rollback()
            log.warning("timer on instance %s failed: %s", instance_id, exc)
            _postpone(instance_id, now, exc)
    return fired


def _postpone(instance_id: int, now: datetime, exc: Exception) -> None:
    """Retry a failing timer later instead of at every poll, ahead of every healthy one."""
    instance = db.session.get(WorkflowInstance, instance_id)
    if instance is None:
        return
    instance.next_timer_at = now + RETRY_AFTER
    record_event(
        "timer_failed",
        f"Timer failed, retrying at {instance.next_timer_at:%Y-%m-%d %H:%M} UTC: {exc}"[:300],
        instance=instance,
        project=db.session.get(Project, instance.project_id),
        details={"error": f"{type(exc).__name__}: {exc}"[:1000]},
    )
    try:
        db.session.commit()
    except Exception:  # noqa: BLE001 - the database itself is failing: leave it for next poll
        db.session.rollback()
        log.exception("could not postpone the timer of instance %s", instance_id)


def _fire_instance(instance_id: int, now: datetime) -> int:
    instance = db.session.scalar(
        select(WorkflowInstance)
        .where(
            WorkflowInstance.id == instance_id,
            WorkflowInstance.next_timer_at <= now,
            WorkflowInstance.status == "running",
        )
        .with_for_update(skip_locked=True)
    )
    if instance is None:  # another worker holds it or already fired it
        db.session.rollback()
        return 0
    project = db.session.get(Project, instance.project_id)
    workflow = load_workflow(instance)
    names = runner.fire_due_timers(workflow)
    save_workflow(instance, workflow, project, actor=None)
    record_event(
        "timer_fired",
        f"Timer fired: {', '.join(names) or 'due timer'}",
        project=project,
        instance=instance,
        details={"timers": names},
    )
    db.session.commit()
    return 1
