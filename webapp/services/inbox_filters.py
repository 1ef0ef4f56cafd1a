"""Choices for the inbox filters: the projects, stages and task types of the user's own tab.

Offering only values that occur keeps every choice useful and never reveals other projects.
One small indexed query each, over the same rows the tab lists (no workflow loads).
"""

from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy import select

from ..extensions import db
from ..models import HumanTask
from ..models import Project
from ..models import User
from .inbox import assigned_query
from .inbox import queue_query


@dataclass(frozen=True)
class FilterOptions:
    projects: list[tuple[int, str]]  # (project id, "CODE – name")
    stages: list[str]
    task_types: list[tuple[str, str]]  # (form key, a task title of that type)


def filter_options(user: User, which: str = "assigned") -> FilterOptions:
    tab = assigned_query(user) if which == "assigned" else queue_query(user)
    ids = select(tab.subquery().c.id)
    projects = db.session.execute(
        select(Project.id, Project.code, Project.name)
        .join(HumanTask, HumanTask.project_id == Project.id)
        .where(HumanTask.id.in_(ids))
        .distinct()
        .order_by(Project.code)
    ).all()
    stages = db.session.scalars(
        select(HumanTask.stage)
        .where(HumanTask.id.in_(ids), HumanTask.stage.is_not(None))
        .distinct()
        .order_by(HumanTask.stage)
    ).all()
    types = db.session.execute(
        select(HumanTask.form_key, func.min(HumanTask.title))
        .where(HumanTask.id.in_(ids), HumanTask.form_key.is_not(None))
        .group_by(HumanTask.form_key)
        .order_by(func.min(HumanTask.title))
    ).all()
    return FilterOptions(
        projects=[(pid, f"{code} – {name}") for pid, code, name in projects],
        stages=list(stages),
        task_types=[(key, title) for key, title in types],
    )
