"""The process library: deploy immutable versions and serve their parsed specs."""

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..engine import specs
from ..engine.errors import BundleInvalid
from ..extensions import db
from ..models import ProcessDefinition
from ..models import ProcessFile
from ..models import ProcessVersion
from ..roles import accepted_role_names
from .audit import record_event
from .errors import NotFound

BUNDLE_SUFFIXES = (".bpmn", ".dmn", ".bpmn20.xml")


@dataclass(frozen=True)
class DeployResult:
    version: ProcessVersion
    created: bool


def read_library(paths: Iterable[str | Path]) -> dict[str, bytes]:
    """Collect BPMN/DMN files from files and folders, keyed by path relative to their folder."""
    files: dict[str, bytes] = {}
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.name.lower().endswith(BUNDLE_SUFFIXES):
                    files[child.relative_to(path).as_posix()] = child.read_bytes()
        elif path.is_file():
            files[path.name] = path.read_bytes()
        else:
            raise NotFound(f"{path}: no such file or folder")
    return files


def deploy_files(files: dict[str, bytes], actor=None, note: str | None = None) -> DeployResult:
    """Validate and store a bundle as a new version; identical content returns the existing one.

    Raises BundleInvalid (every problem, with file, element and line) and stores nothing.
    """
    digest = specs.content_hash(files)
    existing = db.session.scalar(select(ProcessVersion).filter_by(content_hash=digest))
    if existing is not None:
        return DeployResult(existing, created=False)
    bundle = specs.validate_bundle(
        files, roles=accepted_role_names(), form_keys=frozenset(_form_keys())
    )
    version = ProcessVersion(
        content_hash=digest, deployed_by_id=actor.id if actor else None, note=note
    )
    version.files = [
        ProcessFile(path=name, content=content) for name, content in sorted(files.items())
    ]
    version.definitions = [
        ProcessDefinition(
            process_id=p.id,
            name=p.name,
            file=p.file,
            is_lifecycle=p.is_lifecycle,
            stages=list(p.stages),
        )
        for p in bundle.processes.values()
    ]
    db.session.add(version)
    try:
        db.session.flush()
    except IntegrityError:  # the same content deployed concurrently: that version stands
        db.session.rollback()
        existing = db.session.scalar(select(ProcessVersion).filter_by(content_hash=digest))
        return DeployResult(existing, created=False)
    lifecycles = sorted(p.id for p in bundle.lifecycles)
    record_event(
        "deploy",
        f"Deployed process library version {version.id} ({len(files)} files)",
        actor=actor,
        details={
            "version": version.id,
            "hash": digest,
            "files": sorted(files),
            "lifecycles": lifecycles,
        },
    )
    db.session.commit()
    return DeployResult(version, created=True)


def bundle_for(version: ProcessVersion) -> specs.Bundle:
    """Parsed specs of a deployed version, from the in-process cache after the first use.

    Keyed by content hash: ids are per database, content is what the specs come from.
    """

    def load():
        rows = db.session.scalars(select(ProcessFile).filter_by(version_id=version.id))
        return {row.path: row.content for row in rows}

    return specs.cached_bundle(version.content_hash, load)


def latest_definition(process_id: str) -> ProcessDefinition:
    definition = db.session.scalar(
        select(ProcessDefinition)
        .filter_by(process_id=process_id)
        .order_by(ProcessDefinition.version_id.desc())
        .limit(1)
    )
    if definition is None:
        raise NotFound(f"no deployed process {process_id!r}: run `tollgate deploy` first")
    return definition


def lifecycle_definitions() -> list[ProcessDefinition]:
    """The newest version of every deployed lifecycle process, for project creation."""
    rows = db.session.scalars(
        select(ProcessDefinition)
        .filter_by(is_lifecycle=True)
        .order_by(ProcessDefinition.process_id, ProcessDefinition.version_id.desc())
    )
    newest: dict[str, ProcessDefinition] = {}
    for row in rows:
        newest.setdefault(row.process_id, row)
    return list(newest.values())


def _form_keys() -> set[str]:
    from forms import FORM_REGISTRY

    return set(FORM_REGISTRY)


__all__ = ["BundleInvalid", "DeployResult", "bundle_for", "deploy_files", "read_library"]
