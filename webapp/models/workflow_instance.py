from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..extensions import db
from .process import ProcessVersion
from .types import UtcDateTime
from .types import utcnow


class WorkflowInstance(db.Model):
    """One running process for a project: its lifecycle, or a change request, review, ..."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32), default="lifecycle")
    process_id: Mapped[str] = mapped_column(String(200))
    version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"))
    status: Mapped[str] = mapped_column(String(16), default="running")  # running|completed
    state: Mapped[str] = mapped_column(Text)
    state_version: Mapped[str] = mapped_column(String(40))
    lock_version: Mapped[int] = mapped_column(default=1)
    next_timer_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    version: Mapped[ProcessVersion] = relationship()

    # A concurrent second save of the same instance fails (StaleDataError) instead of winning.
    __mapper_args__ = {"version_id_col": lock_version}
    __table_args__ = (Index("ix_workflow_instance_project_kind", "project_id", "kind"),)
