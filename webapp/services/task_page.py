"""What the task page shows around a task's form: the project, its gate record, the current
gate's package, and the values to prefill the form with.

Reads rows, plus THE ONE workflow of the task (to prefill its form from workflow data); the
package comes from the audit trail (`task_completed` events carry the submitted data), so no
other workflow is loaded.
"""

from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

from sqlalchemy import select

from forms.gates import GATE_DELIVERABLES
from forms.gates import MUST_MEET_CRITERIA
from forms.gates import SHOULD_MEET_CRITERIA
from forms.gates import weighted_score

from ..engine import runner
from ..engine.errors import EngineError
from ..extensions import db
from ..models import AuditEvent
from ..models import GateCondition
from ..models import GateDecision
from ..models import HumanTask
from ..models import Project
from ..models import User
from . import gates
from . import inbox
from .errors import InvalidTransition
from .errors import NotFound
from .errors import NotPermitted
from .instances import load_workflow
from .projects import can_view
from .tasks import can_work_on
from .tasks import get_task
from .tasks import is_candidate

PACKAGE_FORMS = ("gate_submission", "gate_readiness", "gate_score")
# Judgements are made afresh at every gate: never prefilled from an earlier gate's data
# (workflow data still holds the last gate's decision, scores and readiness ticks).
FRESH_FIELDS = frozenset(
    {
        "decision",
        "rationale",
        "conditions",
        "recommendation",
        "comment",
        "score_total",
        "readiness_passed",
        "readiness_comment",
        *(name for name, _label, _help in MUST_MEET_CRITERIA),
        *(name for name, _label, _weight in SHOULD_MEET_CRITERIA),
    }
)


@dataclass(frozen=True)
class OpenCondition:
    condition: GateCondition
    gate_title: str
    can_close: bool


@dataclass(frozen=True)
class GateScore:
    by: str
    scores: dict
    recommendation: str | None
    comment: str | None


@dataclass
class GatePackage:
    """The current round of one gate: the latest submission and what followed it."""

    gate: str
    submitted_by: str | None = None
    submitted_at: datetime | None = None
    deliverables: list[str] = field(default_factory=list)  # labels
    summary: str | None = None
    package_link: str | None = None
    readiness: list[tuple[str, bool]] = field(default_factory=list)  # must-meet label, met
    readiness_passed: bool | None = None
    readiness_comment: str | None = None
    scores: list[GateScore] = field(default_factory=list)


@dataclass(frozen=True)
class TaskContext:
    task: HumanTask
    project: Project
    holder: str
    decisions: list[GateDecision]
    open_conditions: list[OpenCondition]
    documents: list  # generated documents: none are produced yet
    prefill: dict
    package: GatePackage | None


@dataclass(frozen=True)
class ScoreRow:
    name: str
    label: str
    weight: float
    score: int | None
    weighted: float | None


@dataclass(frozen=True)
class Scorecard:
    rows: list[ScoreRow]
    total: float | None  # weighted total out of 5; None until every criterion is scored


def visible_task(task_id: int, viewer: User) -> HumanTask:
    """The task, if the viewer may know it exists (they can see its project); else NotFound."""
    try:
        row = get_task(task_id)  # loads what a completion needs in the same query
    except NotFound:
        row = None
    if row is None or not can_view(viewer, row.project):
        raise NotFound(f"no task {task_id}")
    return row


def ensure_can_see(row: HumanTask, viewer: User) -> None:
    """A task's details (and its workflow data) are for the people it is or was offered to."""
    if viewer.id in (row.assignee_id, row.completed_by_id) or is_candidate(viewer, row):
        return
    raise NotPermitted(f"{row.title} is not assigned to you or to one of your queues.")


def ensure_can_complete(row: HumanTask, viewer: User) -> None:
    """InvalidTransition when the task moved on (done, or claimed away from the viewer's queue);
    NotPermitted when it was never the viewer's."""
    if not row.is_open:
        who = row.completed_by.display_name if row.completed_by else "the process"
        verb = "completed" if row.status == "completed" else "withdrawn"
        raise InvalidTransition(f"{row.title} was already {verb} by {who}.")
    if can_work_on(viewer, row):
        return
    holder = _assignee(row)
    if holder is not None and is_candidate(viewer, row):
        raise InvalidTransition(f"{row.title} was claimed by {holder.display_name}.")
    raise NotPermitted(f"{row.title} is not assigned to you or to one of your queues.")


