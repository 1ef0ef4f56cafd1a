"""Gate semantics on top of the generic task completion: decisions, conditions, hold/resume.

The BPMN decides the route; these rows are the record PMOs report on and documents are built
from (never workflow data): one GateDecision per decision, one GateCondition per condition.
"""

from dataclasses import dataclass
from dataclasses import field
from datetime import date

from sqlalchemy import bindparam
from sqlalchemy import select

from ..extensions import db
from ..models import GateCondition
from ..models import GateDecision
from ..models import GateScore
from ..models import Project
from ..models import User
from ..models.types import utcnow
from .audit import record_event
from .errors import InvalidTransition
from .errors import NotFound
from .errors import NotPermitted
from .errors import ValidationFailed
from .row_writes import core_connection
from .row_writes import insert_row
from .row_writes import insert_rows
from .row_writes import update_row

DECISION_LABELS = {
    "go": "Go",
    "conditional_go": "Conditional go",
    "hold": "Hold",
    "recycle": "Recycle",
    "kill": "Kill",
}
PASSING = ("go", "conditional_go")


@dataclass
class GateEffects:
    """What a gate task will record once the engine has accepted the completion."""

    workflow_data: dict
    decision: str | None = None
    escalated: bool = False
    conditions: list[tuple[str, User, date]] = field(default_factory=list)
    resumed: bool = False
    scored: bool = False  # a gatekeeper's gate_score: kept as a GateScore row


def prepare_completion(row, data: dict, task_data: dict, project) -> GateEffects:
    """Check gate rules before running the engine; returns the data the workflow should see."""
    data = dict(data)
    if row.form_key == "gate_decision":
        conditions = _resolve_conditions(data.pop("conditions", None) or [])
        decision = data.get("decision")
        if decision in PASSING:
            _refuse_if_conditions_open(project)
        return GateEffects(data, decision=decision, conditions=conditions)
    if row.form_key == "recycle_escalation":
        return GateEffects(data, decision=data.get("decision"), escalated=True)
    if row.form_key == "resume_gate":
        return GateEffects(data, resumed=True)
    if row.form_key == "gate_score":
        return GateEffects(data, scored=True)
    return GateEffects(data)


def apply_completion(effects: GateEffects, row, instance, project, actor, task_data: dict):
    gate_key = task_data.get("gate_key") or row.task_name
    gate_title = task_data.get("gate_title") or row.gate or row.title
    if effects.decision:
        now = utcnow()
        rationale = effects.workflow_data.get("rationale")
        decision_id = insert_row(
            GateDecision,
            project_id=project.id,
            instance_id=instance.id,
            human_task_id=row.id,
            gate_key=gate_key,
            gate_title=gate_title,
            decision=effects.decision,
            rationale=rationale,
            scores=_scores(effects.workflow_data),
            score_total=effects.workflow_data.get("score_total"),
            escalated=effects.escalated,
            decided_by_id=actor.id,
            decided_at=now,
        )
        insert_rows(
            GateCondition,
            [
                {
                    "gate_decision_id": decision_id,
                    "project_id": project.id,
                    "description": text,
                    "owner_id": owner.id,
                    "due_date": due,
                    "status": "open",
                }
                for text, owner, due in effects.conditions
            ],
        )
        status = {"hold": "on_hold", "kill": "killed"}.get(effects.decision, "active")
        if status != project.status:
            update_row(project, status=status, updated_at=now)
        label = DECISION_LABELS.get(effects.decision, effects.decision)
        record_event(
            "gate_decision",
            f"{gate_title}: {label}" + (" (PMO escalation)" if effects.escalated else ""),
            actor=actor,
            project=project,
            instance=instance,
            human_task=row,
            details={
                "gate": gate_key,
                "decision": effects.decision,
                "rationale": rationale,
                "conditions": [
                    {"description": t, "owner": o.username, "due_date": d.isoformat()}
                    for t, o, d in effects.conditions
                ],
            },
        )
    if effects.scored:
        _record_score(effects.workflow_data, row, instance, project, actor, gate_key, gate_title)
    if effects.resumed and project.status == "on_hold":
        update_row(project, status="active", updated_at=utcnow())
        record_event(
            "gate_resumed",
            f"{gate_title} resumed",
            actor=actor,
            project=project,
            instance=instance,
            human_task=row,
        )


