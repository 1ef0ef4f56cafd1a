"""The inbox: one row per READY human task, kept in step with the workflow on every save."""

from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..extensions import db
from ..roles import ROLES
from .project import Project
from .types import UtcDateTime
from .types import utcnow
from .user import User
from .workflow_instance import WorkflowInstance


class HumanTask(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("workflow_instance.id"))
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    task_id: Mapped[str] = mapped_column(String(36), unique=True)  # Spiff task UUID
    task_name: Mapped[str] = mapped_column(String(200))  # BPMN element id
    title: Mapped[str] = mapped_column(String(200))
    process_id: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str | None] = mapped_column(String(120))
    gate: Mapped[str | None] = mapped_column(String(120))
    role: Mapped[str | None] = mapped_column(String(32))  # the queue shown; None if personal
    form_key: Mapped[str | None] = mapped_column(String(100))
    form_fields: Mapped[list | None] = mapped_column(JSON)  # generated form, when no form key
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open|completed|cancelled
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    lock_version: Mapped[int] = mapped_column(default=1)

    instance: Mapped[WorkflowInstance] = relationship()
    project: Mapped[Project] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])
    candidates: Mapped[list["TaskCandidate"]] = relationship(
        back_populates="task", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": lock_version}
    __table_args__ = (
        Index("ix_human_task_assignee_status", "assignee_id", "status"),
        Index("ix_human_task_project_status", "project_id", "status"),
        Index("ix_human_task_instance_status", "instance_id", "status"),
        Index("ix_human_task_status_due", "status", "due_at"),
    )

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def holder_name(self) -> str:
        """Who has the task in hand: its assignee, else the role of the queue it waits in."""
        if self.assignee is not None:
            return self.assignee.display_name
        return ROLES.get(self.role, self.role) if self.role else "named candidates"

    @property
    def holder_label(self) -> str:
        """As a phrase: "Sam Sponsor", or "PMO queue"."""
        if self.assignee is not None or not self.role:
            return self.holder_name
        return f"{self.holder_name} queue"


class TaskCandidate(db.Model):
    """Who may claim an unassigned task: a group role, or a named user."""

    id: Mapped[int] = mapped_column(primary_key=True)
    human_task_id: Mapped[int] = mapped_column(ForeignKey("human_task.id"))
    role: Mapped[str | None] = mapped_column(String(32))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    task: Mapped[HumanTask] = relationship(back_populates="candidates")

    __table_args__ = (
        Index("ix_task_candidate_role", "role", "human_task_id"),
        Index("ix_task_candidate_user", "user_id", "human_task_id"),
        Index("ix_task_candidate_task", "human_task_id"),
    )
