from datetime import date
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey
from sqlalchemy import Numeric
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..extensions import db
from .types import UtcDateTime
from .types import utcnow
from .user import User

PROJECT_STATUSES = ("active", "on_hold", "killed", "closed")


class Project(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    pm_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    budget: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    lifecycle: Mapped[str] = mapped_column(String(200))  # process id it started on
    stage: Mapped[str | None] = mapped_column(String(120), index=True)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    pm: Mapped[User] = relationship(foreign_keys=[pm_id])
    sponsor: Mapped[User] = relationship(foreign_keys=[sponsor_id])

    def person_for(self, role: str) -> User | None:
        """The active person holding a project role; None sends their work to the PMO queue."""
        person = self.pm if role == "pm" else self.sponsor if role == "sponsor" else None
        return person if person is not None and person.active else None


class StageHistory(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    stage: Mapped[str] = mapped_column(String(120))
    entered_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
