"""Demo data for `tollgate demo`: migrate, deploy, people of every role and a dozen projects.

Projects are driven only through the real use cases (start_project, complete_task,
close_condition) with data a careful user would submit, so every row, inbox entry and audit
event is exactly what the application itself produces. Idempotent: users are added when
missing, projects only when the database has none.
"""

import re
from dataclasses import dataclass
from datetime import date
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func
from sqlalchemy import select

from ..extensions import db
from ..models import HumanTask
from ..models import Project
from ..models import User
from ..models import UserRole
from ..roles import ROLES
from .gates import close_condition
from .gates import open_conditions
from .library import deploy_files
from .library import read_library
from .projects import NewProject
from .projects import start_project
from .tasks import complete_task
from .users import add_user

DEMO_PASSWORD = "tollgate"

# username -> (display name, role keys)
DEMO_USERS = {
    "olivia": ("Olivia Bennett", ["pm"]),
    "marcus": ("Marcus Okafor", ["pm"]),
    "helen": ("Helen Fischer", ["sponsor"]),
    "raj": ("Raj Patel", ["sponsor"]),
    "grace": ("Grace Liu", ["pmo"]),
    "tomas": ("Tomás Silva", ["ccb"]),
    "fatima": ("Fatima Haddad", ["finance"]),
    "daniel": ("Daniel Moreau", ["portfolio"]),
    "ingrid": ("Ingrid Larsen", ["designer"]),
    "admin": ("Alex Morgan", ["admin"]),
}

GATE_DELIVERABLES = {
    "gate_1": ["business_case", "project_charter"],
    "gate_2": ["project_plan", "budget_baseline", "risk_register"],
    "gate_3": ["stakeholder_signoff", "risk_register"],
    "gate_4": ["acceptance_evidence", "handover_plan"],
}


@dataclass(frozen=True)
class DemoProject:
    code: str
    name: str
    pm: str
    sponsor: str
    budget: int
    description: str
    story: str  # what the demo shows, printed in the summary
    lifecycle: str | None = None


def seed_demo(workflows_dir) -> str:
    """Migrate, deploy the library, add missing demo users and (on an empty database) projects."""
    from flask_migrate import upgrade

    upgrade()
    lines = [_deploy(workflows_dir)]
    created = _seed_users()
    kept = len(DEMO_USERS) - len(created)
    lines.append(f"Users: {len(created)} created, {kept} already present.")
    if db.session.scalar(select(func.count(Project.id))):
        lines.append("Projects: the database already has projects; none added.")
    else:
        lines.append(f"Projects: {len(SCENARIOS)} demo projects seeded:")
        for demo, scenario in SCENARIOS:
            project = _start(demo)
            scenario(_Driver(project))
            lines.append(f"  {project.code:<8} {_state(project):<34} {demo.story}")
    lines.append(_login_hint())
    return "\n".join(lines)


def _deploy(workflows_dir) -> str:
    result = deploy_files(read_library([workflows_dir]), note="tollgate demo")
    version = result.version
    if result.created:
        return f"Deployed process library version {version.id} ({len(version.files)} files)."
    return f"Process library unchanged (version {version.id})."


def _seed_users() -> list[str]:
    created = []
    for username, (display_name, roles) in DEMO_USERS.items():
        if db.session.scalar(select(User.id).filter_by(username=username)) is None:
            add_user(
                username,
                roles,
                display_name=display_name,
                email=f"{username}@example.org",
                password=DEMO_PASSWORD,
            )
            created.append(username)
    return created


def _login_hint() -> str:
    people = ", ".join(
        f"{name} ({ROLES[roles[0]]})" for name, (_display, roles) in DEMO_USERS.items()
    )
    return f"Log in at http://127.0.0.1:5000 with password '{DEMO_PASSWORD}' as any of: {people}."


def _state(project: Project) -> str:
    status = {"active": "", "on_hold": ", on hold", "killed": ", killed", "closed": ", closed"}[
        project.status
    ]
    return f"{project.stage or '-'}{status}"


