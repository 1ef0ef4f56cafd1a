"""Deployed process versions: immutable bundles of BPMN/DMN files identified by content hash."""

from datetime import datetime

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import LargeBinary
from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..extensions import db
from .types import UtcDateTime
from .types import utcnow


class ProcessVersion(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    deployed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    note: Mapped[str | None] = mapped_column(String(200))

    files: Mapped[list["ProcessFile"]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="ProcessFile.path"
    )
    definitions: Mapped[list["ProcessDefinition"]] = relationship(
        back_populates="version", cascade="all, delete-orphan"
    )


class ProcessFile(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"), index=True)
    path: Mapped[str] = mapped_column(String(300))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    version: Mapped[ProcessVersion] = relationship(back_populates="files")


class ProcessDefinition(db.Model):
    """One executable process of a version; lifecycles are what projects start on."""

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"))
    process_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(200))
    file: Mapped[str] = mapped_column(String(300))
    is_lifecycle: Mapped[bool] = mapped_column(default=False)
    stages: Mapped[list] = mapped_column(JSON, default=list)
    version: Mapped[ProcessVersion] = relationship(back_populates="definitions")

    __table_args__ = (Index("ix_process_definition_process_version", "process_id", "version_id"),)
