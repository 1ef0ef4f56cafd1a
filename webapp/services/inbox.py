"""Inbox and project-list queries: plain indexed SQL over human_task, never a workflow load.

Their cost grows with what the user sees (one page), not with the portfolio.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select
from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import AuditEvent
from ..models import GateCondition
from ..models import GateDecision
from ..models import HumanTask
from ..models import Project
from ..models import TaskCandidate
from ..models import User
from ..roles import PORTFOLIO_ROLES

PAGE_SIZE = 25


@dataclass(frozen=True)
class InboxFilter:
    project_id: int | None = None
    stage: str | None = None
    form_key: str | None = None  # task type


@dataclass(frozen=True)
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def assigned_query(user: User) -> Select:
    return select(HumanTask).where(HumanTask.status == "open", HumanTask.assignee_id == user.id)


def queue_query(user: User) -> Select:
    """Unclaimed tasks whose candidates include the user or one of the user's group roles."""
    roles = sorted(user.roles)
    candidate = exists().where(
        TaskCandidate.human_task_id == HumanTask.id,
        or_(TaskCandidate.user_id == user.id, TaskCandidate.role.in_(roles)),
    )
    return select(HumanTask).where(
        HumanTask.status == "open", HumanTask.assignee_id.is_(None), candidate
    )


TASK_LISTS = ("assigned", "queues", "all")


def task_list_query(user: User, which: str) -> Select:
    """Open tasks assigned to the user, in the user's queues, or both."""
    if which == "assigned":
        return assigned_query(user)
    if which == "queues":
        return queue_query(user)
    mine, queued = assigned_query(user).whereclause, queue_query(user).whereclause
    return select(HumanTask).where(or_(mine, queued))


def list_inbox(
    user: User,
    which: str = "assigned",
    filters: InboxFilter | None = None,
    page: int = 1,
    per_page: int = PAGE_SIZE,
) -> Page:
    """One page of the user's open tasks (`which` in TASK_LISTS), soonest due first."""
    filters = filters or InboxFilter()
    query = task_list_query(user, which)
    if filters.project_id:
        query = query.where(HumanTask.project_id == filters.project_id)
    if filters.stage:
        query = query.where(HumanTask.stage == filters.stage)
    if filters.form_key:
        query = query.where(HumanTask.form_key == filters.form_key)
    query = query.options(selectinload(HumanTask.project), selectinload(HumanTask.assignee))
    ordered = query.order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.id)
    return paginate(ordered, page, per_page)


def inbox_counts(user: User) -> dict[str, int]:
    def count(query):
        return db.session.scalar(select(func.count()).select_from(query.subquery()))

    return {"assigned": count(assigned_query(user)), "queues": count(queue_query(user))}


MAX_PAGE = 100_000  # far past any real list; keeps OFFSET inside every database's integers


def paginate(query: Select, page: int, per_page: int = PAGE_SIZE) -> Page:
    page = min(max(1, int(page or 1)), MAX_PAGE)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return Page(items, total or 0, page, per_page)


@dataclass(frozen=True)
class ProjectFilter:
    search: str | None = None
    stage: str | None = None
    status: str | None = None
    pm_id: int | None = None
    sponsor_id: int | None = None


def visible_projects_query(user: User) -> Select:
    query = select(Project)
    if user.has_role(*PORTFOLIO_ROLES):
        return query
    involved = exists().where(
        HumanTask.project_id == Project.id,
        or_(
            HumanTask.assignee_id == user.id,
            HumanTask.completed_by_id == user.id,
            exists().where(
                TaskCandidate.human_task_id == HumanTask.id,
                or_(TaskCandidate.user_id == user.id, TaskCandidate.role.in_(sorted(user.roles))),
            ),
        ),
    )
    owns_condition = exists().where(
        GateCondition.project_id == Project.id, GateCondition.owner_id == user.id
    )
    return query.where(
        or_(Project.pm_id == user.id, Project.sponsor_id == user.id, involved, owns_condition)
    )


def list_projects(
    user: User, filters: ProjectFilter = ProjectFilter(), page: int = 1, per_page: int = PAGE_SIZE
) -> Page:
    query = visible_projects_query(user)
    if filters.search:
        term = f"%{filters.search.strip()}%"
        query = query.where(or_(Project.code.ilike(term), Project.name.ilike(term)))
    for column, value in (
        (Project.stage, filters.stage),
        (Project.status, filters.status),
        (Project.pm_id, filters.pm_id),
        (Project.sponsor_id, filters.sponsor_id),
    ):
        if value:
            query = query.where(column == value)
    query = query.options(selectinload(Project.pm), selectinload(Project.sponsor))
    return paginate(query.order_by(Project.code), page, per_page)


def project_open_tasks(project_id: int) -> list[HumanTask]:
    return list(
        db.session.scalars(
            select(HumanTask).filter_by(project_id=project_id, status="open").order_by(HumanTask.id)
        )
    )


def project_decisions(project_id: int) -> list[GateDecision]:
    return list(
        db.session.scalars(
            select(GateDecision)
            .filter_by(project_id=project_id)
            .options(selectinload(GateDecision.conditions), selectinload(GateDecision.decided_by))
            .order_by(GateDecision.decided_at, GateDecision.id)
        )
    )


def project_timeline(project_id: int, limit: int = 200) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .filter_by(project_id=project_id)
            .options(selectinload(AuditEvent.actor))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )


def is_overdue(task: HumanTask, now: datetime) -> bool:
    return task.due_at is not None and task.due_at < now
