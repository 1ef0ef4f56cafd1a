"""Plain functions returning committed rows, with defaults and **overrides (CTFd's gen_*)."""

from pathlib import Path

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import HumanTask
from webapp.services import projects
from webapp.services import tasks
from webapp.services.library import deploy_files
from webapp.services.library import read_library
from webapp.services.users import add_user

WORKFLOWS = Path(__file__).resolve().parent.parent / "workflows"
CONFORMANCE = Path(__file__).resolve().parents[2] / "shared" / "conformance"

PASSWORD = "correct horse battery staple"

# username -> (display name, roles)
PEOPLE = {
    "pat": ("Pat Manager", ["pm"]),
    "sam": ("Sam Sponsor", ["sponsor"]),
    "gwen": ("Gwen Governance", ["pmo"]),
    "fin": ("Finn Finance", ["finance"]),
    "pia": ("Pia Portfolio", ["portfolio"]),
    "cora": ("Cora Board", ["ccb"]),
    "dee": ("Dee Designer", ["designer"]),
    "ada": ("Ada Admin", ["admin"]),
    "max": ("Max Other", ["pm"]),  # a second PM with no role on the test projects
    "sue": ("Sue Othersponsor", ["sponsor"]),
}


def make_user(username, *roles, **overrides):
    return add_user(
        username,
        roles or ["pm"],
        display_name=overrides.pop("display_name", username.title()),
        password=overrides.pop("password", PASSWORD),
        **overrides,
    )


def make_people() -> dict:
    return {
        name: make_user(name, *roles, display_name=display)
        for name, (display, roles) in PEOPLE.items()
    }


def deploy_library(path=WORKFLOWS):
    return deploy_files(read_library([path])).version


def start_project(pm="pat", sponsor="sam", code="PRJ-1", **overrides):
    actor = overrides.pop("actor", None) or _user(pm)
    cmd = projects.NewProject(
        code=code,
        name=overrides.pop("name", f"Project {code}"),
        pm=pm,
        sponsor=sponsor,
        **overrides,
    )
    return projects.start_project(cmd, actor)


# Valid data for every registered form key: what a careful user would submit.
FORM_DATA = {
    "project_charter": {
        "objectives": "Replace the legacy billing platform",
        "scope": "Billing, invoicing and dunning; not CRM",
        "business_case": "Saves 1.2M a year in licence and support costs",
        "estimated_cost": 450000,
    },
    "project_plan": {
        "schedule_summary": "Three releases over nine months",
        "baseline_budget": 480000,
        "baseline_end_date": "2027-09-30",
    },
    "gate_submission": {
        "deliverables": ["business_case", "project_charter"],
        "summary": "Ready for review",
    },
    "gate_readiness": {
        "package_complete": True,
        "strategic_alignment": True,
        "risks_assessed": True,
        "funding_available": True,
        "readiness_passed": True,
        "readiness_comment": "All must-meet criteria met",
    },
    "gate_score": {
        "strategic_fit": 4,
        "business_value": 4,
        "risk": 3,
        "feasibility": 4,
        "recommendation": "go",
        "comment": "Fine by finance",
    },
    "gate_decision": {
        "strategic_fit": 4,
        "business_value": 5,
        "risk": 3,
        "feasibility": 4,
        "decision": "go",
        "rationale": "",
    },
    "resume_gate": {"resume_note": "Funding confirmed"},
    "recycle_escalation": {"decision": "recycle", "rationale": "One more try"},
    "lessons_learned": {"went_well": "Early stakeholder engagement"},
    "closure_record": {"closure_reason": "stopped_at_gate", "notes": "Stopped by the sponsor"},
    "benefits_review": {"benefits_realised": "fully", "notes": "Savings confirmed"},
}

GENERATED_DATA = {
    "mobilise_delivery": {
        "team_onboarded": True,
        "baseline_confirmed": True,
        "kickoff_date": "2027-01-10",
    },
    "complete_delivery": {"percent_complete": 100, "deliverables_accepted": True},
    "escalate_overdue_decision": {"sponsor_contacted": True},
}


def open_tasks(project) -> list[HumanTask]:
    return list(
        db.session.scalars(
            select(HumanTask).filter_by(project_id=project.id, status="open").order_by(HumanTask.id)
        )
    )


def open_task(project, task_name) -> HumanTask:
    rows = [r for r in open_tasks(project) if r.task_name == task_name]
    names = [r.task_name for r in open_tasks(project)]
    assert len(rows) == 1, f"expected one open {task_name}; open: {names}"
    return rows[0]


def worker_for(row: HumanTask):
    """Someone allowed to work on the task: its assignee, else a user holding a candidate role."""
    from webapp.models import User
    from webapp.models import UserRole

    if row.assignee is not None:
        return row.assignee
    for candidate in row.candidates:
        if candidate.user_id:
            return db.session.get(User, candidate.user_id)
        user = db.session.scalar(
            select(User).join(UserRole).where(UserRole.role == candidate.role).order_by(User.id)
        )
        if user is not None:
            return user
    raise AssertionError(f"nobody can work on {row.task_name}")


def complete(project, task_name, user=None, **data):
    row = open_task(project, task_name)
    payload = dict(FORM_DATA.get(row.form_key) or GENERATED_DATA.get(task_name) or {})
    payload.update(data)
    return tasks.complete_task(row.id, payload, user or worker_for(row))


def pass_gate(project, decision="go", **decision_data):
    """Submit, pass readiness, let named gatekeepers score, and decide."""
    complete(project, "submit_gate_package")
    complete(project, "check_gate_readiness")
    for row in [r for r in open_tasks(project) if r.task_name == "score_gate"]:
        tasks.complete_task(row.id, dict(FORM_DATA["gate_score"]), worker_for(row))
    data = {"decision": decision}
    if decision != "go":
        data["rationale"] = f"Decided {decision}"
    data.update(decision_data)
    return complete(project, "decide_gate", **data)


def _user(username):
    from webapp.models import User

    return db.session.scalar(select(User).filter_by(username=username))
