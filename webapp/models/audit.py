from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..extensions import db
from .types import UtcDateTime
from .types import utcnow
from .user import User


class AuditEvent(db.Model):
    """Append-only: who did what, when. Never updated or deleted by the application."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # None: system/worker
    action: Mapped[str] = mapped_column(String(40), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_instance.id"))
    human_task_id: Mapped[int | None] = mapped_column(ForeignKey("human_task.id"))
    summary: Mapped[str] = mapped_column(String(300))
    details: Mapped[dict | None] = mapped_column(JSON)

    actor: Mapped[User | None] = relationship()

    __table_args__ = (Index("ix_audit_event_project_at", "project_id", "at"),)