def _record_score(data, row, instance, project, actor, gate_key, gate_title) -> None:
    from forms.gates import weighted_score

    scores = _scores(data) or {}
    try:
        total = weighted_score(scores)
    except ValueError:  # a form without every criterion: keep what was scored, no total
        total = None
    insert_row(
        GateScore,
        project_id=project.id,
        instance_id=instance.id,
        human_task_id=row.id,
        gate_key=gate_key,
        gate_title=gate_title,
        scored_by_id=actor.id,
        scores=scores,
        score_total=total,
        recommendation=data.get("recommendation"),
        comment=data.get("comment") or None,
        scored_at=utcnow(),
    )


def gate_scores(project_id: int, gate_key: str | None = None) -> list[GateScore]:
    """The gatekeepers' scorecards of a project, oldest first (one gate's when `gate_key`)."""
    query = select(GateScore).filter_by(project_id=project_id)
    if gate_key is not None:
        query = query.filter_by(gate_key=gate_key)
    return list(db.session.scalars(query.order_by(GateScore.scored_at, GateScore.id)))


def open_conditions(project_id: int) -> list[GateCondition]:
    return list(
        db.session.scalars(
            select(GateCondition)
            .filter_by(project_id=project_id, status="open")
            .order_by(GateCondition.due_date)
        )
    )


CONDITION_CLOSERS = ("pmo", "admin")


def can_close(user, condition: GateCondition, project) -> bool:
    """The condition's owner, the project's PM and the PMO may close a condition."""
    return user.id in (condition.owner_id, project.pm_id) or user.has_role(*CONDITION_CLOSERS)


def project_condition(project_id: int, condition_id: int) -> GateCondition:
    condition = db.session.get(GateCondition, condition_id)
    if condition is None or condition.project_id != project_id:
        raise NotFound(f"no condition {condition_id} on this project")
    return condition


def close_condition(condition_id: int, actor, note: str | None = None) -> GateCondition:
    condition = db.session.get(GateCondition, condition_id)
    if condition is None:
        raise NotFound(f"no gate condition {condition_id}")
    project = db.session.get(Project, condition.project_id)
    if not can_close(actor, condition, project):
        raise NotPermitted(
            "only the condition's owner, the project manager or the PMO can close it"
        )
    if condition.status != "open":
        raise InvalidTransition(f"condition {condition_id} is already closed")
    condition.status = "closed"
    condition.closed_by_id = actor.id
    condition.closed_at = utcnow()
    condition.closing_note = note
    record_event(
        "condition_closed",
        f"Condition closed: {condition.description[:120]}",
        actor=actor,
        project=project,
        details={"condition": condition.id, "note": note},
    )
    db.session.commit()
    return condition


_ANY_OPEN_CONDITION = (
    select(GateCondition.__table__.c.id)
    .where(
        GateCondition.__table__.c.project_id == bindparam("for_project"),
        GateCondition.__table__.c.status == "open",
    )
    .limit(1)
)


def _refuse_if_conditions_open(project) -> None:
    # Most gates pass with nothing open: ask that cheaply before loading the details.
    if core_connection().execute(_ANY_OPEN_CONDITION, {"for_project": project.id}).first():
        pending = open_conditions(project.id)
        listed = "; ".join(
            f"{c.decision_row.gate_title}: {c.description} (owner {c.owner.display_name}, "
            f"due {c.due_date.isoformat()})"
            for c in pending
        )
        raise ValidationFailed(
            [("decision", f"open conditions must be closed before this gate can pass: {listed}")]
        )


def _resolve_conditions(rows: list[dict]) -> list[tuple[str, User, date]]:
    resolved, problems = [], []
    for index, item in enumerate(rows):
        if not any((item or {}).values()):
            continue
        owner_name = (item.get("owner") or "").strip()
        owner = db.session.scalar(select(User).filter_by(username=owner_name, active=True))
        if owner is None:
            problems.append((f"conditions-{index}-owner", f"unknown user {owner_name!r}"))
            continue
        due = item.get("due_date")
        due = date.fromisoformat(due) if isinstance(due, str) else due
        resolved.append((item.get("description", "").strip(), owner, due))
    if problems:
        raise ValidationFailed(problems)
    return resolved


def _scores(data: dict) -> dict | None:
    from forms.gates import SHOULD_MEET_CRITERIA

    scores = {name: data.get(name) for name, _label, _weight in SHOULD_MEET_CRITERIA}
    return scores if any(v is not None for v in scores.values()) else None
