"""Project use cases: start a project on a lifecycle, read what a user may see."""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from ..extensions import db
from ..models import Project
from ..models import User
from ..models import WorkflowInstance
from ..roles import PORTFOLIO_ROLES
from .audit import record_event
from .errors import NotFound
from .errors import NotPermitted
from .errors import ValidationFailed
from .instances import new_workflow
from .instances import save_workflow
from .library import latest_definition

DEFAULT_LIFECYCLE = "project_lifecycle"
STARTER_ROLES = ("pm", "pmo", "portfolio", "admin")
CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,31}$")


@dataclass(frozen=True)
class NewProject:
    code: str
    name: str
    pm: str  # usernames
    sponsor: str
    budget: Decimal | None = None
    start_date: date | None = None
    end_date: date | None = None
    description: str | None = None
    lifecycle: str | None = None  # process id of a deployed lifecycle; default the standard one


def start_project(cmd: NewProject, actor: User) -> Project:
    if not actor.has_role(*STARTER_ROLES):
        raise NotPermitted("only project managers, the PMO and portfolio managers start projects")
    pm, sponsor, definition = _check_new_project(cmd)
    project = Project(
        code=cmd.code.strip().upper(),
        name=cmd.name.strip(),
        description=cmd.description,
        pm=pm,
        sponsor=sponsor,
        budget=cmd.budget,
        start_date=cmd.start_date,
        end_date=cmd.end_date,
        lifecycle=definition.process_id,
        status="active",
        created_by_id=actor.id,
    )
    db.session.add(project)
    db.session.flush()
    workflow = new_workflow(definition.version, definition.process_id, _start_data(project))
    instance = WorkflowInstance(
        project_id=project.id,
        kind="lifecycle",
        process_id=definition.process_id,
        version_id=definition.version_id,
    )
    record_event(
        "project_started",
        f"{project.code} started on {definition.name} (version {definition.version_id})",
        actor=actor,
        project=project,
        details={
            "lifecycle": definition.process_id,
            "version": definition.version_id,
            "pm": pm.username,
            "sponsor": sponsor.username,
        },
    )
    save_workflow(instance, workflow, project, actor=actor)
    db.session.commit()
    return project


def get_project(project_id: int, viewer: User) -> Project:
    project = db.session.get(Project, project_id)
    if project is None or not can_view(viewer, project):
        raise NotFound(f"no project {project_id}")  # 404, not 403: do not reveal it exists
    return project


def can_view(user: User, project: Project) -> bool:
    """One rule for pages, API and lists: the project is in the user's visible projects."""
    from .inbox import visible_projects_query

    # The common cases, without a query (the same rule visible_projects_query states first).
    if user.has_role(*PORTFOLIO_ROLES) or user.id in (project.pm_id, project.sponsor_id):
        return True

    query = visible_projects_query(user).where(Project.id == project.id).limit(1)
    return db.session.scalar(query.with_only_columns(Project.id)) is not None


def lifecycle_instance(project: Project) -> WorkflowInstance:
    instance = db.session.scalar(
        select(WorkflowInstance).filter_by(project_id=project.id, kind="lifecycle")
    )
    if instance is None:
        raise NotFound(f"project {project.code} has no lifecycle")
    return instance


def _check_new_project(cmd: NewProject):
    problems = []
    code = (cmd.code or "").strip().upper()
    if not CODE_PATTERN.match(code):
        problems.append(("code", "use 2–32 letters, digits, - or _ (e.g. PRJ-042)"))
    elif db.session.scalar(select(Project.id).filter_by(code=code)):
        problems.append(("code", f"project code {code} is already taken"))
    if not (cmd.name or "").strip():
        problems.append(("name", "a project needs a name"))
    elif len(cmd.name.strip()) > 200:
        problems.append(("name", "at most 200 characters"))
    if cmd.description and len(cmd.description) > 20_000:
        problems.append(("description", "at most 20,000 characters"))
    pm = _person(cmd.pm, "pm", "project manager", problems)
    sponsor = _person(cmd.sponsor, "sponsor", "sponsor", problems)
    if cmd.start_date and cmd.end_date and cmd.end_date < cmd.start_date:
        problems.append(("end_date", "the end date is before the start date"))
    if cmd.budget is not None and cmd.budget < 0:
        problems.append(("budget", "the budget cannot be negative"))
    definition = None
    try:
        definition = latest_definition(cmd.lifecycle or DEFAULT_LIFECYCLE)
        if not definition.is_lifecycle:
            problems.append(("lifecycle", f"{definition.process_id!r} is not a project lifecycle"))
    except NotFound as exc:
        problems.append(("lifecycle", exc.message))
    if problems:
        raise ValidationFailed(problems)
    return pm, sponsor, definition


