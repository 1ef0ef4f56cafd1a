"""Read-side use cases of the JSON API: which tasks a caller sees, and a task's current values.

Writes go through the ordinary services (tasks, projects). Which single task a caller may see,
and whether they may complete it, are the task page's rules (services.task_page.visible_task
and ensure_can_complete), so the API and the pages cannot drift apart.
"""

from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from ..models import HumanTask
from ..models import User
from .errors import ValidationFailed
from .inbox import PAGE_SIZE
from .inbox import TASK_LISTS
from .inbox import InboxFilter
from .inbox import Page
from .inbox import list_inbox
from .task_page import workflow_prefill
from .tasks import SUPERVISOR_ROLES
from .tasks import can_work_on


@dataclass(frozen=True)
class TaskAccess:
    """What the caller may do with a task they can see."""

    can_complete: bool
    can_claim: bool
    can_release: bool


def list_my_tasks(
    user: User,
    which: str = "all",
    filters: InboxFilter | None = None,
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> Page:
    """The API's task list: the inbox query, with `which` checked."""
    if which not in TASK_LISTS:
        raise ValidationFailed([("which", f"use one of: {', '.join(TASK_LISTS)}")])
    return list_inbox(user, which, filters, page, per_page)


def task_access(row: HumanTask, user: User) -> TaskAccess:
    workable = can_work_on(user, row)
    releasable = (
        row.is_open
        and row.assignee_id is not None
        and bool(row.candidates)
        and (row.assignee_id == user.id or user.has_role(*SUPERVISOR_ROLES))
    )
    return TaskAccess(
        can_complete=workable,
        can_claim=workable and row.assignee_id is None,
        can_release=releasable,
    )


def task_prefill(row: HumanTask, field_names) -> dict:
    """Workflow data of this task for the form's fields, exactly as the task page prefills."""
    wanted = set(field_names)
    return {name: value for name, value in workflow_prefill(row).items() if name in wanted}


def user_id_for(username: str, field: str) -> int:
    """Id of the named user, for filters; ValidationFailed on `field` when there is none."""
    user_id = db.session.scalar(select(User.id).filter_by(username=username))
    if user_id is None:
        raise ValidationFailed([(field, f"unknown user {username!r}")])
    return user_id