def _start(demo: DemoProject) -> Project:
    pm = _user(demo.pm)
    today = date.today()
    return start_project(
        NewProject(
            code=demo.code,
            name=demo.name,
            pm=demo.pm,
            sponsor=demo.sponsor,
            budget=Decimal(demo.budget),
            start_date=today - timedelta(days=30),
            end_date=today + timedelta(days=300),
            description=demo.description,
            lifecycle=demo.lifecycle,
        ),
        pm,
    )


class _Driver:
    """Completes a project's open tasks by name, as the person the inbox shows them to."""

    def __init__(self, project: Project):
        self.project = project
        self.form_data = sample_form_data(float(project.budget or 100_000))

    def do(self, task_name: str, **data) -> None:
        row = self._open(task_name)
        payload = dict(self.form_data.get(row.form_key) or self.form_data.get(task_name) or {})
        payload.update(data)
        complete_task(row.id, payload, _worker(row))

    def gate(self, decision: str = "go", *, until: str | None = None, **data) -> None:
        """Submit the package, pass readiness, score, decide; or stop before task `until`."""
        for step in ("submit_gate_package", "check_gate_readiness", "score_gate", "decide_gate"):
            if step == until:
                return
            if step == "submit_gate_package":
                # The row's gate is the configure script's title, "Gate N – ..."
                number = re.match(r"Gate (\d+)", self._open(step).gate or "")
                gate_key = f"gate_{number.group(1)}" if number else None
                self.do(step, deliverables=GATE_DELIVERABLES.get(gate_key, ["business_case"]))
            elif step == "score_gate":
                for row in self._rows("score_gate"):
                    payload = dict(self.form_data["gate_score"])
                    complete_task(row.id, payload, _worker(row))
            elif step == "decide_gate":
                decision_data = {"decision": decision}
                if decision != "go":
                    decision_data["rationale"] = RATIONALES[decision]
                decision_data.update(data)
                self.do(step, **decision_data)
            else:
                self.do(step)

    def close_conditions(self, note: str) -> None:
        for condition in open_conditions(self.project.id):
            close_condition(condition.id, condition.owner, note)

    def _rows(self, task_name: str) -> list[HumanTask]:
        return list(
            db.session.scalars(
                select(HumanTask)
                .filter_by(project_id=self.project.id, task_name=task_name, status="open")
                .order_by(HumanTask.id)
            )
        )

    def _open(self, task_name: str) -> HumanTask:
        rows = self._rows(task_name)
        if len(rows) != 1:
            raise RuntimeError(
                f"demo {self.project.code}: expected one open {task_name}, found {len(rows)}"
            )
        return rows[0]


RATIONALES = {
    "conditional_go": "Sound case; funding for the second release still to be confirmed.",
    "hold": "Waiting for the outcome of the annual budget review.",
    "recycle": "The plan underestimates the data migration; rework the schedule.",
    "kill": "A group-wide platform will cover this need; stop before we commit the budget.",
}


def sample_form_data(budget: float) -> dict:
    """Valid data for every task form of the library, as a careful user would enter it."""
    today = date.today()
    return {
        "project_charter": {
            "objectives": "Cut order-to-cash time by 30 % within a year of go-live.",
            "scope": "In: ordering, invoicing and dunning. Out: CRM and the data warehouse.",
            "business_case": "Saves about 20 % of yearly licence and support costs; "
            "payback in under three years.",
            "key_risks": "Data migration quality\nKey-user availability during testing",
            "target_benefits": "Order-to-cash -30 % by the end of next year",
            "estimated_cost": budget,
        },
        "project_plan": {
            "schedule_summary": "Design (2 months), build in two releases (5 months), "
            "rollout (2 months).",
            "baseline_budget": budget,
            "baseline_end_date": (today + timedelta(days=300)).isoformat(),
            "key_milestones": "Design signed off\nRelease 1 live\nRelease 2 live",
        },
        "gate_submission": {
            "deliverables": ["business_case"],
            "summary": "Package complete and reviewed with the sponsor; no open issues.",
        },
        "gate_readiness": {
            "package_complete": True,
            "strategic_alignment": True,
            "risks_assessed": True,
            "funding_available": True,
            "readiness_passed": True,
            "readiness_comment": "All must-meet criteria are met.",
        },
        "gate_score": {
            "strategic_fit": 4,
            "business_value": 4,
            "risk": 3,
            "feasibility": 4,
            "recommendation": "go",
            "comment": "Numbers check out.",
        },
        "gate_decision": {
            "strategic_fit": 4,
            "business_value": 5,
            "risk": 3,
            "feasibility": 4,
            "decision": "go",
            "rationale": "",
        },
        "resume_gate": {"resume_note": "Budget confirmed in the annual review."},
        "lessons_learned": {
            "went_well": "Early involvement of key users in design workshops.",
            "to_improve": "Start the data clean-up one release earlier.",
        },
        "closure_record": {
            "closure_reason": "stopped_at_gate",
            "final_cost": round(budget * 0.08, 2),
            "notes": "Contracts closed; documents archived in the PMO library.",
        },
        "mobilise_delivery": {
            "team_onboarded": True,
            "baseline_confirmed": True,
            "kickoff_date": (today - timedelta(days=3)).isoformat(),
            "mobilisation_notes": "Team of eight, two external.",
        },
        "complete_delivery": {
            "percent_complete": 100,
            "deliverables_accepted": True,
            "handover_notes": "Handed over to operations with runbooks.",
        },
    }


