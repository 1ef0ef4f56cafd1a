"""Read-side use cases of the JSON API: which tasks a caller sees, and a task's current values.

Writes go through the ordinary services (tasks, projects). Which single task a caller may see,
and whether they may complete it, are the task page's rules (services.task_page.visible_task
and ensure_can_complete), so the API and the pages cannot drift apart.
"""

from dataclasses import dataclass

from sqlalchemy import Select
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..engine import runner
from ..engine.errors import EngineError
from ..extensions import db
from ..models import HumanTask
from ..models import User
from .errors import ValidationFailed
from .inbox import PAGE_SIZE
from .inbox import InboxFilter
from .inbox import Page
from .inbox import assigned_query
from .inbox import paginate
from .inbox import queue_query
from .instances import load_workflow
from .task_page import FRESH_FIELDS
from .tasks import SUPERVISOR_ROLES
from .tasks import can_work_on

TASK_LISTS = ("assigned", "queues", "all")


@dataclass(frozen=True)
class TaskAccess:
    """What the caller may do with a task they can see."""

    can_complete: bool
    can_claim: bool
    can_release: bool


def list_my_tasks(user: User, which: str = "all", filters: InboxFilter | None = None,
                  page: int = 1, per_page: int = PAGE_SIZE) -> Page:
    """Open tasks assigned to the user, in the user's queues, or both; soonest due first."""
    filters = filters or InboxFilter()
    if which not in TASK_LISTS:
        raise ValidationFailed([("which", f"use one of: {', '.join(TASK_LISTS)}")])
    query = _task_query(user, which)
    if filters.project_id:
        query = query.where(HumanTask.project_id == filters.project_id)
    if filters.stage:
        query = query.where(HumanTask.stage == filters.stage)
    if filters.form_key:
        query = query.where(HumanTask.form_key == filters.form_key)
    query = query.options(selectinload(HumanTask.project), selectinload(HumanTask.assignee))
    return paginate(query.order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id),
                    page, per_page)


def _task_query(user: User, which: str) -> Select:
    if which == "assigned":
        return assigned_query(user)
    if which == "queues":
        return queue_query(user)
    mine, queued = assigned_query(user).whereclause, queue_query(user).whereclause
    return select(HumanTask).where(or_(mine, queued))


def task_access(row: HumanTask, user: User) -> TaskAccess:
    workable = can_work_on(user, row)
    releasable = (row.is_open and row.assignee_id is not None and bool(row.candidates)
                  and (row.assignee_id == user.id or user.has_role(*SUPERVISOR_ROLES)))
    return TaskAccess(
        can_complete=workable,
        can_claim=workable and row.assignee_id is None,
        can_release=releasable,
    )


def task_prefill(row: HumanTask, field_names) -> dict:
    """Workflow data of this task for the form's fields, as the task page prefills it: open
    tasks only, and never a judgement of an earlier gate round (task_page.FRESH_FIELDS)."""
    if not row.is_open:
        return {}
    try:
        data = runner.task_data(load_workflow(row.instance), row.task_id)
    except EngineError:  # not waiting any more (TaskNotReady), or state that will not load
        return {}
    wanted = set(field_names) - FRESH_FIELDS
    return {name: value for name, value in data.items() if name in wanted}


def user_id_for(username: str, field: str) -> int:
    """Id of the named user, for filters; ValidationFailed on `field` when there is none."""
    user_id = db.session.scalar(select(User.id).filter_by(username=username))
    if user_id is None:
        raise ValidationFailed([(field, f"unknown user {username!r}")])
    return user_id