def task_context(row: HumanTask, viewer: User, prefill: bool = True) -> TaskContext:
    """Everything around the form. `prefill=False` skips the workflow load (a re-rendered
    submission shows what the user typed, not workflow data)."""
    project = row.project
    return TaskContext(
        task=row,
        project=project,
        holder=row.holder_label,
        decisions=inbox.project_decisions(project.id),
        open_conditions=[
            OpenCondition(c, c.decision_row.gate_title, gates.can_close(viewer, c, project))
            for c in gates.open_conditions(project.id)
        ],
        documents=[],
        prefill=workflow_prefill(row) if prefill else {},
        package=gate_package(row) if row.gate else None,
    )


def condition_on_task(row: HumanTask, condition_id: int) -> GateCondition:
    """A condition of the task's project (the task page only closes its own project's)."""
    condition = db.session.get(GateCondition, condition_id)
    if condition is None or condition.project_id != row.project_id:
        raise NotFound(f"no condition {condition_id} on this project")
    return condition


def gate_package(row: HumanTask) -> GatePackage | None:
    events = db.session.execute(
        select(AuditEvent, HumanTask.form_key)
        .join(HumanTask, AuditEvent.human_task_id == HumanTask.id)
        .where(
            AuditEvent.instance_id == row.instance_id,
            AuditEvent.action == "task_completed",
            HumanTask.gate == row.gate,
            HumanTask.form_key.in_(PACKAGE_FORMS),
        )
        .order_by(AuditEvent.id)
    ).all()
    package = None
    for event, form_key in events:
        data = (event.details or {}).get("data") or {}
        who = event.actor.display_name if event.actor else None
        if form_key == "gate_submission":  # a new round: forget the previous one's checks
            package = _new_round(row.gate, who, event.at, data)
        elif package is None:
            continue
        elif form_key == "gate_readiness":
            package.readiness = [
                (label, bool(data.get(name))) for name, label, _help in MUST_MEET_CRITERIA
            ]
            package.readiness_passed = data.get("readiness_passed")
            package.readiness_comment = data.get("readiness_comment")
        else:
            package.scores.append(
                GateScore(
                    who or "?", _scores(data), data.get("recommendation"), data.get("comment")
                )
            )
    return package


def _new_round(gate: str, who: str | None, at: datetime, data: dict) -> GatePackage:
    labels = dict(GATE_DELIVERABLES)
    return GatePackage(
        gate=gate,
        submitted_by=who,
        submitted_at=at,
        deliverables=[labels.get(d, d) for d in data.get("deliverables") or []],
        summary=data.get("summary"),
        package_link=data.get("package_link"),
    )


def scorecard(scores: dict) -> Scorecard:
    """Should-meet scores with their weights and the weighted total (as the form computes it)."""
    rows = []
    for name, label, weight in SHOULD_MEET_CRITERIA:
        score = scores.get(name)
        valid = isinstance(score, int) and 1 <= score <= 5
        rows.append(
            ScoreRow(
                name,
                label,
                weight,
                score if valid else None,
                round(score * weight, 2) if valid else None,
            )
        )
    total = None
    if all(r.score is not None for r in rows):
        total = weighted_score({r.name: r.score for r in rows})
    return Scorecard(rows, total)


def _scores(data: dict) -> dict:
    return {label: data.get(name) for name, label, _weight in SHOULD_MEET_CRITERIA}


def workflow_prefill(row: HumanTask) -> dict:
    """This open task's workflow data that may prefill its form (never an earlier judgement)."""
    if not row.is_open:
        return {}
    try:
        data = runner.task_data(load_workflow(row.instance), row.task_id)
    except EngineError:  # not waiting any more (TaskNotReady), or state that will not load
        return {}
    return {k: v for k, v in data.items() if k not in FRESH_FIELDS and not k.startswith("_")}


def _assignee(row: HumanTask) -> User | None:
    """By id: the relationship may still hold the previous assignee in a long-lived session."""
    return db.session.get(User, row.assignee_id) if row.assignee_id is not None else None