# -- the scenarios: each takes a freshly started project to its demo state --------------------


def _just_started(d: _Driver) -> None:
    pass


def _waiting_for_readiness(d: _Driver) -> None:
    d.do("prepare_charter")
    d.gate(until="check_gate_readiness")


def _package_sent_back(d: _Driver) -> None:
    d.do("prepare_charter")
    d.do("submit_gate_package", deliverables=["project_charter"])
    d.do(
        "check_gate_readiness",
        funding_available=False,
        readiness_passed=False,
        readiness_comment="The business case has no funding line; add it and resubmit.",
    )


def _gate_1_decision(d: _Driver) -> None:
    d.do("prepare_charter")
    d.gate(until="decide_gate")


def _conditional_go(d: _Driver) -> None:
    d.do("prepare_charter")
    due = (date.today() + timedelta(days=21)).isoformat()
    d.gate(
        "conditional_go",
        conditions=[
            {
                "description": "Confirm funding for the second release",
                "owner": "fatima",
                "due_date": due,
            },
        ],
    )


def _condition_closed(d: _Driver) -> None:
    _conditional_go(d)
    d.close_conditions("Funding confirmed by the finance committee.")
    d.do("prepare_project_plan")
    d.gate("go")


def _gate_2_scoring(d: _Driver) -> None:
    d.do("prepare_charter")
    d.gate("go")
    d.do("prepare_project_plan")
    d.gate(until="score_gate")  # Finance scores next: score_gate is in the Finance queue


def _on_hold(d: _Driver) -> None:
    d.do("prepare_charter")
    d.gate("go")
    d.do("prepare_project_plan")
    d.gate("hold")


def _recycled(d: _Driver) -> None:
    d.do("prepare_charter")
    d.gate("go")
    d.do("prepare_project_plan")
    d.gate("recycle")


def _killed(d: _Driver) -> None:
    d.do("prepare_charter")
    d.gate("go")
    d.do("prepare_project_plan")
    d.gate("kill")
    d.do("record_closure")


def _in_execution(d: _Driver) -> None:
    d.do("prepare_charter")
    d.gate("go")
    d.do("prepare_project_plan")
    d.gate("go")
    d.do("mobilise_delivery")
    d.gate("go")


def _gate_4_decision(d: _Driver) -> None:
    _in_execution(d)
    d.do("complete_delivery")
    d.gate(until="decide_gate")


def _benefits_timer(d: _Driver) -> None:
    _in_execution(d)
    d.do("complete_delivery")
    d.gate("go")
    d.do("capture_lessons_learned")


def _light_delivery(d: _Driver) -> None:
    d.do("prepare_charter")
    d.gate("go")