def _person(username, role, label, problems) -> User | None:
    user = db.session.scalar(select(User).filter_by(username=(username or "").strip()))
    if user is None or not user.active:
        problems.append((role, f"unknown user {username!r}"))
        return None
    if role not in user.roles:
        problems.append((role, f"{user.display_name} does not have the {label} role"))
    return user


def _start_data(project: Project) -> dict:
    return {
        "project_id": project.id,
        "project_code": project.code,
        "project_name": project.name,
        "budget": float(project.budget) if project.budget is not None else None,
    }


@dataclass(frozen=True)
class Diagram:
    xml: str
    completed: list[str]
    active: list[str]


def project_diagram(project: Project) -> Diagram:
    """The lifecycle BPMN with the elements the project has passed and is at.

    This is the one page that loads a workflow: one project, on demand, never a list.
    """
    from ..engine import runner
    from ..models import ProcessFile
    from .instances import load_workflow

    instance = lifecycle_instance(project)
    definition = db.session.scalar(
        select(ProcessFile)
        .join(ProcessFile.version)
        .where(ProcessFile.version_id == instance.version_id)
        .where(ProcessFile.path == _definition_file(instance))
    )
    completed, active = runner.element_states(load_workflow(instance))
    return Diagram(definition.content.decode("utf-8"), sorted(completed), sorted(active))


def _definition_file(instance: WorkflowInstance) -> str:
    from ..models import ProcessDefinition

    return db.session.scalar(
        select(ProcessDefinition.file).filter_by(
            version_id=instance.version_id, process_id=instance.process_id
        )
    )


# Read helpers for the project pages.


def people_with_role(role: str) -> list[User]:
    """Active users holding a role, by name: the choices for PM and sponsor."""
    from ..models import UserRole

    return list(
        db.session.scalars(
            select(User)
            .join(UserRole)
            .where(UserRole.role == role, User.active.is_(True))
            .order_by(User.display_name, User.username)
        )
    )


@dataclass(frozen=True)
class StageStep:
    name: str
    state: str  # passed | current | upcoming
    decisions: list  # GateDecision rows taken while the project was in this stage


def stage_tracker(project: Project) -> list[StageStep]:
    """Every stage of the project's lifecycle version in order, with the gate outcomes so far."""
    from ..models import GateDecision
    from ..models import HumanTask
    from ..models import ProcessDefinition

    instance = lifecycle_instance(project)
    names = list(
        db.session.scalar(
            select(ProcessDefinition.stages).filter_by(
                version_id=instance.version_id, process_id=instance.process_id
            )
        )
        or []
    )
    if project.stage and project.stage not in names:
        names.append(project.stage)
    by_stage: dict[str | None, list] = {}
    for decision, stage in db.session.execute(
        select(GateDecision, HumanTask.stage)
        .outerjoin(HumanTask, GateDecision.human_task_id == HumanTask.id)
        .where(GateDecision.project_id == project.id)
        .order_by(GateDecision.decided_at, GateDecision.id)
    ):
        by_stage.setdefault(stage, []).append(decision)
    current = names.index(project.stage) if project.stage in names else -1
    finished = project.status == "closed"
    return [
        StageStep(
            name,
            "passed"
            if i < current or (finished and i == current)
            else "current"
            if i == current
            else "upcoming",
            by_stage.get(name, []),
        )
        for i, name in enumerate(names)
    ]


def open_task_counts(project_ids: list[int]) -> dict[int, int]:
    """Open human tasks per project, for one page of the project list."""
    from sqlalchemy import func

    from ..models import HumanTask

    if not project_ids:
        return {}
    rows = db.session.execute(
        select(HumanTask.project_id, func.count(HumanTask.id))
        .where(HumanTask.project_id.in_(project_ids), HumanTask.status == "open")
        .group_by(HumanTask.project_id)
    )
    return {project_id: count for project_id, count in rows}
