from datetime import date
from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..extensions import db
from .types import UtcDateTime
from .types import utcnow
from .user import User

GATE_DECISIONS = ("go", "conditional_go", "hold", "recycle", "kill")


class GateDecision(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    instance_id: Mapped[int] = mapped_column(ForeignKey("workflow_instance.id"))
    human_task_id: Mapped[int | None] = mapped_column(ForeignKey("human_task.id"))
    gate_key: Mapped[str] = mapped_column(String(64))
    gate_title: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(String(16), index=True)
    rationale: Mapped[str | None] = mapped_column(Text)
    scores: Mapped[dict | None] = mapped_column(JSON)
    score_total: Mapped[float | None]
    escalated: Mapped[bool] = mapped_column(default=False)  # taken by the PMO after recycles
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)

    decided_by: Mapped[User] = relationship()
    conditions: Mapped[list["GateCondition"]] = relationship(
        back_populates="decision_row", cascade="all, delete-orphan", order_by="GateCondition.id"
    )

    __table_args__ = (Index("ix_gate_decision_project", "project_id", "decided_at"),)


class GateCondition(db.Model):
    """A condition of a conditional go: it must be closed before the next gate can pass."""

    id: Mapped[int] = mapped_column(primary_key=True)
    gate_decision_id: Mapped[int] = mapped_column(ForeignKey("gate_decision.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    due_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(16), default="open")  # open|closed
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closing_note: Mapped[str | None] = mapped_column(Text)

    decision_row: Mapped[GateDecision] = relationship(back_populates="conditions")
    owner: Mapped[User] = relationship(foreign_keys=[owner_id])

    __table_args__ = (Index("ix_gate_condition_project_status", "project_id", "status"),)


class GateScore(db.Model):
    """One gatekeeper's should-meet scores and recommendation at a gate (gate_score task).

    The deciding sponsor's own scores are on the GateDecision; these are the others the gate
    named (finance, portfolio, ...), one row per scoring, so scorecards come from rows."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    instance_id: Mapped[int] = mapped_column(ForeignKey("workflow_instance.id"))
    human_task_id: Mapped[int | None] = mapped_column(ForeignKey("human_task.id"))
    gate_key: Mapped[str] = mapped_column(String(64))
    gate_title: Mapped[str] = mapped_column(String(200))
    scored_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    scores: Mapped[dict] = mapped_column(JSON)
    score_total: Mapped[float | None]
    recommendation: Mapped[str | None] = mapped_column(String(16))
    comment: Mapped[str | None] = mapped_column(Text)
    scored_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    scored_by: Mapped[User] = relationship()

    __table_args__ = (Index("ix_gate_score_project", "project_id", "gate_key", "scored_at"),)