SCENARIOS = [
    (
        DemoProject(
            "PRJ-101",
            "Customer portal redesign",
            "olivia",
            "helen",
            180_000,
            "Rebuild the customer self-service portal on the new design system.",
            "just started: charter due",
        ),
        _just_started,
    ),
    (
        DemoProject(
            "PRJ-102",
            "Warehouse scanner rollout",
            "marcus",
            "raj",
            95_000,
            "Replace handheld scanners in the three regional warehouses.",
            "Gate 1: PMO checks readiness",
        ),
        _waiting_for_readiness,
    ),
    (
        DemoProject(
            "PRJ-103",
            "Data centre exit",
            "olivia",
            "raj",
            1_250_000,
            "Move the remaining on-premise workloads to the cloud and close the site.",
            "Gate 1: package sent back by the PMO",
        ),
        _package_sent_back,
    ),
    (
        DemoProject(
            "PRJ-104",
            "Billing platform replacement",
            "marcus",
            "helen",
            450_000,
            "Replace the legacy billing platform before its support ends.",
            "Gate 1: decision in the sponsor's inbox",
        ),
        _gate_1_decision,
    ),
    (
        DemoProject(
            "PRJ-105",
            "HR self-service",
            "olivia",
            "helen",
            220_000,
            "Let employees manage leave, expenses and personal data themselves.",
            "conditional go at Gate 1: condition open",
        ),
        _conditional_go,
    ),
    (
        DemoProject(
            "PRJ-106",
            "Mobile field service app",
            "marcus",
            "raj",
            310_000,
            "Give field engineers job lists, parts and sign-off on their phones.",
            "condition closed, past Gate 2",
        ),
        _condition_closed,
    ),
    (
        DemoProject(
            "PRJ-107",
            "Supplier portal",
            "olivia",
            "raj",
            140_000,
            "One portal for supplier onboarding, orders and invoices.",
            "Gate 2: waiting for Finance to score",
        ),
        _gate_2_scoring,
    ),
    (
        DemoProject(
            "PRJ-108",
            "Office consolidation",
            "marcus",
            "helen",
            600_000,
            "Merge the two city offices into one building.",
            "on hold at Gate 2",
        ),
        _on_hold,
    ),
    (
        DemoProject(
            "PRJ-109",
            "Payroll outsourcing",
            "olivia",
            "helen",
            380_000,
            "Move payroll processing to an external provider.",
            "recycled at Gate 2: plan in rework",
        ),
        _recycled,
    ),
    (
        DemoProject(
            "PRJ-110",
            "Legacy CRM upgrade",
            "marcus",
            "raj",
            275_000,
            "Upgrade the old CRM to its last supported release.",
            "killed at Gate 2, closure recorded",
        ),
        _killed,
    ),
    (
        DemoProject(
            "PRJ-111",
            "E-invoicing compliance",
            "olivia",
            "raj",
            160_000,
            "Send and receive structured e-invoices as the new regulation requires.",
            "Execution, past Gate 3: delivery",
        ),
        _in_execution,
    ),
    (
        DemoProject(
            "PRJ-112",
            "Network refresh",
            "marcus",
            "helen",
            520_000,
            "Replace end-of-life switches and Wi-Fi in every site.",
            "Gate 4: closure acceptance decision",
        ),
        _gate_4_decision,
    ),
    (
        DemoProject(
            "PRJ-113",
            "Intranet migration",
            "olivia",
            "helen",
            85_000,
            "Move the intranet to the collaboration suite.",
            "Closure: benefits review timer (90 days)",
        ),
        _benefits_timer,
    ),
    (
        DemoProject(
            "LGT-201",
            "Team wiki cleanup",
            "marcus",
            "raj",
            12_000,
            "Archive stale pages and restructure the team wiki.",
            "light lifecycle: in delivery",
            lifecycle="light_lifecycle",
        ),
        _light_delivery,
    ),
]


def _user(username: str) -> User:
    return db.session.scalar(select(User).filter_by(username=username))


def _worker(row: HumanTask) -> User:
    """Who the inbox offers the task to: its assignee, else a named candidate, else the first
    user holding a candidate role (demo users first)."""
    if row.assignee is not None:
        return row.assignee
    for candidate in row.candidates:
        if candidate.user_id:
            return db.session.get(User, candidate.user_id)
    for candidate in row.candidates:
        if candidate.role:
            users = db.session.scalars(
                select(User)
                .join(UserRole)
                .where(UserRole.role == candidate.role)
                .where(User.active.is_(True))
                .order_by(User.id)
            ).all()
            demo = [u for u in users if u.username in DEMO_USERS]
            if demo or users:
                return (demo or users)[0]
    raise RuntimeError(f"nobody can work on {row.task_name} of project {row.project_id}")
