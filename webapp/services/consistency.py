"""Check that the inbox table and the workflows agree (used by `tollgate check`)."""

from dataclasses import dataclass

from sqlalchemy import select

from ..engine import runner
from ..extensions import db
from ..models import HumanTask
from ..models import WorkflowInstance
from .instances import load_workflow


@dataclass(frozen=True)
class Mismatch:
    instance_id: int
    task_id: str
    problem: str

    def __str__(self) -> str:
        return f"instance {self.instance_id} task {self.task_id}: {self.problem}"


def check_inbox() -> list[Mismatch]:
    mismatches: list[Mismatch] = []
    open_rows: dict[int, set[str]] = {}
    for instance_id, task_id in db.session.execute(
        select(HumanTask.instance_id, HumanTask.task_id).filter_by(status="open")
    ):
        open_rows.setdefault(instance_id, set()).add(task_id)
    instances = db.session.scalars(select(WorkflowInstance)).all()
    for instance in instances:
        rows = open_rows.pop(instance.id, set())
        if instance.status != "running":
            ready = set()
        else:
            ready = {view.id for view in runner.ready_tasks(load_workflow(instance))}
        mismatches += [
            Mismatch(instance.id, t, "open in the inbox but not READY") for t in rows - ready
        ]
        mismatches += [
            Mismatch(instance.id, t, "READY but missing from the inbox") for t in ready - rows
        ]
    for instance_id, rows in open_rows.items():
        mismatches += [Mismatch(instance_id, t, "open row for a missing instance") for t in rows]
    return mismatches
